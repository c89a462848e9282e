"""Shared cache of rendered representations, keyed by what they are made of.

A key names a representation's version (claims.selectors.versions), the request's
path and full query string, the format and the deployment (the code and settings
a representation is written with), so a write never needs to find and delete
entries and a stale entry can never be served: a new version is a new key.
"""

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

import orjson
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils.cache import patch_cache_control, patch_vary_headers

ROOT = Path(__file__).resolve().parent.parent
# The code representations are written by: a deployment that changes it gets new
# keys, so entries another version of the code wrote are never served.
CODE_PACKAGES = ("claims", "sources", "series", "factcheck")
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


def in_transaction() -> bool:
    """Return whether a transaction of the request's own is open (a test's is not).

    A representation read inside a write's transaction may never commit, and its
    version bump with it: it is not cached.
    """
    return any(
        not getattr(block, "_from_testcase", False)
        for block in connection.atomic_blocks
    )


def cached_body(key: str, build: Callable[[], bytes]) -> bytes:
    """Return the cached body under `key`, building and storing it when missing."""
    body = get_cached(key)
    if body is None:
        body = build()
        set_cached(key, body)
    return body


def get_cached(key: str) -> bytes | None:
    """Return the body cached under `key`, or None."""
    return caches[settings.REPRESENTATION_CACHE].get(key)


def set_cached(key: str, body: bytes) -> None:
    """Keep `body` under `key`, unless read inside a transaction of the request's."""
    if not in_transaction():
        caches[settings.REPRESENTATION_CACHE].set(
            key, body, settings.REPRESENTATION_CACHE_TIMEOUT
        )


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


def if_none_match(request) -> set[str]:
    """Return the entity tags of the request's If-None-Match, weak ones made strong."""
    header = request.headers.get("If-None-Match", "")
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
