"""Webhook writes: subscriptions, the fan-out of events into deliveries, dispatch,
retries, disabling and replays.

The fan-out runs in the transaction that records the events (the receiver of
events.signals.events_recorded), so a delivery exists if and only if its event
does. The dispatch job sends what is due, one delivery per transaction, holding
its row lock while it sends: a worker killed mid-delivery leaves it pending, and
the next run sends it again with the same `webhook-id` (at least once).
"""

import base64
import json
import logging
import random
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from standardwebhooks import Webhook

from events.models import Event
from events.types import EVENT_TYPES
from factcheck.jobs import defer, jobs_mode

from . import addresses, sending
from .models import Attempt, Delivery, Subscription

logger = logging.getLogger(__name__)

# The dispatch job, deferred by name (webhooks.tasks registers it), and the lock
# that coalesces the dispatch jobs deferred while one waits.
DISPATCH_TASK = "webhooks.dispatch"
DISPATCH_LOCK = "webhooks-dispatch"
# How long one dispatch job sends before handing over to a fresh job.
DISPATCH_BUDGET_SECONDS = 60.0
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 24


# Subscriptions ------------------------------------------------------------------


def new_secret() -> str:
    """Return a signing secret in the Standard Webhooks format (`whsec_` + base64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def subscription_errors(*, url: Any, event_types: Any) -> dict[str, list[str]]:
    """Return what is wrong with a subscription's URL and event types, by field."""
    errors: dict[str, list[str]] = {}
    try:
        addresses.check(url, allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS)
    except addresses.ForbiddenURL as error:
        errors["url"] = [str(error)]
    if not isinstance(event_types, list) or not event_types:
        errors["event_types"] = ["Name at least one event type, as a list."]
    else:
        unknown = [
            name
            for name in event_types
            if not isinstance(name, str) or name not in EVENT_TYPES
        ]
        if unknown:
            errors["event_types"] = [
                f"Unknown event type {name!r}; the types are listed in docs/events.md."
                for name in unknown[:5]
            ]
    return errors


def subscription_create(
    *,
    url: str,
    event_types: list[str],
    by: Any,
    description: str = "",
    active: bool = True,
) -> tuple[Subscription, str]:
    """Create a subscription and return it with its secret (shown this once)."""
    errors = subscription_errors(url=url, event_types=event_types)
    if errors:
        raise ValidationError(errors)
    secret = new_secret()
    subscription = Subscription(
        url=url,
        event_types=list(dict.fromkeys(event_types)),
        description=description,
        active=active,
        secret=secret,
        created_by=by if getattr(by, "pk", None) else None,
    )
    subscription.full_clean()
    subscription.save()
    return subscription, secret


def subscription_update(
    *, subscription: Subscription, values: dict[str, Any]
) -> Subscription:
    """Change url, event_types, description or active; re-enabling clears the
    disabled reason and the failing streak, and sends what waited."""
    url = values.get("url", subscription.url)
    event_types = values.get("event_types", subscription.event_types)
    errors = subscription_errors(url=url, event_types=event_types)
    if errors:
        raise ValidationError(errors)
    enabling = values.get("active") is True and not subscription.active
    subscription.url = url
    subscription.event_types = list(dict.fromkeys(event_types))
    subscription.description = values.get("description", subscription.description)
    subscription.active = values.get("active", subscription.active)
    if enabling:
        subscription.disabled_reason = ""
        subscription.disabled_at = None
        subscription.failing_since = None
        subscription.exhausted_in_a_row = 0
    subscription.full_clean()
    with transaction.atomic():
        subscription.save()
        if enabling:
            defer(DISPATCH_TASK, queueing_lock=DISPATCH_LOCK)
    return subscription


def subscription_disable(*, subscription: Subscription, reason: str) -> None:
    """Stop delivering to `subscription`, saying why (its deliveries wait)."""
    Subscription.objects.filter(pk=subscription.pk, active=True).update(
        active=False, disabled_reason=reason[:500], disabled_at=timezone.now()
    )
    logger.warning("Webhook subscription %s disabled: %s", subscription.pk, reason)


