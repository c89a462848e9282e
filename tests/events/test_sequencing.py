"""Positions follow commit order, so a consumer's cursor never skips an event."""

import threading

import pytest
from django.db import connection, connections, transaction

from events.models import Event
from events.services import Change, record_event, sequence_events

# Serialized rollback, as every transactional test here: a plain flush re-creates
# the content types, which the next serialized test would load again.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def change(claim_id: int, reason: str) -> Change:
    """A change made for these tests (not data from the seeds)."""
    return Change(
        type="claim.verdict.revised",
        object_url=f"/api/v1/claims/{claim_id}/",
        object_version=1,
        claim_id=claim_id,
        body={"claim": {"id": claim_id}},
        reason=reason,
    )


def read_after(position: int) -> list[Event]:
    return list(Event.objects.filter(position__gt=position).order_by("position"))


def unplaced(count: int) -> list[Event]:
    """Write events as record_events does, but without deferring the job."""
    return Event.objects.bulk_create(
        Event(
            type="claim.created",
            occurred_at="2026-12-07T12:00:00Z",
            object_url=f"/api/v1/claims/{n}/",
            claim_id=n,
            reason=f"made for this test {n}",
        )
        for n in range(count)
    )


def test_committed_events_are_placed_in_id_order_once():
    first, second = unplaced(2)
    assert sequence_events() == 2
    assert sequence_events() == 0  # placed once
    placed = {event.pk: event.position for event in Event.objects.all()}
    assert placed[first.pk] < placed[second.pk]


def test_a_step_places_in_batches_without_a_gap():
    unplaced(7)
    assert sequence_events(batch=3) == 7
    positions = sorted(Event.objects.values_list("position", flat=True))
    assert positions == list(range(1, 8))


def test_an_event_with_a_lower_id_committed_later_is_placed_after_what_was_read():
    # The out-of-order commit, simulated on any database: a transaction that took
    # its id earlier (here: an explicit lower id) commits after a consumer read past
    # a higher id.
    with transaction.atomic():
        lower_id = record_event(change(9, "freed below")).pk
        late = record_event(change(1, "later id, committed first"))
        Event.objects.filter(pk=lower_id).delete()
    sequence_events()
    consumer_cursor = read_after(0)[-1].position
    with transaction.atomic():
        Event.objects.create(
            pk=lower_id,
            type="claim.verdict.published",
            occurred_at=late.occurred_at,
            object_url="/api/v1/claims/2/",
            claim_id=2,
            reason="lower id, committed last (made for this test)",
        )
    sequence_events()
    caught_up = read_after(consumer_cursor)
    assert [event.reason for event in caught_up] == [
        "lower id, committed last (made for this test)"
    ]


def test_two_transactions_committing_out_of_id_order_lose_nothing(on_postgres):
    """The real race on PostgreSQL: A takes a lower id, B a higher one and commits
    first; a consumer reads B; A commits; the consumer, from its cursor, gets A."""
    a_wrote = threading.Event()
    consumer_read = threading.Event()
    ids = {}

    def transaction_a():
        try:
            with transaction.atomic():
                ids["a"] = record_event(change(1, "A: lower id, commits last")).pk
                a_wrote.set()
                assert consumer_read.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=transaction_a)
    worker.start()
    assert a_wrote.wait(10)
    with transaction.atomic():
        ids["b"] = record_event(change(2, "B: higher id, commits first")).pk
    sequence_events()  # A is still open: only B is placed
    seen = read_after(0)
    consumer_read.set()
    worker.join(10)
    assert [event.pk for event in seen] == [ids["b"]]
    assert ids["a"] < ids["b"]
    sequence_events()
    caught_up = read_after(seen[-1].position)
    assert [event.pk for event in caught_up] == [ids["a"]]


def test_concurrent_steps_never_give_a_position_twice(on_postgres):
    unplaced(200)
    errors = []

    def step():
        try:
            sequence_events(batch=7)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=step) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    positions = sorted(Event.objects.values_list("position", flat=True))
    assert positions == list(range(1, 201))


def test_the_job_places_the_events_of_a_commit():
    # JOBS_MODE inline (the tests): the job runs when the write commits.
    with transaction.atomic():
        record_event(change(1, "placed by its job"))
    assert Event.objects.get().position == 1
