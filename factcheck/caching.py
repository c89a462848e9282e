"""Shared cache of rendered representations, keyed by what they are made of.

A representation depends on the versions of the resources it shows (a claim, a
metric, the claims lists: claims.selectors.versions; docs/caching.md). Its ETag and
key name those versions, the request's URL with the query parameters the endpoint
reads (canonical_url), the format and the deployment (the code and settings a
representation is written with), so a write never needs to find and delete
entries and a stale entry can never be served: a new version is a new key. What one
resource keeps at one version is bounded (REPRESENTATION_CACHE_BUDGET bytes),
whatever its clients ask for.

Anonymous reads are also kept whole (body and headers) under the request itself
(answer_key) and answered by factcheck.middleware.CachedAnswerMiddleware before
the framework runs: one cache read, then one query checking the versions the
answer was built at (answer_from).
"""

import dataclasses
import functools
import hashlib
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponse, HttpResponseBase, HttpResponseNotModified
from django.utils.cache import cc_delim_re, patch_cache_control, patch_vary_headers
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
# The header naming the resources an anonymous answer shows (its versions' names,
# the epoch left out), space separated: the tags a front cache (Varnish's xkey,
# docs/frontcache.md) files the answer under, and frontcache purges by.
SURROGATE_KEY_HEADER = "xkey"
# Who a representation is written for when it is the same for every reader; a view
# whose answer depends on the reader names its audiences itself (a claim's staff
# read shows working notes): each has its own ETags and keys, and only this one's
# answers are kept for anonymous reads (keep_answer).
PUBLIC_AUDIENCE = "public"
# The version every representation also depends on: bumped where a write cannot be
# traced to rows (TRUNCATE). Versions are read with it (claims.selectors.versions).
EPOCH = "*"

VersionReader = Callable[[Collection[str]], dict[str, int]]
_version_reader: list[VersionReader] = []


def register_version_reader(reader: VersionReader) -> None:
    """Set the function returning the current versions of named resources.

    The app holding the versions registers it (claims.apps); the epoch is always
    among what it returns.
    """
    _version_reader[:] = [reader]


def current_versions(resources: Collection[str]) -> dict[str, int]:
    """Return the current versions of `resources` and of the epoch, in one query."""
    return _version_reader[0](resources)


def surrogate_keys(resources: Collection[str]) -> str:
    """Return the tags of an answer showing `resources`: their names, sorted."""
    return " ".join(sorted(name for name in resources if name != EPOCH))


def version_token(versions: Mapping[str, int]) -> str:
    """Return the versions as an ETag's version part: their values, by name."""
    return "-".join(str(versions[name]) for name in sorted(versions))


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


def representation_etag(version: int | str, *parts: object, prefix: str = "") -> str:
    """Return a strong ETag for what `parts` name at `version` (version_token)."""
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
    kept = get_cached(key)
    if kept is not None:
        return kept[0]
    body = build()
    set_cached(key, body, resource=resource)
    return body


def get_cached(key: str) -> tuple[bytes, float] | None:
    """Return the body cached under `key` and when it was stored, or None."""
    kept = caches[settings.REPRESENTATION_CACHE].get(key)
    if kept is None:
        return None
    stored, body = kept
    return body, stored


def set_cached(key: str, body: bytes, *, resource: str) -> None:
    """Keep `body` under `key`, unless read inside a transaction of the request's
    or `resource` (resource_version) already keeps its budget of bytes.

    The budget bounds what any number of clients can add by varying a query (each
    search, filter value and cursor is a variant): past it a variant is answered,
    built each time, and not kept. A new version of the resource has a new budget.
    """
    if in_transaction() or not within_budget(resource, len(body)):
        return
    cache = caches[settings.REPRESENTATION_CACHE]
    cache.set(key, (time.time(), body), settings.REPRESENTATION_CACHE_TIMEOUT)


def within_budget(resource: str, size: int) -> bool:
    """Count `size` bytes against `resource`'s budget; return whether they fit."""
    cache = caches[settings.REPRESENTATION_CACHE]
    timeout = settings.REPRESENTATION_CACHE_TIMEOUT
    spent_key = f"budget:{deployment()}:{resource}"
    cache.add(spent_key, 0, timeout)
    try:
        spent = cache.incr(spent_key, size)
    except ValueError:  # evicted since add(): count nothing, keep nothing
        return False
    return spent <= settings.REPRESENTATION_CACHE_BUDGET


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