# Fan-out ------------------------------------------------------------------------


def fan_out(events: Sequence[Event]) -> int:
    """Add a pending delivery of each event to each active subscription wanting its
    type, in the open transaction (one INSERT), and defer the dispatch job.

    Return how many deliveries were added.
    """
    subscriptions = list(
        Subscription.objects.filter(active=True).values_list("id", "event_types")
    )
    if not subscriptions:
        return 0
    now = timezone.now()
    rows = [
        Delivery(
            event=event,
            subscription_id=subscription_id,
            claim_id=event.claim_id,
            next_attempt_at=now,
        )
        for event in events
        for subscription_id, event_types in subscriptions
        if event.type in event_types
    ]
    if rows:
        Delivery.objects.bulk_create(rows)
        defer(DISPATCH_TASK, queueing_lock=DISPATCH_LOCK)
    return len(rows)


# What is sent -------------------------------------------------------------------


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def payload(event: Event) -> bytes:
    """Return the body of the webhook of `event` (the bytes that are signed)."""
    site = settings.FACTCHECK_SITE_URL.rstrip("/")
    message = {
        "type": event.type,
        "timestamp": _timestamp(event.occurred_at),
        "data": {
            "id": event.public_id,
            "type": event.type,
            "occurred_at": _timestamp(event.occurred_at),
            "object_url": site + event.object_url,
            "object_version": event.object_version,
            "claim_id": event.claim_id,
            "reason": event.reason,
            "body": event.body,
        },
    }
    return json.dumps(
        message, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def signed_headers(
    *, subscription: Subscription, event: Event, body: bytes, at: datetime
) -> dict[str, str]:
    """Return the Standard Webhooks headers of `body` sent at `at`."""
    message_id = event.public_id
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(subscription.secret).sign(message_id, at, body),
    }


# Retries ------------------------------------------------------------------------


def retry_delay(
    failed_attempts: int, *, jitter: Callable[[], float] = random.random
) -> timedelta:
    """Return the wait after the `failed_attempts`-th failed attempt.

    WEBHOOK_RETRY_BASE_SECONDS doubled after each failure, at most
    WEBHOOK_RETRY_MAX_SECONDS, times a random factor in [0.8, 1.2) so that the
    retries of many deliveries do not arrive together.
    """
    nominal = min(
        settings.WEBHOOK_RETRY_MAX_SECONDS,
        settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (failed_attempts - 1),
    )
    return timedelta(seconds=nominal * (0.8 + 0.4 * jitter()))


def retry_schedule() -> list[float]:
    """Return the nominal waits (seconds, no jitter) between the attempts."""
    return [
        retry_delay(n, jitter=lambda: 0.5).total_seconds()
        for n in range(1, settings.WEBHOOK_MAX_ATTEMPTS)
    ]


# Dispatch -----------------------------------------------------------------------


def sendable(*, active: list[int] | None = None) -> QuerySet[Delivery]:
    """Pending deliveries of active subscriptions (or of those `active` ids) that
    no earlier pending delivery of the same claim to the same subscription holds
    back."""
    earlier = Delivery.objects.filter(
        subscription=OuterRef("subscription"),
        claim_id=OuterRef("claim_id"),
        state=Delivery.State.PENDING,
        event_id__lt=OuterRef("event_id"),
    )
    pending = Delivery.objects.filter(state=Delivery.State.PENDING)
    if active is None:
        pending = pending.filter(subscription__active=True)
    else:
        pending = pending.filter(subscription_id__in=active)
    return pending.exclude(Exists(earlier))


def deliver_next(*, now: datetime | None = None) -> Delivery | None:
    """Send the first due delivery, in its own transaction; None if none is due."""
    sent = deliver_due(now=now, limit=1)
    return sent[0] if sent else None


