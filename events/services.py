"""Recording events: in the transaction of the change, or not at all."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import Event
from .signals import events_recorded
from .types import is_event_type


@dataclass(frozen=True)
class Change:
    """What a change was, as the app that made it describes it."""

    type: str
    object_url: str
    body: dict[str, Any]
    object_version: int | None = None
    claim_id: int | None = None
    reason: str = ""


class OutsideTransaction(RuntimeError):
    """record_event() was called outside the change's transaction."""


def _check(change: Change) -> None:
    if not is_event_type(change.type):
        raise ValueError(f"Unknown event type {change.type!r} (events.types).")
    if not transaction.get_connection().in_atomic_block:
        raise OutsideTransaction(
            "Record an event inside the transaction of the change it describes,"
            " so it exists if and only if the change committed."
        )


def record_events(changes: Iterable[Change]) -> list[Event]:
    """Write one Event per change, in the open transaction (all in one INSERT)."""
    now = timezone.now()
    events = []
    for change in changes:
        _check(change)
        events.append(
            Event(
                type=change.type,
                occurred_at=now,
                object_url=change.object_url,
                object_version=change.object_version,
                claim_id=change.claim_id,
                reason=change.reason[:500],
                body=change.body,
            )
        )
    if not events:
        return []
    stored = Event.objects.bulk_create(events)
    events_recorded.send(sender=Event, events=stored)
    return stored


def record_event(change: Change) -> Event:
    """Write the Event of `change` in the open transaction and return it."""
    return record_events([change])[0]
