"""Reads of external reviews used by more than one caller."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import ExternalReview


def review_list() -> QuerySet[ExternalReview]:
    """Return the reviews with their publisher, newest import first."""
    return (
        ExternalReview.objects.select_related("publisher")
        .defer("original")
        .order_by("-id")
    )


def unmapped_ratings(limit: int = 200) -> list[dict[str, object]]:
    """Return the ratings the crosswalk lacks, by publisher, most reviews first."""
    rows = (
        ExternalReview.objects.unmapped()
        .values("publisher_id", "publisher__name", "textual_rating")
        .annotate(reviews=Count("id"))
        .order_by("-reviews", "textual_rating", "publisher_id")[:limit]
    )
    return [
        {
            "publisher": row["publisher_id"],
            "publisher_name": row["publisher__name"],
            "rating": row["textual_rating"],
            "reviews": row["reviews"],
        }
        for row in rows
    ]
