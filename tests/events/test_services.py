"""record_event(): an event is written in its change's transaction, or refused."""

import pytest
from django.db import transaction

from events.models import Event
from events.services import Change, OutsideTransaction, record_event, record_events
from events.signals import events_recorded

# Serialized rollback, as every transactional test here: a plain flush re-creates
# the content types, which the next serialized test would load again.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Made for these tests: a claim URL and body, not data from the seeds.
CHANGE = Change(
    type="claim.verdict.published",
    object_url="/api/v1/claims/1/",
    object_version=3,
    claim_id=1,
    body={"id": 1, "status": "false"},
    reason="made for this test",
)


def test_an_event_recorded_in_a_transaction_that_commits_exists():
    with transaction.atomic():
        event = record_event(CHANGE)
    stored = Event.objects.get()
    assert stored.pk == event.pk
    assert (stored.type, stored.claim_id, stored.object_version) == (
        "claim.verdict.published",
        1,
        3,
    )
    assert stored.public_id == f"evt_{stored.uid.hex}"


class ChangeFailed(Exception):
    pass


def _record_then_fail() -> None:
    with transaction.atomic():
        record_event(CHANGE)
        raise ChangeFailed  # the change fails after its event was written


def test_an_event_of_a_change_that_rolls_back_does_not_exist():
    with pytest.raises(ChangeFailed):
        _record_then_fail()
    assert not Event.objects.exists()


def test_recording_outside_a_transaction_is_refused():
    with pytest.raises(OutsideTransaction):
        record_event(CHANGE)
    assert not Event.objects.exists()


def test_an_unknown_type_is_refused_and_nothing_is_written():
    bad = Change(type="claim.made.up", object_url="/x/", body={})
    with transaction.atomic(), pytest.raises(ValueError, match=r"claim\.made\.up"):
        record_events([CHANGE, bad])
    assert not Event.objects.exists()


def test_events_are_ordered_by_id_with_unique_public_ids():
    with transaction.atomic():
        first, second = record_events([CHANGE, CHANGE])
    stored = list(Event.objects.all())
    assert [event.pk for event in stored] == sorted([first.pk, second.pk])
    assert stored[0].public_id != stored[1].public_id


def test_receivers_of_events_recorded_get_the_stored_rows_inside_the_transaction():
    seen = []

    def receiver(sender, events, **kwargs):
        in_transaction = transaction.get_connection().in_atomic_block
        seen.append(([event.pk for event in events], in_transaction))

    events_recorded.connect(receiver)
    try:
        with transaction.atomic():
            stored = record_events([CHANGE, CHANGE])
    finally:
        events_recorded.disconnect(receiver)
    assert seen == [([event.pk for event in stored], True)]
    assert all(pk is not None for pk in seen[0][0])
