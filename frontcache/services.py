"""Purges of the front caches, driven by the events (docs/frontcache.md).

Every cacheable anonymous answer names the resources it shows in its `xkey`
header (factcheck.caching.SURROGATE_KEY_HEADER: the names of the versions its ETag
is made of). When events are recorded, the receiver of events.signals.
events_recorded defers one purge job in the events' transaction, so it exists
exactly when the change committed and runs after: it sends a PURGE carrying the
tags of what the events concern (event_tags) to each front cache of
FACTCHECK_FRONT_CACHE_PURGE_URLS. Empty (the default), nothing is deferred.

A change that records no event is not purged: the front cache serves it for at
most the answer's max-age (CACHE_MAX_AGE) plus its stale-while-revalidate.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from claims.selectors.versions import CLAIMS, claim_resource, metric_resource
from events.models import Event
from factcheck.jobs import defer, jobs_mode

from .sending import send_purge

logger = logging.getLogger(__name__)

# The purge job, deferred by name (frontcache.tasks registers it).
PURGE_TASK = "frontcache.purge"
# Tags per PURGE request: a header well under Varnish's 8 KB (http_req_hdr_len).
TAGS_PER_REQUEST = 200
# A fetch the front cache began before the change committed can store the old
# answer after the purge (the window is that one request's time in the app): on
# the queue, the tags are purged once more this much later (about a statement
# timeout, what a request of the app may take).
REPURGE_AFTER_SECONDS = 5


class PurgeFailed(RuntimeError):
    """A front cache did not confirm a purge (the job queue retries the job)."""


def event_tags(event: Event) -> set[str]:
    """Return the tags of the answers an event's change shows up in.

    Those the version triggers bump for the claim's write (docs/caching.md): the
    claim, its metric, the claims its conflicts name and the lists and feeds
    (`all-claims`); a created claim has no answer of its own yet. Read from the
    event's public body ({"claim": the claim as the API shows it, "conflict": ...}).
    An event about no claim has none.
    """
    if event.claim_id is None:
        return set()
    tags = {CLAIMS}
    if event.type != "claim.created":
        tags.add(claim_resource(event.claim_id))
    body: dict[str, Any] = event.body if isinstance(event.body, dict) else {}
    shown = body.get("claim")
    claim: dict[str, Any] = shown if isinstance(shown, dict) else {}
    metric = claim.get("metric")
    if isinstance(metric, dict) and isinstance(metric.get("id"), int):
        tags.add(metric_resource(metric["id"]))
    linked = list(claim.get("conflicts") or [])
    if isinstance(body.get("conflict"), dict):
        linked.append(body["conflict"])
    for conflict in linked:
        other = conflict.get("claim") if isinstance(conflict, dict) else None
        if isinstance(other, int):
            tags.add(claim_resource(other))
    return tags


def defer_purge(events: Iterable[Event]) -> list[str]:
    """Defer one purge of the tags of `events`; return them ([] when off or none).

    Call inside the events' transaction (the events_recorded receiver): the job
    exists exactly when they commit, and runs after, so a front cache fetching
    again reads the committed change.
    """
    if not settings.FACTCHECK_FRONT_CACHE_PURGE_URLS:
        return []
    tags = sorted(set().union(*(event_tags(event) for event in events)))
    if tags:
        defer(PURGE_TASK, tags=tags, again=True)
    return tags


def purge(tags: list[str], *, again: bool) -> int:
    """Purge `tags` now (purge_tags); with `again`, on the queue, once more
    REPURGE_AFTER_SECONDS later. Return the PURGE requests confirmed now.

    The inline and thread modes have no clock (no schedule_at): they purge once.
    """
    confirmed = purge_tags(tags)
    if again and jobs_mode() == "queue":
        later = timezone.now() + timedelta(seconds=REPURGE_AFTER_SECONDS)
        defer(PURGE_TASK, tags=tags, again=False, schedule_at=later)
    return confirmed


def purge_tags(tags: list[str]) -> int:
    """Send PURGEs of `tags` to every front cache; return the requests confirmed.

    Every cache is tried, each with the tags in requests of TAGS_PER_REQUEST; if
    any failed, PurgeFailed is raised after the others were sent, and the job is
    retried (purging again is harmless).
    """
    urls = settings.FACTCHECK_FRONT_CACHE_PURGE_URLS
    timeout = settings.FACTCHECK_FRONT_CACHE_PURGE_TIMEOUT_SECONDS
    chunks = [
        tags[start : start + TAGS_PER_REQUEST]
        for start in range(0, len(tags), TAGS_PER_REQUEST)
    ]
    confirmed = 0
    failures = []
    for url in urls:
        for chunk in chunks:
            outcome = send_purge(url, chunk, timeout=timeout)
            if outcome.succeeded:
                confirmed += 1
            else:
                failures.append(f"{url}: {outcome.error}")
                logger.warning(
                    "Front cache purge of %d tags at %s failed: %s",
                    len(chunk),
                    url,
                    outcome.error,
                )
    if failures:
        raise PurgeFailed("; ".join(failures[:5]))
    logger.info("Purged %d tags from %d front caches", len(tags), len(urls))
    return confirmed
