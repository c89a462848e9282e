"""Fan-out, signed delivery, failures, backoff, disabling, replays and per-claim
order, against a receiver on 127.0.0.1 (tests/webhooks/receiver.py)."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from events.services import Change, record_event
from webhooks import addresses
from webhooks.models import Attempt, Delivery, Subscription
from webhooks.services import (
    deliver_next,
    dispatch_due,
    replay,
    retry_delay,
    retry_schedule,
    subscription_create,
)

pytestmark = pytest.mark.django_db


def change(claim_id=1, kind="claim.verdict.published", n=0):
    # Made for these tests: a claim URL and body, not data from the seeds.
    return Change(
        type=kind,
        object_url=f"/api/v1/claims/{claim_id}/",
        object_version=n,
        claim_id=claim_id,
        body={"id": claim_id, "status": "false", "step": n},
        reason="made for this test",
    )


def record(*changes):
    with transaction.atomic():
        return [record_event(item) for item in changes]


def subscribe(url, types=("claim.verdict.published", "claim.verdict.revised")):
    return subscription_create(url=url, event_types=list(types), by=None)


def test_a_recorded_event_becomes_one_delivery_per_matching_active_subscription(
    receiver,
):
    wants, _ = subscribe(receiver.url)
    other, _ = subscribe(receiver.url, types=["claim.created"])
    off, _ = subscribe(receiver.url)
    off.active = False
    off.save()

    (event,) = record(change())

    deliveries = list(Delivery.objects.values_list("event_id", "subscription_id"))
    assert deliveries == [(event.pk, wants.pk)]
    assert other.pk
    assert off.pk


def test_a_rolled_back_change_leaves_no_delivery(receiver):
    subscribe(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012
        record_event(change())
        raise RuntimeError("the change fails")
    assert not Delivery.objects.exists()


def test_the_delivery_is_signed_so_the_standardwebhooks_library_verifies_it(
    receiver,
):
    _, secret = subscribe(receiver.url)
    (event,) = record(change(claim_id=7))

    assert dispatch_due() == 1

    (request,) = receiver.received
    message = Webhook(secret).verify(request.body, request.headers)
    assert request.headers["webhook-id"] == event.public_id
    assert message["type"] == "claim.verdict.published"
    assert message["data"]["id"] == event.public_id
    assert message["data"]["claim_id"] == 7
    assert message["data"]["object_url"].endswith("/api/v1/claims/7/")
    assert message["data"]["body"] == {"id": 7, "status": "false", "step": 0}
    # Another secret does not verify it.
    with pytest.raises(Exception, match="signature"):
        Webhook(subscription_create_secret()).verify(request.body, request.headers)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    attempt = Attempt.objects.get()
    assert (attempt.succeeded, attempt.status_code, attempt.error) == (True, 204, "")


def subscription_create_secret():
    from webhooks.services import new_secret

    return new_secret()


def test_the_secret_is_in_the_standard_webhooks_format():
    secret = subscription_create_secret()
    assert secret.startswith("whsec_")
    assert len(Webhook(secret)._whsecret) == 24
    assert secret != subscription_create_secret()


@pytest.mark.parametrize(
    ("mode", "error"),
    [
        ("fail", "HTTP 503"),
        ("redirect", "Redirect to '/elsewhere' not followed"),
        ("huge", "larger than 64 KB"),
        ("slow", "ReadTimeoutError"),
    ],
)
def test_slow_huge_redirecting_or_failing_answers_are_failed_attempts(
    receiver, settings, mode, error
):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver.mode, receiver.delay = mode, 2.0
    subscribe(receiver.url)
    record(change())
    started = timezone.now()

    deliver_next()

    attempt = Attempt.objects.get()
    assert not attempt.succeeded
    assert error in attempt.error
    assert attempt.duration_ms < 1500  # never waits for the slow receiver
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.next_attempt_at > started
    # A redirect is not followed: one request only.
    assert len(receiver.received) == 1


def test_a_name_re_pointed_at_a_private_address_is_refused_at_delivery(
    receiver, monkeypatch
):
    subscription, _ = subscribe(receiver.url)
    # Made for this test: a public name that later resolves to a private address.
    Subscription.objects.filter(pk=subscription.pk).update(
        url="http://rebound.example.org/hook"
    )
    monkeypatch.setattr(
        addresses.socket,
        "getaddrinfo",
        lambda host, port, **kw: [(2, 1, 6, "", ("10.0.0.9", port))],
    )
    record(change())

    deliver_next()

    attempt = Attempt.objects.get()
    assert not attempt.succeeded
    assert "10.0.0.9, a private address" in attempt.error
    assert receiver.received == []


def test_retries_back_off_exponentially_with_jitter_for_about_a_day(settings):
    assert settings.WEBHOOK_RETRY_BASE_SECONDS == 30
    schedule = retry_schedule()
    assert schedule[:4] == [30, 60, 120, 240]
    assert max(schedule) == 8 * 3600
    assert len(schedule) == settings.WEBHOOK_MAX_ATTEMPTS - 1
    assert 23 * 3600 < sum(schedule) < 26 * 3600
    assert retry_delay(1, jitter=lambda: 0.0) == timedelta(seconds=24)
    assert retry_delay(1, jitter=lambda: 0.999) > timedelta(seconds=35.9)


def test_a_failing_delivery_is_retried_when_due_then_given_up(receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.mode = "fail"
    subscribe(receiver.url)
    record(change())
    now = timezone.now()

    deliver_next(now=now)
    delivery = Delivery.objects.get()
    wait = delivery.next_attempt_at - now
    assert timedelta(seconds=24) <= wait < timedelta(seconds=36)
    # Not due yet: nothing is sent.
    assert deliver_next(now=now + wait - timedelta(seconds=1)) is None
    deliver_next(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    second_wait = delivery.next_attempt_at - now - wait
    assert timedelta(seconds=48) <= second_wait < timedelta(seconds=72)
    deliver_next(now=delivery.next_attempt_at)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 3)
    assert list(Attempt.objects.values_list("number", "status_code")) == [
        (1, 503),
        (2, 503),
        (3, 503),
    ]
    assert Subscription.objects.get().exhausted_in_a_row == 1


def test_a_subscription_failing_for_a_day_is_disabled_with_the_reason(
    receiver, settings
):
    receiver.mode = "fail"
    subscription, _ = subscribe(receiver.url)
    record(change())
    now = timezone.now()
    deliver_next(now=now)
    subscription.refresh_from_db()
    assert subscription.active
    assert subscription.failing_since is not None

    Delivery.objects.update(next_attempt_at=now)
    deliver_next(now=now + timedelta(days=1, seconds=1))

    subscription.refresh_from_db()
    assert not subscription.active
    assert "every attempt failed since" in subscription.disabled_reason
    assert subscription.disabled_at is not None
    # Nothing more is sent to it.
    Delivery.objects.update(next_attempt_at=now)
    assert deliver_next(now=now + timedelta(days=2)) is None


def test_n_exhausted_deliveries_in_a_row_disable_it_and_a_success_resets(
    receiver, settings
):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    settings.WEBHOOK_DISABLE_AFTER_EXHAUSTED = 2
    subscription, _ = subscribe(receiver.url)
    record(change(claim_id=1))
    record(change(claim_id=2))
    record(change(claim_id=3))
    receiver.mode = "fail"
    deliver_next()
    receiver.mode = "ok"
    deliver_next()  # a success between: the streak starts again
    subscription.refresh_from_db()
    assert (subscription.exhausted_in_a_row, subscription.failing_since) == (0, None)
    receiver.mode = "fail"
    deliver_next()
    record(change(claim_id=4))
    deliver_next()

    subscription.refresh_from_db()
    assert not subscription.active
    assert subscription.disabled_reason == (
        "Disabled after 2 deliveries in a row failed every retry."
    )


def test_one_claims_events_go_out_in_order_a_later_one_waits_for_an_earlier(
    receiver,
):
    subscribe(receiver.url)
    first, second = record(change(claim_id=1, n=1), change(claim_id=1, n=2))
    (other,) = record(change(claim_id=2, n=1))
    receiver.mode = "fail"
    now = timezone.now()
    deliver_next(now=now)  # the first of claim 1 fails and waits to be retried
    receiver.mode = "ok"

    # The second of claim 1 is held back; claim 2's goes.
    while deliver_next(now=now) is not None:
        pass
    assert receiver.ids() == [first.public_id, other.public_id]

    later = Delivery.objects.get(event=first).next_attempt_at
    while deliver_next(now=later) is not None:
        pass
    assert receiver.ids() == [
        first.public_id,
        other.public_id,
        first.public_id,
        second.public_id,
    ]


def test_replay_sends_a_delivery_again_with_the_same_webhook_id(receiver):
    subscription, secret = subscribe(receiver.url)
    (event,) = record(change())
    dispatch_due()
    delivery = Delivery.objects.get()

    (again,) = replay(subscription=subscription, delivery=delivery)
    dispatch_due()

    assert again.replay_of_id == delivery.pk
    assert receiver.ids() == [event.public_id, event.public_id]
    Webhook(secret).verify(receiver.received[1].body, receiver.received[1].headers)


def test_replay_since_a_time_sends_every_event_of_its_types_since_in_order(
    receiver,
):
    subscription, _ = subscribe(receiver.url)
    (old,) = record(change(claim_id=1, n=1))
    from events.models import Event

    Event.objects.filter(pk=old.pk).update(
        occurred_at=timezone.now() - timedelta(days=3)
    )
    newer = record(
        change(claim_id=1, n=2),
        change(claim_id=2, kind="claim.created"),  # not a type it wants
        change(claim_id=3, kind="claim.verdict.revised"),
    )
    dispatch_due()
    receiver.received.clear()

    created = replay(
        subscription=subscription, since=timezone.now() - timedelta(days=1)
    )
    dispatch_due()

    assert len(created) == 2
    # In event order as queued; sent side by side (two claims: no order between).
    assert [row.event_id for row in created] == [newer[0].pk, newer[2].pk]
    assert sorted(receiver.ids()) == sorted([newer[0].public_id, newer[2].public_id])
    steps = {
        json.loads(item.body)["data"]["id"]: json.loads(item.body)["data"]["body"][
            "step"
        ]
        for item in receiver.received
    }
    assert steps == {newer[0].public_id: 2, newer[2].public_id: 0}


def test_a_batch_sends_only_the_first_pending_event_of_each_claim(receiver):
    subscribe(receiver.url)
    events = record(
        *(change(claim_id=claim, n=n) for n in range(3) for claim in (1, 2))
    )

    from webhooks.services import deliver_due

    first = deliver_due(limit=20)
    assert sorted(delivery.event_id for delivery in first) == [
        events[0].pk,
        events[1].pk,
    ]
    dispatch_due()
    per_claim: dict[int, list[int]] = {1: [], 2: []}
    for item in receiver.received:
        data = json.loads(item.body)["data"]
        per_claim[data["claim_id"]].append(data["body"]["step"])
    assert per_claim == {1: [0, 1, 2], 2: [0, 1, 2]}
