"""The official-statistics API: series and observations, loads, links, comparisons."""

from django.db import transaction
from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.models import Claim, Metric
from factcheck.api.fields import SlugKeyField, StoredJSONField
from factcheck.api.parsers import LimitedMultiPartParser
from factcheck.api.permissions import PostOnly
from factcheck.api.serializers import StrictFieldsMixin
from factcheck.api.viewsets import RecordViewSet
from factcheck.jobs import start_job
from factcheck.jobs.api import ACCEPTED_RESPONSE, LOCATION_HEADER, accepted
from factcheck.services import acting_user

from .models import (
    Comparison,
    Dataset,
    MetricSeriesLink,
    Observation,
    Series,
    SeriesImport,
)
from .records.formats import FORMATS, TIDY_OPTIONS
from .selectors import claim_comparisons, series_list
from .services.comparisons import comparison_to_evidence
from .services.links import link_save
from .services.loading import LOAD_UPLOAD_TASK


class ObservationSerializer(serializers.ModelSerializer):
    vintage = serializers.IntegerField(source="vintage.number", read_only=True)

    class Meta:
        model = Observation
        fields = [
            "period_start",
            "period_end",
            "value",
            "estimated",
            "preliminary",
            "not_reported",
            "vintage",
        ]


class SeriesSerializer(serializers.ModelSerializer):
    dataset: serializers.SlugRelatedField[Dataset] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    observations = ObservationSerializer(
        many=True,
        read_only=True,
        help_text="Every vintage's observations, oldest vintage last per period; "
        "the current value of a period is its highest vintage's.",
    )

    class Meta:
        model = Series
        fields = [
            "id",
            "dataset",
            "indicator",
            "reporter",
            "partner",
            "frequency",
            "flow",
            "unit",
            "valuation",
            "name",
            "coverage_notes",
            "observations",
        ]


class SeriesFilter(filters.FilterSet):
    reporter = filters.CharFilter(field_name="reporter", lookup_expr="iexact")
    partner = filters.CharFilter(field_name="partner", lookup_expr="iexact")
    indicator = filters.CharFilter(field_name="indicator", lookup_expr="exact")
    dataset = filters.CharFilter(field_name="dataset__code", lookup_expr="exact")
    frequency = filters.ChoiceFilter(
        field_name="frequency", lookup_expr="exact", choices=Series.Frequency.choices
    )
    period_start = filters.DateFilter(
        method="no_filter",
        help_text="Observations ending on or after this day.",
    )
    period_end = filters.DateFilter(
        method="no_filter",
        help_text="Observations starting on or before this day.",
    )

    class Meta:
        model = Series
        fields = ["reporter", "partner", "indicator", "dataset", "frequency"]

    def no_filter(self, queryset, name, value):
        # Applied to the observations (SeriesViewSet.get_queryset), not the series.
        return queryset


class SeriesViewSet(viewsets.ReadOnlyModelViewSet):
    """Official series with their observations (every vintage), filtered."""

    serializer_class = SeriesSerializer
    filterset_class = SeriesFilter

    def get_queryset(self):
        observations = Observation.objects.select_related("vintage").order_by(
            "period_start", "period_end", "-vintage__number"
        )
        params = self.request.query_params
        form = SeriesFilter(params, queryset=Series.objects.none()).form
        if form.is_valid():
            if form.cleaned_data.get("period_start"):
                observations = observations.filter(
                    period_end__gte=form.cleaned_data["period_start"]
                )
            if form.cleaned_data.get("period_end"):
                observations = observations.filter(
                    period_start__lte=form.cleaned_data["period_end"]
                )
        return series_list().prefetch_related(
            Prefetch("observations", queryset=observations)
        )

    @extend_schema(summary="Official series, with observations; filter by key/period")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class SeriesImportSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(help_text="The file as the source publishes it.")
    format = serializers.ChoiceField(choices=sorted(FORMATS))
    dataset = serializers.CharField(required=False, help_text="csv format only.")
    indicator = serializers.CharField(required=False, help_text="csv format only.")
    reporter = serializers.CharField(required=False, help_text="csv format only.")
    partner = serializers.CharField(required=False, help_text="csv format only.")
    unit = serializers.CharField(required=False, help_text="csv format only.")
    flow = serializers.ChoiceField(
        choices=Series.Flow.choices, required=False, help_text="csv format only."
    )
    valuation = serializers.ChoiceField(
        choices=Series.Valuation.choices, required=False, help_text="csv format only."
    )

    def validate(self, attrs):
        content = attrs["file"].read()
        if not content.strip():
            raise ValidationError({"file": ["The file is empty."]})
        attrs["content"] = content
        if attrs["format"] == "csv":
            for name in ("dataset", "indicator", "reporter", "unit"):
                if not attrs.get(name):
                    raise ValidationError({name: ["Required for the csv format."]})
        return attrs


class CanLoadSeries(PostOnly):
    """Who may add observations may load a file of them (a GET is answered 405)."""

    permission = "series.add_observation"


