"""The event feed: GET /api/v1/events/, oldest first after a position.

A consumer keeps the `position` of the last event it handled and asks for the
events after it (`?after=`, or the `next` link, which says the same); positions
are given in commit order (events.services.sequence_events), so a consumer that
has read up to a position never misses an event placed later. Public: an event's
body holds only what the public API shows. ETag from the latest position, 304 and
the shared cache through factcheck.caching.versioned_answer.
"""

from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from factcheck.api.filters import LARGEST_ID
from factcheck.api.pagination import MAX_PAGE_SIZE, page_size_from
from factcheck.caching import (
    canonical_url,
    representation_etag,
    resource_version,
    versioned_answer,
)

from .models import Event
from .selectors import feed_page, latest_position
from .types import EVENT_TYPES

DEFAULT_PAGE_SIZE = 100
# The query parameters the feed reads: only they name a cached page.
READS = ("after", "page_size", "type", "claim", "format")


class EventSerializer(serializers.ModelSerializer):
    """An event as the feed (and a webhook's payload) writes it."""

    id = serializers.CharField(
        source="public_id", help_text="Unique; receivers deduplicate on it."
    )
    position = serializers.IntegerField(
        help_text="Order in the feed (commit order); ask for what follows with "
        "?after=<position>."
    )
    claim = serializers.IntegerField(
        source="claim_id", allow_null=True, help_text="The claim it is about."
    )
    body = serializers.JSONField(
        help_text='{"claim": the claim as GET /api/v1/claims/{id}/ showed it then, '
        "without staff-only fields, ...what the change was about}."
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "position",
            "type",
            "occurred_at",
            "object_url",
            "object_version",
            "claim",
            "reason",
            "body",
        ]
        read_only_fields = fields


class EventPageSerializer(serializers.Serializer):
    next = serializers.CharField(
        help_text="The URL of the events after this page (poll it when empty)."
    )
    after = serializers.IntegerField(help_text="The last position of this page.")
    has_more = serializers.BooleanField()
    results = EventSerializer(many=True)


EXAMPLE = {
    "next": "http://testserver/api/v1/events/?after=2",
    "after": 2,
    "has_more": False,
    "results": [
        {
            "id": "evt_5b0e3c1f9d2a4e7f8a6b1c2d3e4f5a6b",
            "position": 2,
            "type": "claim.verdict.published",
            "occurred_at": "2026-12-07T17:40:12.114Z",
            "object_url": "/api/v1/claims/7/",
            "object_version": 4,
            "claim": 7,
            "reason": "Verdict published: Misleading.",
            "body": {"claim": {"id": 7, "status": "misleading", "version": 4}},
        }
    ],
}


def _after(request: Request) -> int:
    raw = request.query_params.get("after", "")
    if raw == "":
        return 0
    if not (raw.isascii() and raw.isdigit()) or int(raw) > LARGEST_ID:
        raise ValidationError(
            {"after": [f"Use a position: a whole number from 0 to {LARGEST_ID}."]}
        )
    return int(raw)


def _types(request: Request) -> list[str]:
    names = {
        name.strip()
        for value in request.query_params.getlist("type")
        for name in value.split(",")
        if name.strip()
    }
    if unknown := sorted(names - set(EVENT_TYPES)):
        raise ValidationError(
            {
                "type": [
                    f"Unknown event type {', '.join(unknown)!r}; the types are "
                    f"{', '.join(EVENT_TYPES)}."
                ]
            }
        )
    return sorted(names)


def _claim(request: Request) -> int | None:
    raw = request.query_params.get("claim", "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= LARGEST_ID:
        raise ValidationError(
            {"claim": [f"Use a claim id: a whole number from 1 to {LARGEST_ID}."]}
        )
    return int(raw)


class EventFeedView(APIView):
    """Every change readers and partners may see, oldest first after a position."""

    permission_classes = [AllowAny]
    versioned_actions = ("get",)

    @extend_schema(
        summary="Feed of events, oldest first after a position",
        description=(
            "Catch up after downtime: keep the `position` of the last event handled "
            "and ask for `?after=<position>` (the `next` link). Positions follow "
            "commit order, so nothing committed later appears before a position "
            "already read. Per claim, events are in the order its changes happened. "
            "See docs/events.md for the types and bodies."
        ),
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.INT,
                description="Events after this position (default 0: from the first).",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                many=True,
                description="Only these types (repeated or comma separated), e.g. "
                "claim.verdict.published,claim.verdict.revised.",
                enum=list(EVENT_TYPES),
            ),
            OpenApiParameter("claim", OpenApiTypes.INT, description="Only this claim."),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=f"At most {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
            ),
        ],
        responses={200: EventPageSerializer},
        examples=[OpenApiExample("A page", value=EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        after, types, claim_id = _after(request), _types(request), _claim(request)
        size = page_size_from(request, "page_size", MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
        if request.accepted_renderer.format != "json":
            return Response(self._page(request, after, size, types, claim_id))
        url = canonical_url(request, READS)
        # The version first: the page read after it holds every event up to it.
        etag = representation_etag(
            latest_position(), url, request.accepted_media_type, prefix="events."
        )
        renderer = request.accepted_renderer

        def render() -> bytes:
            page = self._page(request, after, size, types, claim_id)
            return renderer.render(page, request.accepted_media_type, {})

        return versioned_answer(
            request,
            etag=etag,
            key=f"events:{etag}",
            render=render,
            content_type=f"{renderer.media_type}; charset={renderer.charset}"
            if renderer.charset
            else renderer.media_type,
            resource=resource_version(request.path, etag),
        )

    def _page(
        self,
        request: Request,
        after: int,
        size: int,
        types: list[str],
        claim_id: int | None,
    ) -> dict[str, Any]:
        events = list(
            feed_page(after=after, size=size + 1, types=types, claim_id=claim_id)
        )
        has_more = len(events) > size
        events = events[:size]
        last = events[-1].position if events else after
        # The parameters read, sorted as the cache key has them.
        query = request.query_params
        pairs = [
            (name, value)
            for name in sorted({*query, "after"})
            if name in READS
            for value in ([str(last)] if name == "after" else query.getlist(name))
        ]
        return {
            "next": f"{request.build_absolute_uri(request.path)}?{urlencode(pairs)}",
            "after": last,
            "has_more": has_more,
            "results": EventSerializer(events, many=True).data,
        }
