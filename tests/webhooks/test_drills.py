"""Drills with real worker processes on PostgreSQL: the receiver down for a while
then up, a worker killed mid-delivery, a replay.

Workers run `manage.py procrastinate worker` against the test database with the
job queue's short test timeouts (tests/factcheck/jobs_support.py) and webhook
retries after 0.2 s, doubling to at most 1 s (DRILL_SETTINGS). Each drill takes
well under a minute.
"""

import os
import signal
import time
from collections import defaultdict

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from events.services import Change, record_event
from tests.factcheck.jobs_support import WAIT, postgres_only, wait_until
from webhooks.models import Attempt, Delivery
from webhooks.services import replay, subscription_create

pytestmark = [
    pytest.mark.postgres,
    postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DRILL_SETTINGS = {
    "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "WEBHOOK_RETRY_MAX_SECONDS": "1",
    "WEBHOOK_TIMEOUT_SECONDS": "2",
    "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
}
TYPES = ["claim.verdict.published", "claim.verdict.revised"]


def record(claim_id, step):
    with transaction.atomic():
        # Made for these drills: not data from the seeds.
        return record_event(
            Change(
                type="claim.verdict.revised",
                object_url=f"/api/v1/claims/{claim_id}/",
                object_version=step,
                claim_id=claim_id,
                body={"id": claim_id, "step": step},
            )
        )


def delivered_all():
    return not Delivery.objects.exclude(state="delivered").exists()


def test_the_receiver_down_then_up_gets_every_event_in_order_per_claim(
    workers, receiver
):
    _, secret = subscription_create(url=receiver.url, event_types=TYPES, by=None)
    receiver.stop()  # connections refused from now on
    events = [record(claim_id, step) for step in range(4) for claim_id in (1, 2, 3)]
    workers.start(environment=DRILL_SETTINGS)

    wait_until(
        lambda: Attempt.objects.filter(succeeded=False).count() >= 6,
        "attempts to fail while the receiver is down",
    )
    time.sleep(2)
    assert not Delivery.objects.filter(state="delivered").exists()
    receiver.start()  # the same port

    wait_until(delivered_all, "every delivery", timeout=WAIT)
    first_seen = {}
    for request in receiver.received:
        message = Webhook(secret).verify(request.body, request.headers)
        first_seen.setdefault(request.headers["webhook-id"], message)
    assert set(first_seen) == {event.public_id for event in events}
    steps = defaultdict(list)
    for message in first_seen.values():
        steps[message["data"]["claim_id"]].append(message["data"]["body"]["step"])
    assert steps == {1: [0, 1, 2, 3], 2: [0, 1, 2, 3], 3: [0, 1, 2, 3]}
    # Only the first of each claim was tried while the receiver was down.
    failed = Attempt.objects.filter(succeeded=False).select_related("delivery")
    assert {attempt.delivery.event_id for attempt in failed} <= {
        event.pk for event in events[:3]
    }


def test_a_worker_killed_mid_delivery_is_delivered_again_with_the_same_id(
    workers, receiver
):
    _, secret = subscription_create(url=receiver.url, event_types=TYPES, by=None)
    receiver.mode = "hold"  # takes the request and does not answer
    first = workers.start(environment=DRILL_SETTINGS)
    event = record(9, 1)
    wait_until(lambda: receiver.received, "the delivery to reach the receiver")

    os.kill(first.pid, signal.SIGKILL)  # mid-delivery: sent, not answered
    first.wait(WAIT)
    receiver.mode = "ok"
    receiver.release.set()
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 0)
    workers.start(environment=DRILL_SETTINGS)

    # Two seconds without a heartbeat, the stalled dispatch job runs again.
    wait_until(delivered_all, "the delivery to be sent again")
    assert receiver.ids() == [event.public_id, event.public_id]
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)


def test_a_replay_sends_every_event_since_a_time_again(workers, receiver):
    subscription, secret = subscription_create(
        url=receiver.url, event_types=TYPES, by=None
    )
    workers.start(environment=DRILL_SETTINGS)
    events = [record(claim_id, 1) for claim_id in (1, 2, 3)]
    wait_until(lambda: len(receiver.received) == 3, "the first deliveries")
    since = timezone.now()
    later = record(4, 1)
    wait_until(lambda: len(receiver.received) == 4, "the fourth delivery")

    replay(subscription=subscription, since=since)
    replay(subscription=subscription, delivery=Delivery.objects.get(event=events[0]))

    wait_until(lambda: len(receiver.received) == 6, "the replayed deliveries")
    # Different claims: no order between them.
    assert sorted(receiver.ids()[4:]) == sorted([events[0].public_id, later.public_id])
    for request in receiver.received:
        Webhook(secret).verify(request.body, request.headers)
