"""Reads of official series used more than once: current values, comparisons."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Subquery

from claims.models import Claim

from .models import Comparison, Observation, Series
from .records.periods import Point

Slot = tuple[int, date, date]


@dataclass
class CurrentValues:
    """The value of each period of some series: the latest vintage's, and its past."""

    points: dict[int, list[Point]] = field(default_factory=dict)
    # (series, start, end) -> [(vintage number, value)], oldest first, when revised
    revisions: dict[Slot, list[tuple[int, Decimal | None]]] = field(
        default_factory=dict
    )
    vintage_ids: dict[Slot, int] = field(default_factory=dict)


def current_values(series_ids: Iterable[int]) -> CurrentValues:
    """Return each period's value from the latest vintage that has it (one query)."""
    ids = sorted(set(series_ids))
    current = CurrentValues()
    if not ids:
        return current
    rows = (
        Observation.objects.filter(series_id__in=ids)
        .order_by("series_id", "period_start", "period_end", "vintage__number")
        .values_list(
            "series_id",
            "period_start",
            "period_end",
            "value",
            "estimated",
            "preliminary",
            "not_reported",
            "vintage__number",
            "vintage_id",
        )
    )
    history: dict[Slot, list[tuple[int, Decimal | None]]] = {}
    latest: dict[Slot, Point] = {}
    for sid, start, end, value, estimated, preliminary, absent, number, vid in rows:
        slot = (sid, start, end)
        history.setdefault(slot, []).append((number, value))
        latest[slot] = Point(
            start, end, value, estimated, preliminary, absent, vintage=number
        )
        current.vintage_ids[slot] = vid
    for slot, point in latest.items():
        current.points.setdefault(slot[0], []).append(point)
        values = {value for _, value in history[slot]}
        if len(values) > 1:
            current.revisions[slot] = history[slot]
    return current


def series_list() -> QuerySet[Series]:
    """Return the series with their dataset, for lists."""
    return Series.objects.select_related("dataset")


def claim_comparisons(claim_id: int) -> QuerySet[Comparison]:
    """Return a claim's comparisons on its current metric, in one query."""
    metric = Claim.objects.filter(pk=claim_id).values("metric_id")[:1]
    return (
        Comparison.objects.filter(claim_id=claim_id, link__metric_id=Subquery(metric))
        .select_related("link__dataset", "vintage")
        .order_by("link__dataset__code", "link__role", "reporter", "id")
    )
