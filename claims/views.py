import csv
import io
import json
from datetime import date
from decimal import Decimal
from itertools import islice

import psycopg
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection, transaction
from django.db.models import FloatField, Prefetch, Value
from django.db.models.functions import Coalesce
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.html import _json_script_escapes as JSON_SCRIPT_ESCAPES
from django.utils.safestring import mark_safe
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import filters as drf_filters
from rest_framework import generics
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from factcheck.api.filters import FilterBackend
from factcheck.api.pagination import ClaimCursorPagination
from factcheck.api.viewsets import RecordViewSet

from .charts import metric_chart
from .claimreview import claim_review
from .figures.written import written_figure_fields
from .filters import ClaimFilter, ClaimLinkFilter, ConflictFilter, EvidenceFilter
from .models import Claim, ClaimLink, Evidence, Metric
from .selectors.claims import claim_etag, claim_rows, claim_versions
from .selectors.conflicts import conflicts_of
from .serializers import (
    ClaimInputSerializer,
    ClaimLinkSerializer,
    ClaimRowsSerializer,
    ClaimSerializer,
    ClaimVersionSerializer,
    ConflictSerializer,
    EvidenceSerializer,
    MetricFigureRowsSerializer,
    MetricFigureSerializer,
    MetricSerializer,
)
from .services.claims import claim_delete, claim_save
from .spreadsheets import formula_safe

# The public metric page lists at most this many figures (the API pages through all).
METRIC_PAGE_LIMIT = 500

# Nullable sort keys are coalesced so that cursor pagination never skips a NULL row.
SORT_KEYS = {
    "claimed_on": Coalesce("claimed_on", Value(date(1, 1, 1))),
    "period_start": Coalesce("period_start", Value(date(1, 1, 1))),
    "value": Coalesce("value", Value(Decimal("-1e21"))),
}
# Rows fetched per round trip and written per chunk of a CSV export.
CSV_CHUNK_ROWS = 5000
CSV_COLUMNS = [
    "id",
    "text",
    "quote",
    "document_id",
    "document__title",
    "document__publisher__name",
    "speaker_id",
    "speaker__name",
    "speaker_role",
    "claimed_on",
    "claimed_precision",
    "metric__slug",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "status",
    "rationale",
    "editor_note",
    "created_at",
    "updated_at",
]
# Free-text columns, written spreadsheet-safe (claims.spreadsheets). The others are
# numbers, dates, ids or values of a fixed choice list that no formula starts like.
CSV_TEXT_COLUMNS = frozenset(
    {
        "text",
        "quote",
        "document__title",
        "document__publisher__name",
        "speaker__name",
        "speaker_role",
        "metric__slug",
        "unit",
        "period_label",
        "rationale",
        "editor_note",
    }
)


class ClaimOrderingFilter(drf_filters.OrderingFilter):
    """Order by claimed date, period start, updated, value, id or search rank.

    id breaks ties; with `q` and no ordering, the best-ranked matches come first.
    """

    def get_ordering(self, request, queryset, view):
        default = ["-rank"] if request.query_params.get("q", "").strip() else ["-id"]
        ordering = super().get_ordering(request, queryset, view) or default
        ordering = [self._sort_name(term) for term in ordering]
        if ordering[-1].lstrip("-") != "id":
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    @staticmethod
    def _sort_name(term: str) -> str:
        name = term.lstrip("-")
        return term.replace(name, f"sort_{name}") if name in SORT_KEYS else term

    def filter_queryset(self, request, queryset, view):
        # Only the sort keys this ordering uses: each is computed for every row.
        used = {term.lstrip("-") for term in self.get_ordering(request, queryset, view)}
        queryset = queryset.annotate(
            **{
                f"sort_{name}": key
                for name, key in SORT_KEYS.items()
                if f"sort_{name}" in used
            }
        )
        if "rank" in used and "rank" not in queryset.query.annotations:
            queryset = queryset.annotate(rank=Value(0.0, output_field=FloatField()))
        return super().filter_queryset(request, queryset, view)

    def remove_invalid_fields(self, queryset, fields, view, request):
        allowed = {
            name
            for name, _ in self.get_valid_fields(queryset, view, {"request": request})
        }
        allowed.add("rank")
        invalid = [term for term in fields if term.lstrip("-") not in allowed]
        if invalid:
            raise ValidationError(
                {
                    "ordering": [
                        f"Cannot order by {', '.join(invalid)}; "
                        f"use one of {', '.join(sorted(allowed))}."
                    ]
                }
            )
        return fields


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Lists stream their own CSV; anything else (errors) is written as one cell.
        return str(data).encode("utf-8")


