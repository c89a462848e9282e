"""The receiver of events.signals.events_recorded: a purge of the front caches."""

from typing import Any

from django.dispatch import receiver

from events.signals import events_recorded

from .services import defer_purge


@receiver(events_recorded, dispatch_uid="frontcache.defer_purge")
def purge_of_recorded_events(sender: Any, events: list, **kwargs: Any) -> None:
    """Defer the purge of what `events` show, in their transaction (after commit)."""
    defer_purge(events)