@dataclass(frozen=True)
class Versioned:
    """What a versioned answer was built at, for CachedAnswerMiddleware to keep it.

    Set on the response as `response.versioned`; `throttle` names the anonymous
    throttle scope that counts the answer's reads ("" for none); `audience` who the
    body was written for (only PUBLIC_AUDIENCE answers are kept).
    """

    versions: Mapping[str, int]
    etag: str
    resource: str
    url: str
    throttle: str = ""
    audience: str = PUBLIC_AUDIENCE


def versioned_answer(
    request,
    *,
    etag: str,
    key: str,
    render: Callable[[], bytes | HttpResponseBase],
    content_type: str,
    resource: str,
    versions: Mapping[str, int] | None = None,
    url: str = "",
    audience: str = PUBLIC_AUDIENCE,
) -> HttpResponseBase:
    """Answer a versioned representation: 304, cached bytes, or render and store.

    A 304 when the request's If-None-Match holds `etag`; otherwise the body cached
    under `key`, or `render()`'s, stored there. `render` may return a response
    instead of bytes: an error (not a 200) is answered as it is, neither cached
    nor marked public. The answer carries the ETag, the caching headers and
    X-Cache (hit: nothing was built; with Age when the body came from the store);
    an anonymous answer with `versions` names them in SURROGATE_KEY_HEADER.
    `resource` (resource_version) names what the stored body's budget counts
    against; `versions` are those `etag` was made of, read before any row; `url`
    the request's canonical_url with the parameters the answer reads. Without
    `versions` (an answer versioned by something else than resource versions: the
    events feed's position), the answer is not kept for CachedAnswerMiddleware,
    which could not tell when it goes stale; the view still answers 304s and kept
    bodies under `key`. `audience` names who the body is written for: a body for
    any other than PUBLIC_AUDIENCE must have `etag` and `key` of its own (they name
    the audience) and is never kept for anonymous reads.
    """
    response: HttpResponseBase
    if etag in if_none_match(request):
        response = HttpResponseNotModified()
        response["X-Cache"] = "hit"
    else:
        kept = get_cached(key)
        if kept is None:
            built = render()
            if isinstance(built, HttpResponseBase):
                if built.status_code != 200 or not isinstance(built, HttpResponse):
                    return built
                built = built.content
            body = built
            set_cached(key, body, resource=resource)
            response = HttpResponse(body, content_type=content_type)
            response["X-Cache"] = "miss"
        else:
            body, stored = kept
            response = HttpResponse(body, content_type=content_type)
            response["X-Cache"] = "hit"
            response["Age"] = str(age(stored))
        if versions is not None:
            response.versioned = Versioned(  # type: ignore[attr-defined]
                versions=dict(versions),
                etag=etag,
                resource=resource,
                url=url,
                audience=audience,
            )
    response["ETag"] = etag
    authenticated = request.user.is_authenticated
    if versions is not None and not authenticated:
        # The same versions the ETag is made of: one rule decides what an answer
        # shows, for the store here and for the front cache's purges.
        response[SURROGATE_KEY_HEADER] = surrogate_keys(versions)
    return patch_caching_headers(response, authenticated=authenticated)


def versions_read(request) -> Mapping[str, int]:
    """Return the versions this request has read already (answer_from), or {}.

    Read before any row, from the database the request reads from: a view whose
    answer depends on exactly these resources may use them as its own.
    """
    return getattr(request, "versions_read", None) or {}


def mark_throttled(response: HttpResponseBase, scope: str) -> HttpResponseBase:
    """Say on a versioned answer which anonymous throttle scope counts its reads."""
    versioned = getattr(response, "versioned", None)
    if versioned is not None:
        response.versioned = dataclasses.replace(  # type: ignore[attr-defined]
            versioned, throttle=scope
        )
    return response


def age(stored: float) -> int:
    """Return the whole seconds since `stored` (a time.time()), never below 0."""
    return max(0, int(time.time() - stored))


# Answers kept whole for anonymous reads (CachedAnswerMiddleware) ----------------

# A request carrying one of these is not anonymous, or may be answered for it alone
# (a flash message): it is neither answered from nor kept in the store.
PRIVATE_COOKIES = ("messages",)
# A kept answer varies by nothing but the key: Cookie and Authorization are absent
# from every request it is kept for or answered to, Accept is in the key.
KEYED_VARY = frozenset({"accept", "authorization", "cookie"})
# What a 304 repeats of the answer it stands for (RFC 9110 15.4.5).
NOT_MODIFIED_HEADERS = ("Cache-Control", "Vary", "Expires", "Content-Location")


