"""GET /api/v1/claimreview/datafeed.json: our reviews as a Data Commons DataFeed.

The shape aggregators read (schema.org DataFeed of DataFeedItems, each holding one
ClaimReview), in pages of at most PAGE_SIZE ordered by when the verdict was last
set, so a reader follows `next` (also a Link header) from where it stopped, or
asks for a window with `modified_since` / `modified_before`.
"""

from django.conf import settings
from django.db.models.functions import Coalesce
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from claims.claimreview import claim_review
from claims.models import Claim
from claims.selectors.claims import reviewable_claims
from factcheck.api.pagination import ClaimCursorPagination


class DataFeedPagination(ClaimCursorPagination):
    page_size = 100
    max_page_size = 500
    # When the verdict was last set, oldest first: a reader resumes where it was.
    ordering = ("modified", "id")


WINDOW_PARAMETERS = {"modified_since": "gte", "modified_before": "lt"}


@extend_schema(
    summary="Our ClaimReviews as a Data Commons-shaped DataFeed",
    description="A schema.org DataFeed: `dataFeedElement[]` of DataFeedItems "
    "(`dateCreated`: first verdict, `dateModified`: last verdict), each with "
    "`item[]` holding the ClaimReview. Ordered by dateModified, oldest first, at "
    "most `page_size` (100, up to 500) a page; `next` (and a Link header) "
    "continues. `modified_since` / `modified_before` (ISO 8601) give a window.",
    parameters=[
        OpenApiParameter(name, OpenApiTypes.DATETIME, description=f"dateModified {op}")
        for name, op in WINDOW_PARAMETERS.items()
    ],
    responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="A DataFeed")},
)
class ClaimReviewDataFeedView(generics.ListAPIView):
    pagination_class = DataFeedPagination
    permission_classes = [AllowAny]
    queryset = Claim.objects.none()

    def get_queryset(self):
        # What claim_review publishes as dateModified: the verdict's last change.
        claims = (
            reviewable_claims()
            .reviewed()
            .annotate(modified=Coalesce("reviewed_at", "updated_at"))
        )
        for name, lookup in WINDOW_PARAMETERS.items():
            text = self.request.query_params.get(name)
            if not text:
                continue
            moment = _moment(text)
            if moment is None:
                raise ValidationError({name: ["Give an ISO 8601 date or date-time."]})
            claims = claims.filter(**{f"modified__{lookup}": moment})
        return claims

    def list(self, request, *args, **kwargs):
        paginator = DataFeedPagination()
        page = (
            paginator.paginate_queryset(self.get_queryset(), request, view=self) or []
        )
        elements = [
            {
                "@type": "DataFeedItem",
                "dateCreated": timezone.localtime(
                    claim.first_reviewed_at or claim.modified
                ).isoformat(timespec="seconds"),
                "dateModified": timezone.localtime(claim.modified).isoformat(
                    timespec="seconds"
                ),
                "item": [claim_review(claim)],
            }
            for claim in page
        ]
        feed = {
            "@context": "https://schema.org",
            "@type": "DataFeed",
            "name": f"{settings.FACTCHECK_ORGANIZATION_NAME} ClaimReview feed",
            "url": request.build_absolute_uri(request.path),
            "dateModified": elements[-1]["dateModified"] if elements else None,
            "dataFeedElement": elements,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
        }
        response = Response(feed)
        if feed["next"]:
            response["Link"] = f'<{feed["next"]}>; rel="next"'
        return response


def _moment(text: str):
    """Return the moment `text` names, or None if unreadable or outside the years
    1000-2999 (the API's date bounds: beyond them a zone shift overflows)."""
    from .parsing.records import RecordError, read_datetime

    try:
        moment = read_datetime(text)
    except RecordError:
        return None
    if moment is None or not 1000 <= moment.year <= 2999:
        return None
    return moment
