"""Signals of the events app, for the apps built on it (webhooks)."""

from django.dispatch import Signal

# Sent by record_events() inside the change's transaction, with `events` (the
# Event rows just written). A receiver's writes join that transaction, so what it
# stores for an event (a webhook delivery) exists if and only if the event does.
events_recorded = Signal()
