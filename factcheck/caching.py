"""Shared cache of rendered representations, keyed by what they are made of.

A key names a representation's version (claims.selectors.versions), the request's
URL with the query parameters the endpoint reads (canonical_url), the format and
the deployment (the code and settings a representation is written with), so a
write never needs to find and delete entries and a stale entry can never be
served: a new version is a new key. What one resource keeps at one version is
bounded (REPRESENTATION_CACHE_BUDGET bytes), whatever its clients ask for.
"""

import functools
import hashlib
from collections.abc import Callable, Collection
from pathlib import Path
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags

ROOT = Path(__file__).resolve().parent.parent
# The code representations are written by: a deployment that changes it gets new
# keys, so entries another version of the code wrote are never served.
CODE_PACKAGES = ("claims", "sources", "series", "events", "factcheck")
# The settings that change what a representation says.
SHOWN_SETTINGS = (
    "TIME_ZONE",
    "FACTCHECK_SITE_URL",
    "FACTCHECK_ORGANIZATION_NAME",
    "FACTCHECK_APPROXIMATE_TOLERANCE",
    "FACTCHECK_PUBLIC_HISTORY_NAMES",
    "LANGUAGE_CODE",
)
VARY = ("Accept", "Authorization", "Cookie")


@functools.cache
def deployment() -> str:
    """Return a digest of the code and settings representations are written with."""
    digest = hashlib.sha256()
    for package in CODE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in {".py", ".html"} and "migrations" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    shown = [str(getattr(settings, name, "")) for name in SHOWN_SETTINGS]
    digest.update(orjson.dumps(shown))
    return digest.hexdigest()[:12]


def representation_etag(version: int, *parts: object, prefix: str = "") -> str:
    """Return a strong ETag for what `parts` name at `version`."""
    encoded = orjson.dumps([deployment(), *[str(part) for part in parts]])
    digest = hashlib.sha256(encoded).hexdigest()[:20]
    return f'"{prefix}{version}.{digest}"'


def canonical_url(request, parameters: Collection[str]) -> str:
    """Return the request's absolute URL with only `parameters`, sorted by name.

    A parameter's values keep their order: the last value of a one-valued parameter
    is the one read, so ?unit=a&unit=b and ?unit=b&unit=a are different requests.
    """
    query = request.GET
    pairs = [
        (name, value)
        for name in sorted(query)
        if name in parameters
        for value in query.getlist(name)
    ]
    url = request.build_absolute_uri(request.path)
    return f"{url}?{urlencode(pairs)}" if pairs else url


def resource_version(path: str, etag: str) -> str:
    """Return what the budget of `etag`'s variants is counted under: path, version.

    An ETag is "<prefix><version>.<digest>" (representation_etag): without its
    digest, it names the resource's version, whatever the query.
    """
    version = etag.strip('"').rsplit(".", 1)[0]
    return f"{path}:{version}"


def in_transaction() -> bool:
    """Return whether a transaction of the request's own is open (a test's is not).

    A representation read inside a write's transaction may never commit, and its
    version bump with it: it is not cached.
    """
    return any(
        not getattr(block, "_from_testcase", False)
        for block in connection.atomic_blocks
    )


def cached_body(key: str, build: Callable[[], bytes], *, resource: str) -> bytes:
    """Return the cached body under `key`, building and storing it when missing."""
    body = get_cached(key)
    if body is None:
        body = build()
        set_cached(key, body, resource=resource)
    return body


def get_cached(key: str) -> bytes | None:
    """Return the body cached under `key`, or None."""
    return caches[settings.REPRESENTATION_CACHE].get(key)


def set_cached(key: str, body: bytes, *, resource: str) -> None:
    """Keep `body` under `key`, unless read inside a transaction of the request's
    or `resource` (resource_version) already keeps its budget of bytes.

    The budget bounds what any number of clients can add by varying a query (each
    search, filter value and cursor is a variant): past it a variant is answered,
    built each time, and not kept. A new version of the resource has a new budget.
    """
    if in_transaction():
        return
    cache = caches[settings.REPRESENTATION_CACHE]
    timeout = settings.REPRESENTATION_CACHE_TIMEOUT
    spent_key = f"budget:{deployment()}:{resource}"
    cache.add(spent_key, 0, timeout)
    try:
        spent = cache.incr(spent_key, len(body))
    except ValueError:  # evicted since add(): count nothing, keep nothing
        return
    if spent <= settings.REPRESENTATION_CACHE_BUDGET:
        cache.set(key, body, timeout)


def patch_caching_headers(response, *, authenticated: bool):
    """Mark a representation public (shared caches may keep it) or private."""
    if authenticated:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(
            response,
            public=True,
            max_age=settings.CACHE_MAX_AGE,
            stale_while_revalidate=settings.CACHE_STALE_WHILE_REVALIDATE,
        )
    patch_vary_headers(response, VARY)
    return response


def request_etags(header: str) -> set[str]:
    """Return the entity tags a conditional header lists, weak ones made strong
    ("*" stays "*"; what is not an entity tag is left out)."""
    return {tag.removeprefix("W/") for tag in parse_etags(header)}


def if_none_match(request) -> set[str]:
    """Return the entity tags of the request's If-None-Match, weak ones made strong."""
    return request_etags(request.headers.get("If-None-Match", ""))


def versioned_answer(
    request,
    *,
    etag: str,
    key: str,
    render: Callable[[], bytes | HttpResponseBase],
    content_type: str,
    resource: str,
) -> HttpResponseBase:
    """Answer a versioned representation: 304, cached bytes, or render and store.

    A 304 when the request's If-None-Match holds `etag`; otherwise the body cached
    under `key`, or `render()`'s, stored there. `render` may return a response
    instead of bytes: an error (not a 200) is answered as it is, neither cached
    nor marked public. The answer carries the ETag and the caching headers.
    `resource` (resource_version) names what the stored body's budget counts against.
    """
    response: HttpResponseBase
    if etag in if_none_match(request):
        response = HttpResponseNotModified()
    else:
        body = get_cached(key)
        if body is None:
            built = render()
            if isinstance(built, HttpResponseBase):
                if built.status_code != 200 or not isinstance(built, HttpResponse):
                    return built
                built = built.content
            body = built
            set_cached(key, body, resource=resource)
        response = HttpResponse(body, content_type=content_type)
    response["ETag"] = etag
    return patch_caching_headers(response, authenticated=request.user.is_authenticated)
