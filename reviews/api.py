"""The reviews API: list and detail, imports (202 with a job), the validator."""

import json

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck.api.filters import FilterBackend, IdFilter, validate_search_text
from factcheck.api.pagination import ClaimCursorPagination
from factcheck.api.parsers import LimitedJSONParser, LimitedMultiPartParser
from factcheck.api.permissions import PostOnly
from factcheck.api.serializers import StrictFieldsMixin
from factcheck.jobs.api import ACCEPTED_RESPONSE, LOCATION_HEADER, accepted

from .models import MAPPED_STATUSES, ExternalReview, ReviewPublisher
from .parsing.formats import FORMATS
from .parsing.validation import RULES
from .selectors import review_list, unmapped_ratings
from .services import review_import_start, upload_format
from .validation import ValidationInputError, validate_document


class ReviewPublisherSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReviewPublisher
        fields = ["id", "name", "site", "url"]


class ExternalReviewSerializer(serializers.ModelSerializer):
    publisher = ReviewPublisherSerializer(read_only=True)
    figure = serializers.CharField(source="figure_display", read_only=True)

    class Meta:
        model = ExternalReview
        fields = [
            "id",
            "kind",
            "claim_reviewed",
            "url",
            "publisher",
            "author_name",
            "date_published",
            "date_modified",
            "language",
            "textual_rating",
            "rating_value",
            "best_rating",
            "worst_rating",
            "status",
            "status_source",
            "claimant_name",
            "claimant_same_as",
            "claim_date",
            "appearances",
            "first_appearance",
            "media_category",
            "media_urls",
            "value",
            "value_upper",
            "unit",
            "comparator",
            "figure",
            "period_start",
            "period_end",
            "period_label",
            "feed",
            "imported_at",
            "problems",
        ]


class ExternalReviewDetailSerializer(ExternalReviewSerializer):
    class Meta(ExternalReviewSerializer.Meta):
        fields = [*ExternalReviewSerializer.Meta.fields, "original"]


class SearchTextFilter(django_filters.CharFilter):
    def filter(self, qs, value):
        if value:
            try:
                validate_search_text(value)
            except DjangoValidationError as error:
                raise ValidationError({"q": error.messages}) from error
        return super().filter(qs, value)


class ExternalReviewFilter(django_filters.FilterSet):
    publisher = IdFilter(field_name="publisher_id", lookup_expr="exact")
    site = django_filters.CharFilter(field_name="publisher__site", lookup_expr="iexact")
    language = django_filters.CharFilter(field_name="language", lookup_expr="iexact")
    rating = django_filters.CharFilter(
        field_name="textual_rating",
        lookup_expr="iexact",
        help_text="The rating as published (case-insensitive).",
    )
    status = django_filters.ChoiceFilter(
        field_name="status",
        lookup_expr="exact",
        choices=[("", "Unmapped"), *MAPPED_STATUSES],
        help_text="The rating on our scale; `status=` (empty) for unmapped.",
    )
    kind = django_filters.ChoiceFilter(
        field_name="kind", lookup_expr="exact", choices=ExternalReview.Kind.choices
    )
    published_after = django_filters.DateFilter(
        field_name="date_published", lookup_expr="gte"
    )
    published_before = django_filters.DateFilter(
        field_name="date_published", lookup_expr="lte"
    )
    q = SearchTextFilter(
        field_name="claim_reviewed",
        lookup_expr="icontains",
        help_text="Words of claimReviewed.",
    )

    class Meta:
        model = ExternalReview
        fields: list[str] = []


class ReviewCursorPagination(ClaimCursorPagination):
    # Newest import first; a cursor, so no page counts the whole table.
    ordering = "-id"