def csv_rows(queryset):
    """Return the CSV export's rows, text cells already spreadsheet-safe.

    Both writers read these rows, so COPY and Python's csv module write the same cells.
    """
    return queryset.values_list(
        *(
            formula_safe(column) if column in CSV_TEXT_COLUMNS else column
            for column in CSV_COLUMNS
        )
    )


def stream_claims_csv(queryset):
    """Yield the claims as CSV in chunks, in constant memory."""
    rows = csv_rows(queryset)
    if connection.vendor == "postgresql":
        yield from _copied_csv(rows)
    else:
        yield from _written_csv(rows)


def _copied_csv(rows):
    # PostgreSQL writes the CSV itself (COPY ... TO STDOUT), several times faster
    # than Python's csv module over rows the ORM has converted. COPY takes no bound
    # parameters, so the query's are written into it by psycopg's own quoting.
    sql, params = rows.query.sql_with_params()
    yield (",".join(CSV_COLUMNS) + "\n").encode()
    with transaction.atomic(), connection.cursor() as cursor:
        # The spreadsheet-safe cells make the planner expect enough work per row to
        # split the scan between parallel workers; merging their rows back into id
        # order for one client reading a stream made the export slower, not faster
        # (100,000 claims: 1.5-2.1 s, against 1.3-1.6 s in one process).
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        database = cursor.connection
        query = psycopg.ClientCursor(database).mogrify(sql, params)
        with (
            database.cursor() as raw,
            raw.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy,
        ):
            for block in copy:
                yield bytes(block)