def answer_key(request, private_cookies: Collection[str]) -> str | None:
    """Return the key of the answer kept for this request, or None: not one to keep.

    Only an anonymous read has one: GET or HEAD, without Authorization and without
    a session or any of `private_cookies`. The key names the deployment, the scheme,
    the Host (as validated by ALLOWED_HOSTS), the path, every query parameter in
    one order and the Accept header (the negotiated representation depends on it
    and the ?format= parameter, which is in the query).
    """
    if request.method not in {"GET", "HEAD"}:
        return None
    if request.META.get("HTTP_AUTHORIZATION"):
        return None
    cookies = request.COOKIES
    if any(name in cookies for name in (*PRIVATE_COOKIES, *private_cookies)):
        return None
    try:
        url = canonical_url(request, set(request.GET))
    except DisallowedHost:  # the framework answers it 400
        return None
    accept = " ".join(request.META.get("HTTP_ACCEPT", "").split())
    encoded = orjson.dumps([deployment(), url, accept])
    return "answer:" + hashlib.sha256(encoded).hexdigest()


def get_answer(key: str) -> dict[str, Any] | None:
    """Return the answer kept under `key`, or None."""
    return caches[settings.REPRESENTATION_CACHE].get(key)


def answer_from(request, kept: Mapping[str, Any]) -> HttpResponseBase | None:
    """Return the kept answer (or a 304) if its versions are current, else None.

    The versions read are left on the request (versions_read): a view that
    depends on the same resources reads them from there, not again.
    """
    current = current_versions(kept["versions"])
    request.versions_read = current
    if current != kept["versions"]:
        return None
    response: HttpResponseBase
    if kept["etag"] in if_none_match(request):
        response = HttpResponseNotModified()
        headers = dict(kept["headers"])
        for name in NOT_MODIFIED_HEADERS:
            if name in headers:
                response[name] = headers[name]
        response["ETag"] = kept["etag"]
    else:
        response = HttpResponse(kept["body"], status=200)
        for name, value in kept["headers"]:
            response[name] = value
        response["Content-Length"] = str(len(kept["body"]))
    response["X-Cache"] = "hit"
    response["Age"] = str(age(kept["stored"]))
    return response


def keep_answer(request, key: str, response: HttpResponseBase) -> None:
    """Keep a versioned anonymous 200 under `key`, whole, if it is the same for all.

    Kept only when asked by GET without any cookie (a cookie-less request can be
    answered nothing of another's), answered 200 by a versioned answer written for
    the public (PUBLIC_AUDIENCE: never a staff body, whatever its headers) and marked
    public, setting no cookie, not compressed and varying by nothing the key
    does not hold; within its resource's budget, outside a transaction; and only
    when the request has no query parameter the answer does not read (utm_source,
    a cache buster), so those add no entry: they are answered by the view from the
    body kept under the parameters it reads.
    """
    versioned = getattr(response, "versioned", None)
    if (
        versioned is None
        or versioned.audience != PUBLIC_AUDIENCE
        or request.method != "GET"
        or request.META.get("HTTP_COOKIE")
        or response.status_code != 200
        or not isinstance(response, HttpResponse)
        or response.cookies
        or response.has_header("Content-Encoding")
        or "public" not in response.get("Cache-Control", "")
        or in_transaction()
    ):
        return
    vary = {
        name.strip().lower()
        for name in cc_delim_re.split(response.get("Vary", ""))
        if name.strip()
    }
    if not vary <= KEYED_VARY:
        return
    if canonical_url(request, set(request.GET)) != versioned.url:
        return
    body = response.content
    if not within_budget(f"answer:{versioned.resource}", len(body)):
        return
    headers = [
        (name, value)
        for name, value in response.items()
        if name.lower() not in {"x-cache", "age", "content-length"}
    ]
    kept = {
        "versions": dict(versioned.versions),
        "etag": versioned.etag,
        "headers": headers,
        "body": body,
        "stored": time.time(),
        "throttle": versioned.throttle,
    }
    cache = caches[settings.REPRESENTATION_CACHE]
    cache.set(key, kept, settings.REPRESENTATION_CACHE_TIMEOUT)