def deliver_due(*, now: datetime | None = None, limit: int = 0) -> list[Delivery]:
    """Send up to `limit` due deliveries (WEBHOOK_BATCH_SIZE if 0) in one transaction.

    Their rows stay locked (SKIP LOCKED: other workers take others) while they are
    sent side by side, at most WEBHOOK_SEND_THREADS at a time; then each attempt is
    logged and its delivery marked, and the transaction commits. Only the first
    pending delivery of each claim and subscription is due, so a batch never holds
    two of one chain. A worker killed meanwhile rolls the batch back: it is sent
    again, with the same webhook-ids.
    """
    now = now or timezone.now()
    limit = limit or settings.WEBHOOK_BATCH_SIZE
    active = list(Subscription.objects.filter(active=True).values_list("pk", flat=True))
    if not active:
        return []
    with transaction.atomic():
        # Narrow rows first (no event bodies): the due ids, locked; then the rows.
        due = (
            sendable(active=active)
            .filter(next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("pk", flat=True)
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due[:limit])
        if not ids:
            return []
        batch = list(
            Delivery.objects.filter(pk__in=ids)
            .select_related("event", "subscription")
            .order_by("next_attempt_at", "id")
        )
        if len(batch) == 1:
            outcomes = [send(batch[0])]
        else:
            threads = min(len(batch), settings.WEBHOOK_SEND_THREADS)
            with ThreadPoolExecutor(max_workers=threads) as pool:
                outcomes = list(pool.map(send, batch))
        record_attempts(
            [
                (delivery, started_at, outcome)
                for delivery, (started_at, outcome) in zip(batch, outcomes, strict=True)
            ],
            now=now,
        )
    return batch


def send(delivery: Delivery) -> tuple[datetime, sending.Outcome]:
    """Send `delivery` once (no database access: it runs in a sending thread)."""
    subscription, event = delivery.subscription, delivery.event
    body = payload(event)
    started_at = timezone.now()
    try:
        target = addresses.check(
            subscription.url, allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS
        )
    except addresses.ForbiddenURL as error:
        return started_at, sending.Outcome(False, None, str(error), 0)
    return started_at, sending.post(
        target,
        body=body,
        headers=signed_headers(
            subscription=subscription, event=event, body=body, at=started_at
        ),
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
    )


def attempt(delivery: Delivery, *, now: datetime) -> Attempt:
    """Send `delivery` once, log the attempt and decide what follows."""
    started_at, outcome = send(delivery)
    return record_attempts([(delivery, started_at, outcome)], now=now)[0]


def record_attempts(
    sent: list[tuple[Delivery, datetime, sending.Outcome]], *, now: datetime
) -> list[Attempt]:
    """Log each attempt, then mark its delivery delivered, retrying or given up
    (the log and the deliveries in one statement each)."""
    logged = []
    for delivery, started_at, outcome in sent:
        delivery.attempts += 1
        logged.append(
            Attempt(
                delivery=delivery,
                number=delivery.attempts,
                started_at=started_at,
                duration_ms=outcome.duration_ms,
                succeeded=outcome.succeeded,
                status_code=outcome.status_code,
                error=outcome.error,
                response_excerpt=outcome.response_excerpt,
            )
        )
        subscription = delivery.subscription
        streak = Subscription.objects.filter(pk=subscription.pk)
        if outcome.succeeded:
            delivery.state = Delivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
            # As read with the batch: a streak begun since is ended by a later one.
            if subscription.failing_since or subscription.exhausted_in_a_row:
                streak.update(failing_since=None, exhausted_in_a_row=0)
                subscription.failing_since, subscription.exhausted_in_a_row = None, 0
            continue
        changes: dict[str, Any] = {
            "failing_since": Coalesce(F("failing_since"), Value(started_at))
        }
        if delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.state = Delivery.State.FAILED
            changes["exhausted_in_a_row"] = F("exhausted_in_a_row") + 1
        else:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        streak.update(**changes)
        _disable_if_failing(subscription, now=now)
    Attempt.objects.bulk_create(logged)
    Delivery.objects.bulk_update(
        [delivery for delivery, _, _ in sent],
        ["attempts", "state", "delivered_at", "next_attempt_at"],
    )
    return logged


def _disable_if_failing(subscription: Subscription, *, now: datetime) -> None:
    subscription.refresh_from_db(
        fields=["active", "failing_since", "exhausted_in_a_row"]
    )
    if not subscription.active:
        return
    window = timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS)
    exhausted = settings.WEBHOOK_DISABLE_AFTER_EXHAUSTED
    if subscription.exhausted_in_a_row >= exhausted:
        reason = (
            f"Disabled after {subscription.exhausted_in_a_row} deliveries in a row"
            " failed every retry."
        )
    elif subscription.failing_since and subscription.failing_since <= now - window:
        reason = (
            "Disabled: every attempt failed since "
            f"{_timestamp(subscription.failing_since)} (more than {window})."
        )
    else:
        return
    subscription_disable(subscription=subscription, reason=reason)