class ExternalReviewListView(generics.ListAPIView):
    """GET /api/v1/reviews/: published fact-checks we took in, newest first."""

    pagination_class = ReviewCursorPagination
    serializer_class = ExternalReviewSerializer
    filter_backends = [FilterBackend]
    filterset_class = ExternalReviewFilter
    permission_classes = [AllowAny]
    queryset = ExternalReview.objects.none()

    def get_queryset(self):
        return review_list()

    @extend_schema(summary="List external fact-checks (filter by publisher, ...)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ExternalReviewDetailView(generics.RetrieveAPIView):
    """GET /api/v1/reviews/{id}/: one external review, with its original JSON."""

    serializer_class = ExternalReviewDetailSerializer
    permission_classes = [AllowAny]
    queryset = ExternalReview.objects.select_related("publisher")


class UnmappedRatingSerializer(serializers.Serializer):
    publisher = serializers.IntegerField()
    publisher_name = serializers.CharField()
    rating = serializers.CharField()
    reviews = serializers.IntegerField()


class UnmappedRatingsView(APIView):
    """GET /api/v1/reviews/unmapped-ratings/: ratings the crosswalk lacks."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="Ratings the crosswalk does not map yet, for an editor",
        responses={200: UnmappedRatingSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(unmapped_ratings())


class CanImportReviews(PostOnly):
    permission = "reviews.add_externalreview"


class ReviewImportFileSerializer(StrictFieldsMixin, serializers.Serializer):
    file = serializers.FileField(help_text="A feed or page, in a format of `format`.")
    format = serializers.ChoiceField(
        choices=sorted(FORMATS),
        required=False,
        help_text="Default: told from the file's content.",
    )

    def validate(self, attrs):
        raw = attrs["file"].read()
        try:
            attrs["content"] = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(
                {"file": [f"Not UTF-8 text (byte {error.start})."]}
            ) from error
        if not attrs["content"].strip():
            raise ValidationError({"file": ["The file is empty."]})
        try:
            attrs["format"] = upload_format(
                content=raw,
                filename=attrs["file"].name or "",
                format=attrs.get("format", ""),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from error
        return attrs


@extend_schema(
    summary="Import published fact-checks in the background",
    description="Multipart, field `file`: a Google claims:search answer (or a list "
    "of its pages), a Data Commons DataFeed, Fact-Check Insights JSON or CSV, "
    "ClaimReview JSON-LD or a saved HTML page. Answered 202 with the Job; its "
    "result counts what was created, updated and unchanged and lists every "
    "rejected item (`position`, `reason`). A file of no known shape is a 400.",
    request={"multipart/form-data": ReviewImportFileSerializer},
    parameters=[LOCATION_HEADER],
    responses={
        202: ACCEPTED_RESPONSE,
        400: OpenApiResponse(description="No file, or not of a known shape."),
        413: OpenApiResponse(
            description="The file is larger than INGEST_MAX_BYTES (5 MB by "
            "default); the answer names the limit and `manage.py import_reviews`, "
            "which imports files of any size from disk."
        ),
    },
)
class ReviewImportView(APIView):
    permission_classes = [CanImportReviews]
    # A file upload: multipart (the API's default is JSON only).
    parser_classes = [LimitedMultiPartParser]
    # An upload is kept whole in the database until its job reads it; a whole feed
    # (Fact-Check Insights: about 240,000 reviews, some 150 MB) is for the command.
    too_large_hint = (
        "Import larger files with `manage.py import_reviews FILE`, which streams "
        "them from disk."
    )

    def post(self, request: Request) -> Response:
        upload = ReviewImportFileSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        job = review_import_start(
            by=request.user,
            format=upload.validated_data["format"],
            content=upload.validated_data["content"],
            filename=upload.validated_data["file"].name or "",
        )
        return accepted(job, request)


class ProblemSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=["error", "warning"])
    path = serializers.CharField()
    message = serializers.CharField()


class ValidationResultSerializer(serializers.Serializer):
    valid = serializers.BooleanField(help_text="No error (warnings allowed).")
    reviews = serializers.IntegerField(help_text="ClaimReviews found.")
    errors = serializers.IntegerField()  # type: ignore[assignment]
    warnings = serializers.IntegerField()
    problems = ProblemSerializer(many=True)


@extend_schema(
    summary="Check ClaimReview markup against Google's documented rules",
    description="Send ClaimReview JSON-LD (an object, a list or an @graph) as the "
    "JSON body, or an HTML page as `text/html` or a multipart `file`. Every "
    "problem names its rule, severity (error: a required rule; warning: a "
    "recommendation), where it is and what was found. Rules: "
    + "; ".join(
        f"`{name}` ({severity}): {asks}" for name, (severity, asks) in RULES.items()
    ),
    request={
        "application/json": OpenApiTypes.OBJECT,
        "multipart/form-data": ReviewImportFileSerializer,
    },
    responses={200: ValidationResultSerializer},
)
class ClaimReviewValidateView(APIView):
    permission_classes = [AllowAny]
    # The JSON-LD itself, or a saved page uploaded as a file.
    parser_classes = [LimitedJSONParser, LimitedMultiPartParser]

    def post(self, request: Request) -> Response:
        if request.content_type.startswith("multipart/"):
            upload = request.data.get("file")
            if upload is None:
                raise ValidationError({"file": ["Send the page or JSON-LD as `file`."]})
            content = upload.read()
        elif request.content_type.startswith("application/json"):
            content = json.dumps(request.data).encode()
        else:
            content = request.body
        try:
            result = validate_document(content)
        except ValidationInputError as error:
            raise ValidationError({"file": [str(error)]}) from error
        return Response(result)