def _written_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    rows = rows.iterator(chunk_size=CSV_CHUNK_ROWS)
    while chunk := list(islice(rows, CSV_CHUNK_ROWS)):
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()  # the header of an empty export


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Cursor-paginated. `?format=csv` (or `Accept: text/csv`) streams "
        "every "
        "matching claim as CSV with the same filters, without pagination.",
    ),
    create=extend_schema(
        request=ClaimInputSerializer,
        responses={201: ClaimSerializer},
        examples=[
            OpenApiExample(
                "A figure from the AVIM blog post",
                request_only=True,
                value={
                    "text": "Iran-Russia trade stood close to $5.3 billion in the "
                    "Iranian year 1391.",
                    "quote": "the volume of trade between Tehran and Moscow stood "
                    "close to 5.3 billion dollars last year",
                    "document": 2,
                    "metric": "iran-russia-trade-volume",
                    "value": "5300000000",
                    "unit": "USD",
                    "comparator": "approximately",
                    "period_start": "2012-03-20",
                    "period_end": "2013-03-20",
                    "period_label": "last year",
                },
            )
        ],
    ),
    update=extend_schema(
        request=ClaimInputSerializer, responses={200: ClaimSerializer}
    ),
    partial_update=extend_schema(
        request=ClaimInputSerializer, responses={200: ClaimSerializer}
    ),
)
class ClaimViewSet(RecordViewSet):
    queryset = Claim.objects.with_relations()
    serializer_class = ClaimSerializer
    filter_backends = [FilterBackend, ClaimOrderingFilter]
    filterset_class = ClaimFilter
    ordering_fields = ["claimed_on", "period_start", "updated_at", "value", "id"]
    pagination_class = ClaimCursorPagination

    def get_renderers(self):
        renderers = super().get_renderers()
        if self.action == "list":
            renderers.append(CSVRenderer())
        return renderers

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except Http404 as error:
            # An unknown ?format= is a bad parameter value, like a bad filter.
            formats = ", ".join(sorted(r.format for r in self.get_renderers()))
            raise ValidationError(
                {"format": [f"Unknown format; use one of {formats}."]}
            ) from error

    def finalize_response(self, request, response, *args, **kwargs):
        # CSV is for claims: an error is JSON whatever format was asked for.
        renderer = getattr(request, "accepted_renderer", None)
        failed = getattr(response, "exception", False)
        if failed and renderer is not None and renderer.format == "csv":
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

    def get_serializer_class(self):
        if self.action in {"create", "update", "partial_update"}:
            return ClaimInputSerializer
        return ClaimSerializer

    def retrieve(self, request, *args, **kwargs):
        # The ETag hashes the rows the representation is made of, so a 304 costs
        # the two queries and no serializing.
        row, conflicts = self.get_row(self.kwargs["pk"])
        etag = claim_etag(row, conflicts)
        if response := self.not_modified(etag):
            return response
        return Response(
            ClaimRowsSerializer([row], conflicts).data[0], headers={"ETag": etag}
        )

    def read(self, instance) -> tuple[dict, str]:
        row, conflicts = self.get_row(instance.pk)
        data = ClaimRowsSerializer([row], conflicts).data[0]
        return data, claim_etag(row, conflicts)

    def get_row(self, pk) -> tuple[dict, dict[int, list[dict]]]:
        """Return the claim as a plain row, with its conflicts; or 404."""
        try:
            row = claim_rows(self.get_queryset().filter(pk=pk)).first()
        except (TypeError, ValueError, DjangoValidationError):
            row = None  # "abc" for an id
        if row is None:
            raise NotFound()
        return row, conflicts_of([row["id"]])

    def perform_destroy(self, instance):
        claim_delete(claim=instance, by=self.request.user)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            queryset = self.filter_queryset(self.get_queryset()).order_by("id")
            response = StreamingHttpResponse(
                stream_claims_csv(queryset), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = 'attachment; filename="claims.csv"'
            return response
        # A page is one query of plain rows plus one for all their conflicts.
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(claim_rows(queryset))
        conflicts = conflicts_of([row["id"] for row in rows])
        return self.get_paginated_response(ClaimRowsSerializer(rows, conflicts).data)

    def save_record(self, instance, validated_data):
        values = dict(validated_data)
        change_reason = values.pop("change_reason", "")
        amount_text = values.pop("amount_text", "")
        for name, value in values.items():
            setattr(instance, name, value)
        written = written_figure_fields(
            amount_text=amount_text,
            period_label=values.get("period_label", ""),
            reference=instance.claimed_on
            or (instance.document.published_on if instance.document_id else None),
            given=set(values),
            default_unit=instance.metric.unit if instance.metric_id else "",
        )
        for name, value in written.items():
            setattr(instance, name, value)
        return claim_save(
            claim=instance, by=self.request.user, change_reason=change_reason
        )

    @extend_schema(
        summary="The claim's versions, newest first, with what changed in each",
        responses={200: ClaimVersionSerializer(many=True)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="history",
        pagination_class=None,
        filter_backends=[],
    )
    def history(self, request, pk=None):
        claim = get_object_or_404(Claim.objects.only("id", "status"), pk=pk)
        if not claim.is_reviewed and not request.user.is_authenticated:
            raise NotAuthenticated(
                "The history of a claim without a verdict is shown to signed-in "
                "users only."
            )
        versions = claim_versions(claim_id=claim.pk)
        public = not request.user.is_authenticated
        return Response(
            ClaimVersionSerializer(versions, many=True, context={"public": public}).data
        )

    @extend_schema(
        summary="The claim's review as schema.org ClaimReview JSON-LD",
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description="ClaimReview JSON-LD"
            ),
            404: OpenApiResponse(
                description="The claim has no verdict: no review to publish."
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="claimreview",
        pagination_class=None,
        filter_backends=[],
    )
    def claimreview(self, request, pk=None):
        claim = get_object_or_404(reviewable_claims(), pk=pk)
        if not claim.is_reviewed:
            raise Http404(
                f"Claim {claim.pk} has no review to publish: its status is "
                f"'{claim.status}', not a verdict."
            )
        return Response(claim_review(claim))


def reviewable_claims():
    """Return claims with what their ClaimReview needs (appearances) loaded in bulk."""
    return Claim.objects.with_relations().prefetch_related(
        Prefetch(
            "links_from",
            queryset=ClaimLink.objects.select_related("to_claim__document__publisher"),
        ),
        Prefetch(
            "links_to",
            queryset=ClaimLink.objects.select_related(
                "from_claim__document__publisher"
            ),
        ),
    )


class ClaimReviewFeedView(generics.ListAPIView):
    """Every reviewed claim as ClaimReview JSON-LD, newest review first."""

    pagination_class = ClaimCursorPagination
    queryset = Claim.objects.none()

    def get_queryset(self):
        return reviewable_claims().reviewed()

    @extend_schema(
        summary="Feed of ClaimReview JSON-LD for every reviewed claim",
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, description="Cursor page of ClaimReview objects"
            )
        },
    )
    def get(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([claim_review(claim) for claim in page])


class FigureCursorPagination(ClaimCursorPagination):
    page_size = 200
    max_page_size = 1000
    ordering = ("sort_period_start", "id")


class MetricViewSet(RecordViewSet):
    queryset = Metric.objects.order_by("id")
    serializer_class = MetricSerializer
    lookup_field = "slug"

    @extend_schema(
        summary="Every claim on the metric, ordered by period, side by side",
        responses={200: MetricFigureSerializer(many=True)},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="figures",
        pagination_class=FigureCursorPagination,
        filter_backends=[],
    )
    def figures(self, request, slug=None):
        metric = self.get_object()
        claims = (
            Claim.objects.about_metric(metric)
            .with_figure()
            .with_relations()
            .annotate(sort_period_start=SORT_KEYS["period_start"])
        )
        rows = self.paginate_queryset(claim_rows(claims))
        conflicts = conflicts_of([row["id"] for row in rows])
        return self.get_paginated_response(
            MetricFigureRowsSerializer(rows, conflicts).data
        )


class ConflictListView(generics.ListAPIView):
    """Pairs of claims whose figures conflict ("contradicts" links), newest first."""

    serializer_class = ConflictSerializer
    pagination_class = ClaimCursorPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ConflictFilter
    queryset = ClaimLink.objects.filter(
        relation=ClaimLink.Relation.CONTRADICTS
    ).select_related("from_claim__metric", "from_claim__document", "to_claim__document")


class EvidenceViewSet(RecordViewSet):
    queryset = Evidence.objects.order_by("id")
    serializer_class = EvidenceSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EvidenceFilter


class ClaimLinkViewSet(RecordViewSet):
    queryset = ClaimLink.objects.order_by("id")
    serializer_class = ClaimLinkSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ClaimLinkFilter


def claim_page(request, pk: int):
    """The public page of a claim; a reviewed claim carries its ClaimReview markup."""
    claim = get_object_or_404(reviewable_claims(), pk=pk)
    review_json = ""
    if claim.is_reviewed:
        # Escape as json_script does, so no text can close the <script> element.
        review_json = mark_safe(
            json.dumps(claim_review(claim), ensure_ascii=False).translate(
                JSON_SCRIPT_ESCAPES
            )
        )
    return render(
        request,
        "claims/claim_page.html",
        {"claim": claim, "review": claim.is_reviewed, "review_json": review_json},
    )


def metric_page(request, slug: str):
    """The public side-by-side page of a metric: its figures charted and listed."""
    metric = get_object_or_404(Metric, slug=slug)
    claims = list(
        Claim.objects.about_metric(metric)
        .with_figure()
        .with_relations()
        .order_by(SORT_KEYS["period_start"].asc(), "id")[:METRIC_PAGE_LIMIT]
    )
    conflicts = conflicts_of([claim.pk for claim in claims])
    return render(
        request,
        "claims/metric_page.html",
        {
            "metric": metric,
            "rows": [(claim, conflicts[claim.pk]) for claim in claims],
            "chart": mark_safe(metric_chart(metric)),  # built with every text escaped
            "limit": METRIC_PAGE_LIMIT,
        },
    )