def dispatch_due(*, budget_seconds: float = DISPATCH_BUDGET_SECONDS) -> int:
    """Send what is due for `budget_seconds` at most; return how many were tried.

    With the job queue, leave a dispatch job for what remains: at once if the
    budget ran out, else when the first retry falls due.
    """
    deadline = time.monotonic() + budget_seconds
    sent = 0
    while time.monotonic() < deadline:
        batch = deliver_due()
        if not batch:
            break
        sent += len(batch)
    else:
        if jobs_mode() == "queue":
            defer(DISPATCH_TASK, queueing_lock=DISPATCH_LOCK)
        return sent
    if jobs_mode() == "queue":
        _schedule_next_dispatch()
    return sent


def _schedule_next_dispatch() -> None:
    earliest = sendable().aggregate(at=Min("next_attempt_at"))["at"]
    if earliest is None:
        return
    # Not sooner than a second: what is due now is held by another dispatch run,
    # which schedules its own follow-up when it ends.
    at = max(earliest, timezone.now() + timedelta(seconds=1))
    defer(
        DISPATCH_TASK,
        queueing_lock=f"{DISPATCH_LOCK}-at-{int(at.timestamp())}",
        schedule_at=at,
    )


# Replays ------------------------------------------------------------------------


def replay(
    *,
    subscription: Subscription,
    delivery: Delivery | None = None,
    since: datetime | None = None,
) -> list[Delivery]:
    """Send again one delivery of `subscription`, or every event of its types that
    occurred at or after `since`: new pending deliveries of the same events (the
    same `webhook-id`s), in event order. Return them."""
    if (delivery is None) == (since is None):
        raise ValidationError(
            {
                "non_field_errors": [
                    "Name a delivery or a time to replay from, not both."
                ]
            }
        )
    if not subscription.active:
        raise ValidationError(
            {"subscription": ["The subscription is disabled: enable it first."]}
        )
    if delivery is not None:
        if delivery.subscription_id != subscription.pk:
            raise ValidationError(
                {"delivery": ["That delivery belongs to another subscription."]}
            )
        events: Iterable[tuple[int, int | None]] = [
            (delivery.event_id, delivery.claim_id)
        ]
    else:
        events = (
            Event.objects.filter(
                occurred_at__gte=since, type__in=subscription.event_types
            )
            .order_by("id")
            .values_list("id", "claim_id")
        )
    now = timezone.now()
    rows = [
        Delivery(
            event_id=event_id,
            subscription=subscription,
            claim_id=claim_id,
            next_attempt_at=now,
            replay_of=delivery,
        )
        for event_id, claim_id in events
    ]
    with transaction.atomic():
        created = Delivery.objects.bulk_create(rows)
        if created:
            defer(DISPATCH_TASK, queueing_lock=DISPATCH_LOCK)
    return created
