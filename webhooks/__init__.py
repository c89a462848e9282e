"""Webhooks: the events of the `events` app, delivered to subscribers by the job queue.

A subscription names a URL and the event types it wants; every recorded event of
those types becomes a Delivery row in the event's own transaction (an outbox), and
the dispatch job sends it, signed the Standard Webhooks way, retrying with backoff
for about a day (docs/webhooks.md). This app imports `events` and `factcheck`
only: it knows no claim.
"""
