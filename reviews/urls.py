"""The reviews app's API routes, included under /api/v1/ by factcheck.urls."""

from django.urls import URLPattern, path

from .api import (
    ClaimReviewValidateView,
    ExternalReviewDetailView,
    ExternalReviewListView,
    ReviewImportView,
    UnmappedRatingsView,
)
from .feeds import ClaimReviewDataFeedView

urlpatterns: list[URLPattern] = [
    path(
        "claimreview/datafeed.json",
        ClaimReviewDataFeedView.as_view(),
        name="claimreview-datafeed",
    ),
    path("reviews/", ExternalReviewListView.as_view(), name="review-list"),
    path("reviews/<int:pk>/", ExternalReviewDetailView.as_view(), name="review-detail"),
    path("reviews/imports/", ReviewImportView.as_view(), name="review-import"),
    path(
        "reviews/validate/", ClaimReviewValidateView.as_view(), name="review-validate"
    ),
    path(
        "reviews/unmapped-ratings/",
        UnmappedRatingsView.as_view(),
        name="review-unmapped-ratings",
    ),
]
