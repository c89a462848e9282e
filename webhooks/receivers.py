"""The receiver of events.signals.events_recorded: the fan-out into deliveries."""

from typing import Any

from django.dispatch import receiver

from events.signals import events_recorded

from .services import fan_out


@receiver(events_recorded, dispatch_uid="webhooks.fan_out")
def deliveries_of_recorded_events(sender: Any, events: list, **kwargs: Any) -> None:
    """Add the deliveries of `events` in their transaction (the outbox)."""
    fan_out(events)
