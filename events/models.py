"""The outbox: one row per change, in the transaction of the change."""

import uuid

from django.db import models

from .types import EVENT_TYPES, TYPE_MAX_LENGTH


class Event(models.Model):
    """A change that happened, as readers and partners may see it.

    `id` orders events (the feed's cursor: oldest first, in commit order within
    a claim, since one claim's changes lock its row); `uid` is the event's public,
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

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["claim_id", "id"], name="event_claim_idx"),
            models.Index(fields=["type", "id"], name="event_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def public_id(self) -> str:
        """The id consumers see (the feed's `id`, the webhook's `webhook-id`)."""
        return f"evt_{self.uid.hex}"