@extend_schema(
    summary="Load a file of official observations in the background",
    description="Multipart: `file` and `format` (comtrade-json, imf-sdmx-csv, "
    "worldbank-json, worldbank-csv, csv; for csv also dataset, indicator, "
    "reporter, unit and optionally partner, flow, valuation). Answered 202 with "
    "the Job. The whole file is one vintage per series it changes, or nothing: a "
    "bad record fails the job, its error naming the line or record and the field. "
    "A file already loaded stores nothing new; the job's result says so "
    "(`nothing_new`).",
    request={"multipart/form-data": SeriesImportSerializer},
    parameters=[LOCATION_HEADER],
    responses={
        202: ACCEPTED_RESPONSE,
        400: OpenApiResponse(description="No file, or an unknown format."),
        413: OpenApiResponse(
            description="The file is larger than INGEST_MAX_BYTES (5 MB by "
            "default); the answer names the limit and `manage.py load_series`, "
            "which loads files of any size from disk."
        ),
    },
)
class SeriesImportView(APIView):
    permission_classes = [CanLoadSeries]
    # A file upload: multipart (the API's default is JSON only).
    parser_classes = [LimitedMultiPartParser]
    # An upload is kept whole in the database until its job reads it; a year of
    # bilateral totals (hundreds of MB) is for the command.
    too_large_hint = (
        "Load larger files with `manage.py load_series FILE --format FORMAT`, "
        "which streams them from disk."
    )
    queryset = Observation.objects.none()

    def post(self, request: Request) -> Response:
        upload = SeriesImportSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        options = {
            name: data[name]
            for name in (*TIDY_OPTIONS, "flow", "valuation")
            if data.get(name)
        }
        with transaction.atomic():
            stored = SeriesImport.objects.create(
                format=data["format"],
                file_name=(data["file"].name or "")[:255],
                content=data["content"],
                options=options,
                created_by=acting_user(request.user),
            )
            job = start_job(LOAD_UPLOAD_TASK, by=request.user, import_id=stored.pk)
        return accepted(job, request)


class MetricSeriesLinkSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    metric: SlugKeyField = SlugKeyField(
        slug_field="slug", queryset=Metric.objects.all()
    )
    dataset: SlugKeyField = SlugKeyField(
        slug_field="code", queryset=Dataset.objects.all()
    )
    terms = StoredJSONField(
        help_text='Series keys summed, all of the reporter: [{"indicator": "X", '
        '"partner": "IRN"}, {"indicator": "M", "partner": "IRN"}].'
    )

    class Meta:
        model = MetricSeriesLink
        fields = [
            "id",
            "metric",
            "dataset",
            "reporter",
            "role",
            "measure",
            "terms",
            "label",
            "note",
        ]


class MetricSeriesLinkViewSet(RecordViewSet):
    """How metrics are measured by official series; editors add and change them."""

    queryset = MetricSeriesLink.objects.select_related("metric", "dataset").order_by(
        "id"
    )
    serializer_class = MetricSeriesLinkSerializer

    def save_record(self, instance, validated_data):
        return link_save(link=instance, values=dict(validated_data))


class ComparisonSerializer(serializers.ModelSerializer):
    series = serializers.CharField(source="series_keys")
    dataset = serializers.CharField(source="link.dataset.code")
    role = serializers.CharField(source="link.role")
    vintage = serializers.SerializerMethodField()

    class Meta:
        model = Comparison
        fields = [
            "id",
            "series",
            "dataset",
            "role",
            "reporter",
            "partner",
            "period_start",
            "period_end",
            "official_value",
            "stated_value",
            "ratio",
            "assessment",
            "notes",
            "vintage",
            "computed_at",
        ]

    def get_vintage(self, comparison: Comparison) -> dict | None:
        vintage = comparison.vintage
        if vintage is None:
            return None
        return {
            "id": vintage.pk,
            "number": vintage.number,
            "loaded_at": vintage.loaded_at,
            "checksum": vintage.checksum,
        }


@extend_schema(
    summary="What the official record says about a claim's figure",
    description="One comparison per linked official series line (each reporter, "
    "and the mirror), computed by a job when the claim or a series changes: the "
    "official value for the claim's period, the ratio stated/official, an "
    "assessment (consistent, higher, lower, not_comparable) and notes. Evidence "
    "for a reviewer, not a verdict. Empty when no series is linked to the metric.",
)
class ClaimOfficialView(generics.ListAPIView):
    serializer_class = ComparisonSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return claim_comparisons(self.kwargs["pk"])

    def list(self, request, *args, **kwargs):
        comparisons = list(self.get_queryset())
        if not comparisons and not Claim.objects.filter(pk=self.kwargs["pk"]).exists():
            raise NotFound("No such claim.")
        return Response(self.get_serializer(comparisons, many=True).data)


class CanAddEvidence(PostOnly):
    """Who may add evidence may record a comparison as evidence (a GET is a 405)."""

    permission = "claims.add_evidence"


@extend_schema(
    summary="Record a comparison as evidence on its claim",
    request=None,
    responses={201: OpenApiResponse(description="The evidence record's id.")},
)
class ComparisonEvidenceView(APIView):
    permission_classes = [CanAddEvidence]
    queryset = Comparison.objects.none()

    def post(self, request: Request, pk: int) -> Response:
        comparison = get_object_or_404(
            Comparison.objects.select_related("link__dataset", "vintage"), pk=pk
        )
        evidence = comparison_to_evidence(comparison=comparison, by=request.user)
        return Response(
            {
                "evidence": evidence.pk,
                "claim": evidence.claim_id,
                "note": evidence.note,
            },
            status=201,
        )
