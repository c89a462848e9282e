"""Subscriptions, their deliveries (the outbox of each event to each subscriber) and
the log of every attempt."""

from django.conf import settings
from django.db import models

from events.models import Event

from .addresses import URL_MAX_LENGTH


class Subscription(models.Model):
    """A URL that receives the events of the types it names, signed with `secret`.

    The secret is stored as generated (`whsec_` and base64 of 24 random bytes, the
    Standard Webhooks format): HMAC signing needs the key itself, so it cannot be
    hashed. It is shown once, when the subscription is created (the API's answer,
    the admin's message), and never again by the API or the admin.
    """

    url = models.CharField(max_length=URL_MAX_LENGTH)
    event_types = models.JSONField(
        default=list, help_text="The event types delivered (events.types)."
    )
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, editable=False)
    disabled_reason = models.CharField(max_length=500, blank=True, editable=False)
    disabled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The failing streak: since when every attempt failed, and how many deliveries
    # in a row were given up after their last retry. A success clears both.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    exhausted_in_a_row = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class Delivery(models.Model):
    """One event for one subscription: pending until delivered or given up.

    `claim_id` is the event's, copied so that the dispatcher keeps one claim's
    events in order per subscription without a join. A replay adds a new row for
    the same event (the same `webhook-id`).
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed (retries exhausted)"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    claim_id = models.BigIntegerField(null=True, blank=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # What is due (the dispatcher's scan).
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_due_idx",
                condition=models.Q(state="pending"),
            ),
            # An earlier pending delivery of the same claim holds later ones back.
            models.Index(
                fields=["subscription", "claim_id", "event"],
                name="delivery_claim_order_idx",
                condition=models.Q(state="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} ({self.state})"


class Attempt(models.Model):
    """One try at a delivery: when, how long, the answer's status or the error."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    succeeded = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
