"""The shared cache of representations on locmem and on a real Redis server."""

import os

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Claim
from factcheck.caching import cached_body, deployment, representation_etag
from tests.factories import FigureClaimFactory

pytestmark = pytest.mark.django_db


def _redis_test_url() -> str:
    """Return REDIS_TEST_URL, one database further for each pytest-xdist worker.

    The tests clear their database (FLUSHDB): two workers on one database would
    clear each other's entries mid-test.
    """
    url = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/3")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1", ... or ""
    if not worker.startswith("gw"):
        return url
    base, _, number = url.rpartition("/")
    if not number.isdigit():
        return url
    return f"{base}/{int(number) + 1 + int(worker[2:])}"


REDIS_TEST_URL = _redis_test_url()
CLAIMS = "/api/v1/claims/"


def redis_reachable() -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        return bool(redis.Redis.from_url(REDIS_TEST_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def cache_backend(request):
    """Run the test on each process's memory, then on the Redis server."""
    if request.param == "locmem":
        backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    else:
        if not redis_reachable():
            pytest.skip(f"no Redis server at {REDIS_TEST_URL}")
        backend = {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": "factcheck-tests",
        }
    with override_settings(CACHES={"default": backend}):
        caches["default"].clear()
        yield request.param
        caches["default"].clear()


def test_the_backend_under_test_is_the_one_configured(cache_backend):
    name = type(caches[settings.REPRESENTATION_CACHE]).__name__
    assert name == {"locmem": "LocMemCache", "redis": "RedisCache"}[cache_backend]


def test_a_body_is_built_once_then_read_from_the_cache(cache_backend):
    built = []

    def build() -> bytes:
        built.append(1)
        return b'{"ok": true}'

    assert cached_body("test:key", build, resource="test:1") == b'{"ok": true}'
    assert cached_body("test:key", build, resource="test:1") == b'{"ok": true}'
    assert len(built) == 1


def test_reads_through_the_cache_see_a_bulk_update_at_once(
    cache_backend, django_assert_num_queries
):
    api = APIClient()
    claim = FigureClaimFactory()
    url = f"{CLAIMS}{claim.pk}/"
    first = api.get(url)
    with django_assert_num_queries(1):  # the version; the body is the cached one
        assert api.get(url).content == first.content
    Claim.objects.filter(pk=claim.pk).update(text="Changed by QuerySet.update.")
    assert api.get(url).json()["text"] == "Changed by QuerySet.update."
    assert api.get(CLAIMS).json()["results"][0]["text"] == (
        "Changed by QuerySet.update."
    )


def test_etags_differ_by_version_and_by_request():
    assert representation_etag(1, "/a/", "") != representation_etag(2, "/a/", "")
    assert representation_etag(1, "/a/", "") != representation_etag(1, "/a/", "q=x")
    assert representation_etag(1, "/a/", "", prefix="7.3.").startswith('"7.3.1.')


def test_the_deployment_digest_follows_the_settings_representations_show():
    before = deployment()
    deployment.cache_clear()
    try:
        with override_settings(TIME_ZONE="Asia/Tehran"):
            assert deployment() != before
        deployment.cache_clear()
        assert deployment() == before
    finally:
        deployment.cache_clear()


# One primitive for versioned reads (factcheck.caching.versioned_answer) -------


def answer(rf, render, *, if_none_match: str = ""):
    from django.contrib.auth.models import AnonymousUser

    from factcheck.caching import versioned_answer

    request = rf.get("/thing/", HTTP_IF_NONE_MATCH=if_none_match)
    request.user = AnonymousUser()
    return versioned_answer(
        request,
        etag='"7.abc"',
        key="test:thing",
        render=render,
        content_type="x/y",
        resource="test:thing:7",
        versions={"thing:1": 7},
    )


def test_a_versioned_answer_is_rendered_once_then_cached_then_304(rf, cache_backend):
    rendered = []

    def render() -> bytes:
        rendered.append(1)
        return b"body"

    first, second = answer(rf, render), answer(rf, render)
    held = answer(rf, render, if_none_match='W/"7.abc", "other"')

    assert (first.content, second.content) == (b"body", b"body")
    assert (first["ETag"], first["Content-Type"]) == ('"7.abc"', "x/y")
    assert "public" in first["Cache-Control"]
    assert (held.status_code, held["ETag"]) == (304, '"7.abc"')
    assert rendered == [1]


def test_a_versioned_answer_that_fails_is_neither_cached_nor_public(rf, cache_backend):
    from django.http import HttpResponseBadRequest

    failed = answer(rf, lambda: HttpResponseBadRequest(b"bad page"))
    retried = answer(rf, lambda: b"body")

    assert failed.status_code == 400
    assert not failed.has_header("ETag")
    assert retried.content == b"body"


def test_entity_tags_are_read_as_rfc_9110_has_them():
    from factcheck.caching import request_etags

    # Weak tags compare as strong ones; what is not a quoted tag is left out.
    assert request_etags('W/"a.1" , "c",unquoted') == {'"a.1"', '"c"'}
    assert request_etags("*") == {"*"}
    assert request_etags("") == set()


def test_thirty_junk_parameters_add_nothing_to_the_cache(cache_backend):
    api = APIClient()
    claim = FigureClaimFactory()
    for url in (CLAIMS, f"{CLAIMS}{claim.pk}/", "/api/v1/claimreview/"):
        plain = api.get(url)
        stored = representation_entries()
        for number in range(30):
            noisy = api.get(url, {"junk": str(number)})
            # Ignored, as on every list: the same answer under the same key.
            assert noisy.status_code == plain.status_code, url
            assert noisy["ETag"] == plain["ETag"], url
        assert representation_entries() == stored, url


def test_a_kept_page_links_only_the_parameters_it_reads(cache_backend):
    api = APIClient()
    FigureClaimFactory.create_batch(3)
    first = api.get(CLAIMS, {"page_size": 1, "utm_source": "someone-else"}).json()
    assert "utm_source" not in first["next"]
    assert "page_size=1" in first["next"]
    assert api.get(CLAIMS, {"page_size": 1}).json() == first


def test_parameters_in_another_order_share_one_etag_and_one_cached_body(
    cache_backend, django_assert_num_queries
):
    api = APIClient()
    claim = FigureClaimFactory()
    first = api.get(f"{CLAIMS}?unit={claim.unit}&page_size=5&ordering=value")
    with django_assert_num_queries(1):  # the version; the body is the cached one
        second = api.get(f"{CLAIMS}?ordering=value&page_size=5&unit={claim.unit}")
    assert second["ETag"] == first["ETag"]
    assert second.content == first.content


def test_a_repeated_parameter_keeps_its_values_order_in_the_key():
    api = APIClient()
    claim = FigureClaimFactory()
    # The last value of a one-valued parameter is the one read: not the same answer.
    one = api.get(f"{CLAIMS}?unit=ZZZ&unit={claim.unit}")
    other = api.get(f"{CLAIMS}?unit={claim.unit}&unit=ZZZ")
    assert len(one.json()["results"]) == 1
    assert other.json()["results"] == []
    assert one["ETag"] != other["ETag"]


def test_a_resource_version_keeps_at_most_its_budget_of_variants(
    cache_backend, django_assert_num_queries
):
    api = APIClient()
    FigureClaimFactory()
    # Each variant is an empty page of about the same size (test data, no such units).
    size = len(api.get(CLAIMS, {"unit": "U0"}).content)
    caches["default"].clear()
    with override_settings(REPRESENTATION_CACHE_BUDGET=size * 3 + size // 2):
        for number in range(10):
            assert api.get(CLAIMS, {"unit": f"U{number}"}).status_code == 200
        cached = []
        for number in range(10):
            with CaptureQueriesContext(connection) as queries:
                api.get(CLAIMS, {"unit": f"U{number}"})
            cached.append(len(queries) == 1)
    # The first three were kept; the others answered right, only not kept.
    assert cached == [True] * 3 + [False] * 7


def test_a_public_page_ignores_unknown_parameters_in_its_key(
    cache_backend, django_assert_num_queries
):
    client = Client()
    claim = FigureClaimFactory()
    slug = claim.metric.slug
    first = client.get(f"/metrics/{slug}/?utm_source=newsletter&page=1")
    with django_assert_num_queries(1):
        second = client.get(f"/metrics/{slug}/?page=1&fbclid=abc")
    assert first.status_code == second.status_code == 200
    assert second["ETag"] == first["ETag"]
    # The parameter a page reads is in its key.
    assert client.get(f"/metrics/{slug}/")["ETag"] != first["ETag"]


def representation_entries() -> int:
    """Return how many representation entries the cache under test holds."""
    cache = caches["default"]
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):  # locmem
        keys = list(cache._cache)
    else:
        client = cache._cache.get_client(write=False)
        keys = client.keys("*")
    return sum(b"representation:" in str(key).encode() for key in keys)
