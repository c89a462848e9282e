"""Versioned reads: ETags and the shared cache for claims, figures and ClaimReview.

A JSON read computes its ETag from the representation version (one small query,
claims.selectors.versions) and the request, before reading any row: a matching
If-None-Match is a 304 at that cost, and otherwise the rendered body comes from the
shared cache under that ETag or is built, rendered and stored there. Other formats
(the browsable API, CSV) are answered as before, uncached.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpResponseBase
from rest_framework.request import Request

from factcheck.caching import representation_etag, versioned_answer

from ..selectors.versions import representation_version


class VersionedReadMixin:
    """Serve JSON reads through the representation version and the shared cache.

    For DRF views: it uses the view's get_renderer_context().
    """

    get_renderer_context: Callable[[], dict[str, Any]]

    def versioned(self, request: Request) -> bool:
        """Return whether this read is answered from the version (JSON only)."""
        return request.accepted_renderer.format == "json"

    def request_etag(self, request: Request, version: int, prefix: str = "") -> str:
        """Return the ETag of what this request reads at `version`."""
        # The full URL: pagination links carry the scheme and host it was asked by.
        return representation_etag(
            version,
            request.build_absolute_uri(),
            request.accepted_media_type,
            prefix=prefix,
        )

    def versioned_response(
        self, request: Request, build: Callable[[], Any], *, etag: str | None = None
    ) -> HttpResponseBase:
        """Return a 304, the cached body, or `build()`'s data rendered and cached.

        `etag` defaults to the request's ETag at the current version; `build` reads
        the rows only when the cache has no body under it.
        """
        if etag is None:
            etag = self.request_etag(request, representation_version())
        renderer = request.accepted_renderer

        def render() -> bytes:
            return renderer.render(
                build(), request.accepted_media_type, self.get_renderer_context()
            )

        content_type = renderer.media_type
        if renderer.charset:
            content_type += f"; charset={renderer.charset}"
        return versioned_answer(
            request,
            etag=etag,
            key=f"representation:{request.path}:{etag}",
            render=render,
            content_type=content_type,
        )
