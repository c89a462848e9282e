"""The outbox: one row per change, in the transaction of the change."""

import uuid

from django.db import models

from .types import EVENT_TYPES, TYPE_MAX_LENGTH


class Event(models.Model):
    """A change that happened, as readers and partners may see it.

    `id` comes from a sequence when the row is written, so a transaction that began
    earlier may commit a lower id after a later one committed: the feed does not
    page by it. `position` is given after commit, in commit order, by one serial
    step (events.services.sequence_events): the feed's order and cursor. Within a
    claim, every change locks the claim's row before its event is written, so the
    claim's events are in the order its changes happened. `uid` is the event's public,
    unique id (webhooks send it as `webhook-id`, receivers deduplicate on it).
    `body` is the public representation of the object at that moment: never a
    staff-only field. `claim_id` is kept as a plain number, not a foreign key, so
    an event outlives the claim it speaks of (a deleted claim's events stay true).
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(
        max_length=TYPE_MAX_LENGTH,
        choices=[(name, name) for name in EVENT_TYPES],
    )
    occurred_at = models.DateTimeField(db_index=True)
    object_url = models.CharField(
        max_length=500, help_text="The object's public API URL (a path)."
    )
    object_version = models.PositiveBigIntegerField(null=True, blank=True)
    claim_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(
        max_length=500, blank=True, help_text="Why, in words (shown to readers)."
    )
    body = models.JSONField(default=dict, blank=True)
    position = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Order in the feed, given after commit in commit order (null: "
        "not sequenced yet).",
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["claim_id", "id"], name="event_claim_idx"),
            models.Index(fields=["type", "id"], name="event_type_idx"),
            models.Index(fields=["claim_id", "position"], name="event_claim_pos_idx"),
            models.Index(fields=["type", "position"], name="event_type_pos_idx"),
            # What the sequencer reads: the few events not placed yet.
            models.Index(
                fields=["id"],
                condition=models.Q(position__isnull=True),
                name="event_unsequenced_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def public_id(self) -> str:
        """The id consumers see (the feed's `id`, the webhook's `webhook-id`)."""
        return f"evt_{self.uid.hex}"


class EventSequence(models.Model):
    """The one row the sequencer locks, so that events are placed one step at a time.

    A step locks it, places the committed events it sees after the highest
    position given, and commits before the next step can read: no event is ever
    placed below a position a reader may already have passed. `steps` counts them.
    """

    steps = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "event sequence"

    def __str__(self) -> str:
        return f"event sequence ({self.steps} steps)"
