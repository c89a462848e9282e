"""The claims REST API: claims, metrics and figures, conflicts, evidence, links.

Kept long (more than 600 lines) because the claim viewset carries its OpenAPI
declarations (every action's parameters, examples and answers, this round's confirm
and possible duplicates among them) beside the code they describe; the next split is
the metric, evidence and link viewsets into a module of their own.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseBase, StreamingHttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from factcheck.api.exceptions import PreconditionFailed
from factcheck.api.filters import FilterBackend
from factcheck.api.pagination import ClaimCursorPagination
from factcheck.api.renderers import CSVRenderer
from factcheck.api.viewsets import RecordViewSet
from factcheck.caching import request_etags

from ..claimreview import claim_review
from ..figures.written import magnitude_warning
from ..models import Claim, ClaimLink, Evidence, Metric
from ..selectors.claims import CLAIM_SORT_KEYS, claim_versions, reviewable_claims
from ..selectors.conflicts import conflict_references, conflicts_of
from ..selectors.matching import similar_claims
from ..selectors.versions import claim_stamp, metric_stamp
from ..services.claims import claim_delete, claim_update
from ..services.corrections import claim_link_delete, claim_link_save
from ..services.events import recheck_confirm
from ..services.evidence import evidence_delete, evidence_save
from ..services.exports import stream_claims_csv
from ..workflow import PUBLIC, STAFF, audience_of
from .filters import (
    ClaimFilter,
    ClaimLinkFilter,
    ClaimOrderingFilter,
    ConflictFilter,
    EvidenceFilter,
)
from .matching import (
    POSSIBLE_DUPLICATES,
    ClaimCreatedSerializer,
    match_representation,
)
from .representations import (
    CONFLICT_REFERENCES,
    ClaimListItemSerializer,
    ClaimRowSerializer,
    ClaimSerializer,
    MetricFigureRowSerializer,
    MetricFigureSerializer,
    claim_rows,
)
from .serializers import (
    ClaimInputSerializer,
    ClaimLinkSerializer,
    ClaimVersionSerializer,
    ConflictSerializer,
    EvidenceSerializer,
    MetricSerializer,
    RecheckConfirmedSerializer,
    RecheckConfirmSerializer,
)
from .versioned import VersionedReadMixin


@extend_schema_view(
    list=extend_schema(
        summary="List claims",
        description="Cursor-paginated. Each claim carries its conflicts in short "
        f"(the first {CONFLICT_REFERENCES}: the other claim's id, figure and period) "
        "and `conflict_count`, how many there are; the detail describes them all, "
        "as `?expand=conflicts` does here. `?format=csv` (or `Accept: text/csv`) "
        "streams every matching claim as CSV with the same filters, without "
        "pagination.",
        parameters=[
            OpenApiParameter(
                "expand",
                OpenApiTypes.STR,
                enum=["conflicts"],
                description="`conflicts`: describe every conflict of each claim in "
                "full (also its document, the reason and whether detection found "
                "it), as the detail does, instead of the first "
                f"{CONFLICT_REFERENCES} in short.",
            )
        ],
        responses={200: ClaimListItemSerializer(many=True)},
    ),
    create=extend_schema(
        description="Store a claim. The answer is the claim, plus "
        f"`possible_duplicates`: at most {POSSIBLE_DUPLICATES} stored claims that "
        "match it as `same` (as POST /api/v1/claims/match/ answers them), so a "
        "client can link the new claim or delete it; the claim is stored either "
        "way. `warnings` names fields whose value looks like a slip (a value "
        "orders of magnitude away from the amount the text states: 5.3 for "
        '"$5.3 billion"); a warning never refuses the claim.',
        request=ClaimInputSerializer,
        responses={201: ClaimCreatedSerializer},
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
            ),
            OpenApiExample(
                "Stored, with a likely duplicate and a warning",
                response_only=True,
                status_codes=["201"],
                summary="possible_duplicates and warnings (other fields cut)",
                value={
                    "id": 61,
                    "text": "Iran-Russia trade stood close to $5.3 billion in the "
                    "Iranian year 1391.",
                    "figure": {"value": "5.3", "unit": "USD"},
                    "possible_duplicates": [
                        {
                            "kind": "claim",
                            "claim": {
                                "id": 53,
                                "text": "Trade between Iran and Russia was close "
                                "to $5.3 billion last year.",
                                "figure": "$5.3 billion (approx.)",
                                "period": {
                                    "start": "2012-03-20",
                                    "end": "2013-03-20",
                                    "label": "last year",
                                },
                                "status": "disputed",
                                "document": {
                                    "id": 2,
                                    "title": "Iran, Russia trade volume",
                                    "url": "https://avim.org.tr/",
                                },
                                "url": "http://localhost:8000/claims/53/",
                            },
                            "score": 0.93,
                            "relation": "same",
                            "reasons": ["same figure", "same period"],
                        }
                    ],
                    "warnings": [
                        {
                            "field": "value",
                            "message": "Value 5.3 is about 10^9 times smaller than "
                            "“close to $5.3 billion” in the claim's words (5.3 "
                            "billion USD). Is a scale word missing (thousand, "
                            "million, billion)? Type the amount as written to read "
                            "it in full.",
                        }
                    ],
                },
            ),
        ],
    ),
    update=extend_schema(
        request=ClaimInputSerializer, responses={200: ClaimSerializer}
    ),
    partial_update=extend_schema(
        request=ClaimInputSerializer, responses={200: ClaimSerializer}
    ),
)
class ClaimViewSet(VersionedReadMixin, RecordViewSet):
    queryset = Claim.objects.with_relations()
    serializer_class = ClaimSerializer
    filter_backends = [FilterBackend, ClaimOrderingFilter]
    filterset_class = ClaimFilter
    ordering_fields = ["claimed_on", "period_start", "updated_at", "value", "id"]
    pagination_class = ClaimCursorPagination
    query_parameters = ("expand",)
    versioned_actions = ("list", "retrieve", "claimreview")

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

    def audience(self, request) -> str:
        # Staff read the working notes; the body, ETag and key differ by audience.
        # A ClaimReview has none: one body for everyone.
        if self.action == "claimreview":
            return PUBLIC
        return audience_of(request.user)

    def staff(self) -> bool:
        """Return whether this request's claims are written with the staff fields."""
        return self.audience(self.request) == STAFF

    def retrieve(self, request, *args, **kwargs):
        claim_id = _claim_id(self.kwargs["pk"])
        if not self.versioned(request):
            return Response(self.detail_data(claim_id))
        # The ETag is the claim's version and its resource's, read in one query
        # before any row: a 304 costs that query.
        stamp = claim_stamp(claim_id)
        if stamp is None:
            raise NotFound()
        return self.versioned_response(
            request,
            lambda: self.detail_data(claim_id),
            versions=stamp[1],
            etag=self.claim_etag(request, claim_id, stamp),
        )

    def claim_etag(
        self, request, claim_id: int, stamp: tuple[int, dict[str, int]]
    ) -> str:
        """Return the detail's ETag: "id.claim version.resource versions.hash"."""
        claim_version, versions = stamp
        return self.request_etag(
            request, versions, prefix=f"{claim_id}.{claim_version}."
        )

    def detail_data(self, claim_id: int) -> dict:
        row, conflicts = self.get_row(claim_id)
        context = {"conflicts": conflicts, "staff": self.staff()}
        return ClaimRowSerializer(row, context=context).data

    def read(self, instance) -> tuple[dict, str]:
        data = self.detail_data(instance.pk)
        stamp = claim_stamp(instance.pk)
        if stamp is None:
            raise NotFound()
        return data, self.claim_etag(self.request, instance.pk, stamp)

    def check_if_match(self, instance):
        # If-Match guards the claim's own fields: it holds while the claim's version
        # is the one the client read (the ETag's second part), whatever else changed.
        # The service checks it (claim_update, claim_delete) under the row lock.
        self.expected_version = _if_match_version(
            self.request.headers.get("If-Match"), instance
        )

    def get_row(self, pk) -> tuple[dict, dict[int, list[dict]]]:
        """Return the claim as a plain row, with its conflicts; or 404."""
        row = claim_rows(self.get_queryset().filter(pk=pk)).first()
        if row is None:
            raise NotFound()
        return row, conflicts_of([row["id"]])

    def perform_destroy(self, instance):
        with _stale_is_412():
            claim_delete(
                claim=instance,
                by=self.request.user,
                expected_version=getattr(self, "expected_version", None),
            )

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            queryset = self.filter_queryset(self.get_queryset()).order_by("id")
            streaming = StreamingHttpResponse(
                stream_claims_csv(queryset, staff=self.staff()),
                content_type="text/csv; charset=utf-8",
            )
            streaming["Content-Disposition"] = 'attachment; filename="claims.csv"'
            return streaming
        response: HttpResponseBase
        if not self.versioned(request):
            response = Response(self.list_data(request))
        else:
            response = self.versioned_response(request, lambda: self.list_data(request))
        window = self.ranked_within(request)
        if window is not None:
            response["Search-Ranked-Within"] = str(window)
        return response

    def ranked_within(self, request) -> int | None:
        """The window a search ordered by relevance was ranked within, if bounded.

        From the request (and the kept estimate), so a cached body gets it too.
        """
        return ClaimOrderingFilter().ranked_within(request, self.get_queryset(), self)

    def list_data(self, request):
        # A page is one query of plain rows plus one for all their conflicts: in
        # short and counted, or described in full under ?expand=conflicts.
        expand = _expand(request)
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginate_queryset(claim_rows(queryset)) or []
        ids = [row["id"] for row in rows]
        context: dict[str, object] = {"staff": self.staff()}
        if "conflicts" in expand:
            context["conflicts"] = conflicts_of(ids)
        else:
            references, counts = conflict_references(ids, CONFLICT_REFERENCES)
            context.update(conflicts=references, conflict_counts=counts)
        return self.get_paginated_response(
            ClaimRowSerializer(rows, many=True, context=context).data
        ).data

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        claim = Claim.objects.select_related("metric", "speaker", "document").get(
            pk=response.data["id"]
        )
        # Bounded: similar_claims reads a fixed number of candidates at any size.
        matches = similar_claims(claim=claim, limit=POSSIBLE_DUPLICATES)
        response.data["possible_duplicates"] = [
            match_representation(match, request)
            for match in matches
            if match.relation == "same"
        ]
        slip = magnitude_warning(
            value=claim.value, unit=claim.unit, texts=[claim.text, claim.quote]
        )
        response.data["warnings"] = (
            [{"field": "value", "message": slip}] if slip else []
        )
        return response

    def save_record(self, instance, validated_data):
        values = dict(validated_data)
        change_reason = values.pop("change_reason", "")
        amount_text = values.pop("amount_text", "")
        with _stale_is_412():
            return claim_update(
                claim=instance,
                values=values,
                amount_text=amount_text,
                by=self.request.user,
                expected_version=getattr(self, "expected_version", None),
                change_reason=change_reason,
            )

    @extend_schema(
        summary="The claim's versions, newest first, with what changed in each",
        description="Changes to the editors' working notes (`editor_note`) are "
        "listed only to signed-in users who may edit claims or read them in the "
        "admin; for everyone else they are left out, and so is a version that "
        "changed nothing else.",
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
        versions = claim_versions(claim_id=claim.pk, staff=self.staff())
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
        if not self.versioned(request):
            return Response(self.claimreview_data(pk))
        stamp = claim_stamp(_claim_id(pk))
        if stamp is None:
            raise NotFound()
        return self.versioned_response(
            request, lambda: self.claimreview_data(pk), versions=stamp[1]
        )

    def claimreview_data(self, pk) -> dict:
        claim = get_object_or_404(reviewable_claims(), pk=pk)
        if not claim.is_reviewed:
            raise Http404(
                f"Claim {claim.pk} has no review to publish: its status is "
                f"'{claim.status}', not a verdict."
            )
        return claim_review(claim)

    @extend_schema(
        summary="Confirm a verdict flagged for re-check (reviewers)",
        description="The verdict stands; the note (public) says what was re-checked "
        "and is the reason of the event claim.verdict.confirmed. To change the "
        "verdict instead, PATCH its rationale or reopen the claim.",
        request=RecheckConfirmSerializer,
        responses={
            200: RecheckConfirmedSerializer,
            400: OpenApiResponse(
                description="No note, or the claim is not flagged for re-check."
            ),
            403: OpenApiResponse(description="Only a reviewer may confirm."),
        },
        examples=[
            OpenApiExample(
                "A confirmation",
                value={"note": "The new official figure is within the tolerance."},
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="confirm",
        pagination_class=None,
        filter_backends=[],
        permission_classes=[IsAuthenticatedOrReadOnly],
    )
    def confirm(self, request, pk=None):
        serializer = RecheckConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = get_object_or_404(Claim.objects.all(), pk=_claim_id(pk))
        recheck_confirm(
            claim=claim, by=request.user, note=serializer.validated_data["note"]
        )
        return Response({"claim": claim.pk, "confirmed": True})


class ClaimReviewFeedView(VersionedReadMixin, generics.ListAPIView):
    """Every reviewed claim as ClaimReview JSON-LD, newest review first."""

    pagination_class = ClaimCursorPagination
    queryset = Claim.objects.none()
    versioned_actions = ("get",)

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
        if not self.versioned(request):
            return Response(self.feed_data())
        return self.versioned_response(request, self.feed_data)

    def feed_data(self):
        page = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response([claim_review(c) for c in page]).data


class FigureCursorPagination(ClaimCursorPagination):
    page_size = 200
    max_page_size = 1000
    ordering = ("sort_period_start", "id")


class MetricViewSet(VersionedReadMixin, RecordViewSet):
    queryset = Metric.objects.order_by("id")
    serializer_class = MetricSerializer
    lookup_field = "slug"
    versioned_actions = ("figures",)

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
        if not self.versioned(request):
            return Response(self.figures_data(request))
        # The metric's id and version in one query: the rows are read by that id.
        stamp = metric_stamp(str(slug))
        if stamp is None:
            raise NotFound()
        metric_id, versions = stamp
        return self.versioned_response(
            request, lambda: self.figures_data(request, metric_id), versions=versions
        )

    def figures_data(self, request, metric_id: int | None = None):
        metric = self.get_object() if metric_id is None else metric_id
        claims = (
            Claim.objects.about_metric(metric)
            .with_figure()
            .with_relations()
            .annotate(sort_period_start=CLAIM_SORT_KEYS["period_start"])
        )
        rows = self.paginate_queryset(claim_rows(claims)) or []
        references, counts = conflict_references(
            [row["id"] for row in rows], CONFLICT_REFERENCES
        )
        context = {"conflicts": references, "conflict_counts": counts}
        return self.get_paginated_response(
            MetricFigureRowSerializer(rows, many=True, context=context).data
        ).data


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

    def save_record(self, instance, validated_data):
        return evidence_save(evidence=instance, values=dict(validated_data))

    def perform_destroy(self, instance):
        evidence_delete(evidence=instance)


class ClaimLinkViewSet(RecordViewSet):
    queryset = ClaimLink.objects.order_by("id")
    serializer_class = ClaimLinkSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ClaimLinkFilter

    def save_record(self, instance, validated_data):
        values = dict(validated_data)
        reason = values.pop("change_reason", "")
        for name, value in values.items():
            setattr(instance, name, value)
        return claim_link_save(link=instance, by=self.request.user, reason=reason)

    def perform_destroy(self, instance):
        claim_link_delete(link=instance, by=self.request.user)


def _claim_id(raw) -> int:
    """Return the claim id of a URL, or 404 ("abc", or past a bigint)."""
    text = str(raw)
    if not (text.isascii() and text.isdigit()) or int(text) >= 2**63:
        raise NotFound()
    return int(text)


EXPANSIONS = {"conflicts"}


def _expand(request) -> set[str]:
    """Return what ?expand= asks for (comma separated or repeated); 400 if unknown."""
    asked = {
        name.strip()
        for value in request.query_params.getlist("expand")
        for name in value.split(",")
        if name.strip()
    }
    if unknown := asked - EXPANSIONS:
        raise ValidationError(
            {
                "expand": [
                    f"Unknown expansion {', '.join(sorted(unknown))!r}; use "
                    f"{', '.join(sorted(EXPANSIONS))}."
                ]
            }
        )
    return asked


def _if_match_version(header: str | None, claim: Claim) -> int | None:
    """Return the claim version an If-Match names (None: no header, or "*").

    The claim's ETags are "id.claim version.representation version.digest"; a tag
    of another claim names no version of this one (0, which none is). Tags listed
    as alternatives are versions the client accepts: the stored one if among them.
    """
    if header is None:
        return None
    tags = request_etags(header)
    if "*" in tags:
        return None
    versions = set()
    for tag in tags:
        claim_id, _, rest = tag.strip('"').partition(".")
        version = rest.partition(".")[0]
        if claim_id == str(claim.pk) and version.isascii() and version.isdigit():
            versions.add(int(version))
    if claim.version in versions:
        return claim.version
    return min(versions, default=0)


@contextmanager
def _stale_is_412() -> Iterator[None]:
    """Answer the service's refusal of a stale version as HTTP does: 412."""
    try:
        yield
    except DjangoValidationError as refusal:
        errors = getattr(refusal, "error_dict", {}).get("version", [])
        if any(error.code == "stale_version" for error in errors):
            raise PreconditionFailed() from refusal
        raise
