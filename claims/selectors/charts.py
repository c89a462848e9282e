"""The rows a metric's chart is drawn from (claims.charts; drawn by claims.drawing)."""

from typing import Any

from django.db.models import Count, Max, Min
from django.db.models.functions import Coalesce, ExtractYear

from ..models import Claim, ClaimLink, Metric


def chart_claim_count(metric: Metric) -> int:
    """Return how many claims are about `metric` (drawn one by one, or binned)."""
    return Claim.objects.filter(metric=metric).count()


def chart_claims(metric: Metric) -> list[Claim]:
    """Return the claims about `metric` with their documents, in id order."""
    return list(
        Claim.objects.filter(metric=metric).select_related("document").order_by("id")
    )


def conflict_pairs(claim_ids: list[int]) -> list[tuple[int, int]]:
    """Return the (from, to) claim ids of the contradicts links among `claim_ids`."""
    pairs = ClaimLink.objects.filter(
        relation=ClaimLink.Relation.CONTRADICTS,
        from_claim_id__in=claim_ids,
        to_claim_id__in=claim_ids,
    ).values_list("from_claim_id", "to_claim_id")
    return list(pairs)


def figures_by_year(metric: Metric) -> tuple[list[dict[str, Any]], int, int]:
    """Return the metric's figures by year (low, high, count), the undrawn count and
    the conflicts, counted in the database."""
    drawable = Claim.objects.filter(metric=metric, value__isnull=False).exclude(
        period_start__isnull=True, period_end__isnull=True
    )
    years = list(
        drawable.annotate(year=ExtractYear(Coalesce("period_start", "period_end")))
        .values("year")
        .annotate(low=Min("value"), high=Max("value"), count=Count("id"))
        .order_by("year")
    )
    drawn = sum(year["count"] for year in years)
    undrawn = Claim.objects.filter(metric=metric).count() - drawn
    conflicts = ClaimLink.objects.filter(
        relation=ClaimLink.Relation.CONTRADICTS, from_claim__metric=metric
    ).count()
    return years, undrawn, conflicts
