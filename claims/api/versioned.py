"""Versioned reads: ETags and the shared cache for claims, figures and ClaimReview.

A JSON read computes its ETag from the versions of the resources it shows (one
small query, claims.selectors.versions) and the request, before reading any row: a
matching If-None-Match is a 304 at that cost, and otherwise the rendered body comes
from the shared cache under that ETag or is built, rendered and stored there. An
anonymous read's answer is then kept whole, to be answered before the framework
next time (factcheck.middleware.CachedAnswerMiddleware), counted by the anonymous
throttle when the view is. Other formats (the browsable API, CSV) are answered as
before, uncached.

A view whose body depends on the reader (a claim shows its working notes to staff:
claims.workflow.audience) says so in audience(): the audience is part of the ETag
and the key, so a staff body is never answered to the public, nor the other way
round, and only public bodies are kept for anonymous reads.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpResponseBase
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request
from rest_framework.settings import api_settings

from factcheck.api.throttling import AnonCountThrottle
from factcheck.caching import (
    PUBLIC_AUDIENCE,
    canonical_url,
    mark_throttled,
    representation_etag,
    resource_version,
    version_token,
    versioned_answer,
    versions_read,
)

from ..selectors.versions import list_versions

# What DRF's paginators name their query parameters by.
PAGINATION_PARAMETERS = (
    "cursor_query_param",
    "page_query_param",
    "page_size_query_param",
    "limit_query_param",
    "offset_query_param",
)


class VersionedReadMixin:
    """Serve JSON reads through the representation version and the shared cache.

    For DRF views: it uses the view's get_renderer_context().
    """

    get_renderer_context: Callable[[], dict[str, Any]]
    # Query parameters the view reads besides its filters, paging, ordering, format.
    query_parameters: tuple[str, ...] = ()
    # The actions answered through versioned_response ("get" for a plain view), for
    # the schema (factcheck.schema): they take If-None-Match and answer ETags.
    versioned_actions: tuple[str, ...] = ()

    def read_parameters(self) -> set[str]:
        """Return the query parameters this view's action reads.

        Only they name a cached body (request_etag); others are ignored, as they
        are on every list, so a client's own parameters (utm_source, a cache
        buster) add no entry.
        """
        view: Any = self
        names: set[str | None] = {api_settings.URL_FORMAT_OVERRIDE}
        names.update(self.query_parameters)
        for attribute in PAGINATION_PARAMETERS:
            names.add(getattr(view.paginator, attribute, None))
        for backend in view.filter_backends:
            names.add(getattr(backend, "ordering_param", None))
            names.add(getattr(backend, "search_param", None))
            filterset = getattr(view, "filterset_class", None)
            if issubclass(backend, DjangoFilterBackend) and filterset is not None:
                names.update(filterset.base_filters)
        return {name for name in names if name}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        view: Any = self
        if hasattr(view.paginator, "base_url"):
            # Links name only the parameters read, as the key does: a kept body
            # never carries another client's parameters.
            view.paginator.base_url = canonical_url(
                view.request, self.read_parameters()
            )
        return page

    def audience(self, request: Request) -> str:
        """Return who this request's body is written for; the same for everyone
        unless a view says otherwise."""
        return PUBLIC_AUDIENCE

    def versioned(self, request: Request) -> bool:
        """Return whether this read is answered from the version (JSON only)."""
        return request.accepted_renderer.format == "json"

    def request_etag(
        self, request: Request, versions: Mapping[str, int], prefix: str = ""
    ) -> str:
        """Return the ETag of what this request reads at `versions`."""
        # The full URL: pagination links carry the scheme and host it was asked by;
        # its parameters in one order, so an order is not another cache entry.
        return representation_etag(
            version_token(versions),
            canonical_url(request, self.read_parameters()),
            request.accepted_media_type,
            self.audience(request),
            *sorted(versions),
            prefix=prefix,
        )

    def versioned_response(
        self,
        request: Request,
        build: Callable[[], Any],
        *,
        versions: Mapping[str, int] | None = None,
        etag: str | None = None,
    ) -> HttpResponseBase:
        """Return a 304, the cached body, or `build()`'s data rendered and cached.

        `versions` (read before any row) default to the claims lists'; `etag` to
        the request's at them. `build` reads the rows only when the cache has no
        body under the ETag.
        """
        if versions is None:
            versions = list_versions(versions_read(request))
        if etag is None:
            etag = self.request_etag(request, versions)
        renderer = request.accepted_renderer

        def render() -> bytes:
            return renderer.render(
                build(), request.accepted_media_type, self.get_renderer_context()
            )

        content_type = renderer.media_type
        if renderer.charset:
            content_type += f"; charset={renderer.charset}"
        audience = self.audience(request)
        response = versioned_answer(
            request,
            etag=etag,
            key=f"representation:{audience}:{request.path}:{etag}",
            render=render,
            content_type=content_type,
            resource=resource_version(request.path, etag),
            versions=versions,
            url=canonical_url(request, self.read_parameters()),
            audience=audience,
        )
        view: Any = self
        if any(isinstance(t, AnonCountThrottle) for t in view.get_throttles()):
            mark_throttled(response, "anon")
        return response
