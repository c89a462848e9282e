"""The verification scale and how each status reads in other systems.

This is the one place that maps our statuses to ClaimReview ratings and ClaimsKG labels.
"""

from dataclasses import dataclass

from django.db import models


class Status(models.TextChoices):
    UNVERIFIED = "unverified", "Unverified"
    IN_REVIEW = "in_review", "In review"
    VERIFIED = "verified", "Verified"
    MISLEADING = "misleading", "Misleading"
    FALSE = "false", "False"
    DISPUTED = "disputed", "Disputed"
    UNVERIFIABLE = "unverifiable", "Unverifiable"


@dataclass(frozen=True)
class Rating:
    """How a status is published: ClaimReview ratingValue (1-5 or None) and labels."""

    rating_value: int | None
    alternate_name: str
    claimskg_label: str


BEST_RATING = 5
WORST_RATING = 1

RATINGS: dict[str, Rating] = {
    Status.UNVERIFIED: Rating(None, "Unverified", "OTHER"),
    Status.IN_REVIEW: Rating(None, "In review", "OTHER"),
    Status.VERIFIED: Rating(5, "Verified", "TRUE"),
    Status.MISLEADING: Rating(2, "Misleading", "MIXTURE"),
    Status.FALSE: Rating(1, "False", "FALSE"),
    # Sources conflict and no verdict was reached: no point on a true-false scale fits.
    Status.DISPUTED: Rating(None, "Disputed", "OTHER"),
    Status.UNVERIFIABLE: Rating(None, "Unverifiable", "OTHER"),
}

# Statuses that carry a reviewer's verdict, i.e. that can be published as ClaimReview.
VERDICTS = frozenset(
    {
        Status.VERIFIED,
        Status.MISLEADING,
        Status.FALSE,
        Status.DISPUTED,
        Status.UNVERIFIABLE,
    }
)


def rating_for(status: str) -> Rating:
    """Return the published rating of a status."""
    return RATINGS[Status(status)]
