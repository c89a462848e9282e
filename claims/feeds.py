"""The Atom feed of verdicts published and revised, for people and feed readers.

Read from the events (events.Event), newest first: each entry links to the claim's
public page and says the verdict, its rationale, and for a revision why it was
revised. Answered through the shared cache under the feed's version (the latest
event position), with an ETag and 304s, like every public read.
"""

from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from events.models import Event
from events.selectors import latest_position
from factcheck.caching import representation_etag, resource_version, versioned_answer

from .ratings import Status

FEED_TYPES = ("claim.verdict.published", "claim.verdict.revised")
FEED_ENTRIES = 50


class VerdictFeed(Feed):
    """The latest verdicts published and revised (Django's syndication framework)."""

    feed_type = Atom1Feed
    title_template = None
    description_template = None

    def title(self) -> str:
        return f"{settings.FACTCHECK_ORGANIZATION_NAME}: verdicts"

    def subtitle(self) -> str:
        return "Verdicts published and revised, newest first."

    def link(self) -> str:
        return f"{settings.FACTCHECK_SITE_URL}/"

    def feed_url(self) -> str:
        return settings.FACTCHECK_SITE_URL + reverse("verdict-feed")

    def items(self) -> list[Event]:
        return list(
            Event.objects.filter(type__in=FEED_TYPES, position__isnull=False).order_by(
                "-position"
            )[:FEED_ENTRIES]
        )

    def item_title(self, item: Event) -> str:
        claim = _claim(item)
        verb = "Revised" if item.type == "claim.verdict.revised" else "Verdict"
        return f"{verb}: {_label(claim)} — {claim.get('text', '')}"

    def item_description(self, item: Event) -> str:
        claim = _claim(item)
        lines = [f"Verdict: {_label(claim)}.", claim.get("rationale", "")]
        if item.type == "claim.verdict.revised":
            lines.insert(0, f"Why it was revised: {item.reason}")
        return "\n\n".join(line for line in lines if line)

    def item_link(self, item: Event) -> str:
        return settings.FACTCHECK_SITE_URL + reverse(
            "claim-page", args=[_claim(item).get("id", item.claim_id)]
        )

    def item_guid(self, item: Event) -> str:
        return f"urn:factcheck:event:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Event):
        return item.occurred_at

    def item_updateddate(self, item: Event):
        return item.occurred_at


def _claim(event: Event) -> dict[str, Any]:
    return event.body.get("claim") or {}


def _label(claim: dict[str, Any]) -> str:
    try:
        return str(Status(str(claim.get("status", ""))).label)
    except ValueError:
        return str(claim.get("status", ""))


_feed = VerdictFeed()


def verdict_feed(request):
    """GET /feeds/verdicts.atom: 304, the cached feed, or built and kept."""
    etag = representation_etag(latest_position(), request.path, prefix="feed.")
    return versioned_answer(
        request,
        etag=etag,
        key=f"feed:{etag}",
        render=lambda: _feed(request),
        content_type="application/atom+xml; charset=utf-8",
        resource=resource_version(request.path, etag),
    )
