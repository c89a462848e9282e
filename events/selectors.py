"""Reads of events used more than once: the feed's pages, a claim's verdict log."""

from collections.abc import Collection

from django.db.models import Max, QuerySet

from .models import Event


def latest_position() -> int:
    """Return the highest position given (0: none): the feed's version.

    Read before a page, it stands for every event up to it: positions are given
    in commit order, so no later step places an event below it.
    """
    return Event.objects.aggregate(last=Max("position"))["last"] or 0


def feed_page(
    *,
    after: int,
    size: int,
    types: Collection[str] = (),
    claim_id: int | None = None,
) -> QuerySet[Event]:
    """Return up to `size` placed events after position `after`, oldest first."""
    events = Event.objects.filter(position__gt=after)
    if types:
        events = events.filter(type__in=sorted(types))
    if claim_id is not None:
        events = events.filter(claim_id=claim_id)
    return events.order_by("position")[:size]


def claim_events(claim_id: int, types: Collection[str]) -> list[Event]:
    """Return the events of one claim of `types`, in the order they happened.

    Placed events by position, then those not placed yet (just committed) by id:
    a claim's changes lock its row, so its ids are in the order they happened.
    """
    events = list(
        Event.objects.filter(claim_id=claim_id, type__in=sorted(types)).order_by("id")
    )
    return sorted(
        events,
        key=lambda event: (
            event.position is None,
            event.position or 0,
            event.pk,
        ),
    )
