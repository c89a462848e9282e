"""Recording events: in the transaction of the change, or not at all; then placing
them in the feed's order, after commit, one step at a time."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from factcheck.jobs import defer, jobs_mode

from .models import Event, EventSequence
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
    _defer_sequencing()
    return stored


def _defer_sequencing() -> None:
    """Defer the step that places these events after commit (sequence_events).

    On the queue, one job per write: a single INSERT, where a queueing lock would
    cost the write a savepoint and a lookup whenever a job already waits
    (bench/event_write_cost.py); the jobs take turns (`lock`) and a step with
    nothing to place does nothing. Inline or in a thread, jobs wait in memory: one
    per transaction, however many writes in it record events.
    """
    queued = jobs_mode() == "queue"
    defer(
        SEQUENCE_TASK,
        lock=SEQUENCE_TASK,
        queueing_lock=None if queued else SEQUENCE_TASK,
    )


def record_event(change: Change) -> Event:
    """Write the Event of `change` in the open transaction and return it."""
    return record_events([change])[0]


# Deferred by the name events.tasks registers (a service never imports its tasks).
SEQUENCE_TASK = "events.sequence"
# Events placed per step (one transaction each).
SEQUENCE_BATCH = 5000


def sequence_events(*, batch: int = SEQUENCE_BATCH) -> int:
    """Give every committed event without a position the next ones; return how many.

    Event ids come from a sequence when the row is written, so an event with a lower
    id can commit after one with a higher id was read: a cursor on id would skip
    it. Positions are given here instead, after commit, by steps that take turns on
    the EventSequence row: a step sees every event committed before it took the
    lock, places them (by id) after the highest position, and commits before the
    next step reads. A reader that has seen a position has seen every lower one.
    """
    placed = 0
    while True:
        with transaction.atomic():
            _lock_sequence()
            pending = list(
                Event.objects.filter(position__isnull=True)
                .order_by("id")
                .values_list("id", flat=True)[:batch]
            )
            if not pending:
                return placed
            last = Event.objects.aggregate(last=Max("position"))["last"] or 0
            Event.objects.bulk_update(
                [
                    Event(pk=event_id, position=last + offset)
                    for offset, event_id in enumerate(pending, start=1)
                ],
                ["position"],
                batch_size=1000,
            )
        placed += len(pending)
        if len(pending) < batch:
            return placed


def _lock_sequence() -> None:
    """Lock the EventSequence row until the transaction ends (made when missing).

    An UPDATE locks the row on PostgreSQL and takes the write lock on SQLite before
    anything is read, so two steps never read the same highest position.
    """
    if EventSequence.objects.filter(pk=1).update(steps=F("steps") + 1):
        return
    try:
        with transaction.atomic():
            EventSequence.objects.create(pk=1)
    except IntegrityError:
        pass  # another step made it meanwhile
    EventSequence.objects.filter(pk=1).update(steps=F("steps") + 1)
