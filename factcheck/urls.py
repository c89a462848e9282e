from django.contrib import admin
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.cache import cache_control
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from claims.api.extraction import DetectConflictsView, DocumentExtractView
from claims.api.imports import ClaimImportView
from claims.api.matching import CandidateViewSet, ClaimMatchView, SimilarClaimsView
from claims.api.views import (
    ClaimLinkViewSet,
    ClaimReviewFeedView,
    ClaimViewSet,
    ConflictListView,
    EvidenceViewSet,
    MetricViewSet,
)
from claims.feeds import verdict_feed
from claims.pages import claim_page, home_page, metric_page, search_page
from events.api import EventFeedView
from factcheck.auth import TokenView
from factcheck.jobs.api import JobDetailView
from series.api import (
    ClaimOfficialView,
    ComparisonEvidenceView,
    MetricSeriesLinkViewSet,
    SeriesImportView,
    SeriesViewSet,
)
from sources.views import DocumentViewSet, PersonViewSet, PublisherViewSet
from webhooks.api import SubscriptionViewSet

router = DefaultRouter()
router.register("claims", ClaimViewSet, basename="claim")
router.register("documents", DocumentViewSet, basename="document")
router.register("publishers", PublisherViewSet, basename="publisher")
router.register("people", PersonViewSet, basename="person")
router.register("metrics", MetricViewSet, basename="metric")
router.register("evidence", EvidenceViewSet, basename="evidence")
router.register("links", ClaimLinkViewSet, basename="claimlink")
router.register("candidates", CandidateViewSet, basename="candidate")
router.register("series", SeriesViewSet, basename="series")
router.register("series-links", MetricSeriesLinkViewSet, basename="series-link")
router.register("webhooks", SubscriptionViewSet, basename="webhook")

api_v1: list[URLPattern | URLResolver] = [
    path(
        "documents/<int:pk>/extract/",
        DocumentExtractView.as_view(),
        name="document-extract",
    ),
    # Before the router's claims/<pk>/, which would take "match" for a pk.
    path("claims/match/", ClaimMatchView.as_view(), name="claim-match"),
    path(
        "claims/<int:pk>/similar/",
        SimilarClaimsView.as_view(),
        name="claim-similar",
    ),
    path(
        "claims/<int:pk>/official/",
        ClaimOfficialView.as_view(),
        name="claim-official",
    ),
    # Before the router's series/<pk>/.
    path("series/imports/", SeriesImportView.as_view(), name="series-import"),
    path(
        "comparisons/<int:pk>/evidence/",
        ComparisonEvidenceView.as_view(),
        name="comparison-evidence",
    ),
    path("claimreview/", ClaimReviewFeedView.as_view(), name="claimreview-feed"),
    path("conflicts/", ConflictListView.as_view(), name="conflict-list"),
    path(
        "conflicts/detect/",
        DetectConflictsView.as_view(),
        name="conflict-detect",
    ),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("jobs/<int:pk>/", JobDetailView.as_view(), name="job-detail"),
    path("imports/", ClaimImportView.as_view(), name="claim-import"),
    path("", include("reviews.urls")),
    path("events/", EventFeedView.as_view(), name="event-list"),
    path("", include(router.urls)),
]

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="3" fill="#1f4e79"/>'
    '<path d="M4 8.5l2.5 2.5L12 5" stroke="#fff" stroke-width="2" fill="none"/></svg>'
)


@cache_control(max_age=86400, public=True)
def favicon(request):
    return HttpResponse(FAVICON, content_type="image/svg+xml")


urlpatterns = [
    path("", home_page, name="home"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="swagger-ui",
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("search/", search_page, name="search-page"),
    path("claims/<int:pk>/", claim_page, name="claim-page"),
    path("metrics/<slug:slug>/", metric_page, name="metric-page"),
    path("feeds/verdicts.atom", verdict_feed, name="verdict-feed"),
]

handler404 = "factcheck.api.views.not_found"
