"""The shared cache of representations on locmem and on a real Redis server."""

import os
import re

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
        url="http://testserver/thing/",
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
        stored, answers = representation_entries(), kept_answers()
        for number in range(30):
            noisy = api.get(url, {"junk": str(number)})
            # Ignored, as on every list: the same answer under the same key.
            assert noisy.status_code == plain.status_code, url
            assert noisy["ETag"] == plain["ETag"], url
        assert representation_entries() == stored, url
        assert kept_answers() == answers, url


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


# Versions per resource: a write invalidates what it shows in, nothing else ------


def test_a_write_to_one_claim_keeps_the_other_claims_and_metrics_answers(
    cache_backend,
):
    api, pages = APIClient(), Client()
    # Made for this test: A and B on one metric, C on another.
    a = FigureClaimFactory()
    b = FigureClaimFactory(metric=a.metric)
    c = FigureClaimFactory()
    urls = {
        "a": f"{CLAIMS}{a.pk}/",
        "b": f"{CLAIMS}{b.pk}/",
        "b page": f"/claims/{b.pk}/",
        "c figures": f"/api/v1/metrics/{c.metric.slug}/figures/",
        "c page": f"/metrics/{c.metric.slug}/",
        "a figures": f"/api/v1/metrics/{a.metric.slug}/figures/",
    }
    for url in urls.values():
        assert pages.get(url).status_code == 200
    Claim.objects.filter(pk=a.pk).update(text="Changed by a bulk update.")
    x_cache = {name: pages.get(url)["X-Cache"] for name, url in urls.items()}
    assert x_cache == {
        "a": "miss",
        "b": "hit",
        "b page": "hit",
        "c figures": "hit",
        "c page": "hit",
        "a figures": "miss",  # A's metric shows A
    }
    assert api.get(urls["a"]).json()["text"] == "Changed by a bulk update."


def test_raw_sql_invalidates_the_answers_of_the_claim_it_touches(cache_backend):
    client = Client()
    a, b = FigureClaimFactory(), FigureClaimFactory()
    for claim in (a, b):
        client.get(f"/claims/{claim.pk}/")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_claim SET text = %s WHERE id = %s",
            ["Rewritten in raw SQL, made for this test.", a.pk],
        )
    changed = client.get(f"/claims/{a.pk}/")
    assert changed["X-Cache"] == "miss"
    assert "Rewritten in raw SQL" in changed.content.decode()
    assert client.get(f"/claims/{b.pk}/")["X-Cache"] == "hit"


def test_a_bulk_update_invalidates_every_claim_it_touches_and_the_list(
    cache_backend,
):
    client = Client()
    claims = FigureClaimFactory.create_batch(3)
    for claim in claims:
        client.get(f"{CLAIMS}{claim.pk}/")
    client.get(CLAIMS)
    touched = [claim.pk for claim in claims[:2]]
    Claim.objects.filter(pk__in=touched).update(text="Bulk, for this test.")
    assert [client.get(f"{CLAIMS}{pk}/")["X-Cache"] for pk in touched] == [
        "miss",
        "miss",
    ]
    assert client.get(f"{CLAIMS}{claims[2].pk}/")["X-Cache"] == "hit"
    listed = client.get(CLAIMS)
    assert listed["X-Cache"] == "miss"
    texts = {row["id"]: row["text"] for row in listed.json()["results"]}
    assert [texts[pk] for pk in touched] == ["Bulk, for this test."] * 2


# Answers before the framework (factcheck.middleware.CachedAnswerMiddleware) -----


@pytest.fixture
def no_framework(monkeypatch):
    """Make DRF's views and the public pages fail if they run."""

    def refuse(*args, **kwargs):
        raise AssertionError("the framework ran")

    def stop():
        monkeypatch.setattr("rest_framework.views.APIView.dispatch", refuse)
        monkeypatch.setattr(
            "django.contrib.sessions.middleware.SessionMiddleware.process_request",
            refuse,
        )

    return stop


@pytest.mark.parametrize("kind", ["list", "detail", "claim page", "metric page"])
def test_a_kept_answer_is_served_before_the_framework_in_one_query(
    cache_backend, no_framework, django_assert_num_queries, kind
):
    client = Client()
    claim = FigureClaimFactory()
    url = {
        "list": CLAIMS,
        "detail": f"{CLAIMS}{claim.pk}/",
        "claim page": f"/claims/{claim.pk}/",
        "metric page": f"/metrics/{claim.metric.slug}/",
    }[kind]
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    assert not first.has_header("Age")
    no_framework()
    with django_assert_num_queries(1):  # the versions
        hit = client.get(url)
    assert hit["X-Cache"] == "hit"
    assert int(hit["Age"]) >= 0
    assert hit.content == first.content
    for header in ("ETag", "Content-Type", "Cache-Control", "Vary"):
        assert hit[header] == first[header], header
    with django_assert_num_queries(1):
        not_modified = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == first["ETag"]
    assert not_modified["X-Cache"] == "hit"
    assert client.head(url)["X-Cache"] == "hit"


def test_age_counts_the_seconds_since_the_answer_was_kept(cache_backend, monkeypatch):
    import time

    client = Client()
    claim = FigureClaimFactory()
    client.get(f"/claims/{claim.pk}/")
    now = time.time()
    monkeypatch.setattr("factcheck.caching.time.time", lambda: now + 42.5)
    assert int(client.get(f"/claims/{claim.pk}/")["Age"]) in {42, 43}


def test_anonymous_throttling_holds_for_answers_served_before_the_framework(
    cache_backend, monkeypatch
):
    from rest_framework.settings import api_settings
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    client = Client()
    FigureClaimFactory()
    responses = [client.get(CLAIMS) for _ in range(5)]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert [r.get("X-Cache") for r in responses[:3]] == ["miss", "hit", "hit"]
    assert int(responses[3]["Retry-After"]) > 0
    assert "throttled" in responses[3].json()["detail"]
    # Another client has its own count; public pages are not throttled.
    assert client.get(CLAIMS, REMOTE_ADDR="192.0.2.7").status_code == 200


# Poisoning: one client's answer is never served to another ----------------------


def test_an_odd_accept_gets_its_own_representation(cache_backend):
    client = Client()
    FigureClaimFactory()
    json_first = client.get(CLAIMS)
    html = client.get(CLAIMS, HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    again = client.get(CLAIMS)
    assert again["Content-Type"] == json_first["Content-Type"]
    assert again.content == json_first.content
    # An Accept asked first is kept (or not) for that Accept alone.
    caches["default"].clear()
    for accept in ("text/html", "application/xml", "*/*;q=0.1, text/csv"):
        odd = client.get(CLAIMS, HTTP_ACCEPT=accept)
        plain = client.get(CLAIMS)
        assert plain["Content-Type"] == json_first["Content-Type"], accept
        assert plain.json() == json_first.json(), accept
        assert odd.get("X-Cache") != "hit", accept


def test_a_compressed_answer_is_never_kept_for_another_encoding(
    cache_backend, settings
):
    position = settings.MIDDLEWARE.index("factcheck.middleware.CachedAnswerMiddleware")
    # GZip inside the store: the answers reaching it are compressed.
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: position + 1],
        "django.middleware.gzip.GZipMiddleware",
        *settings.MIDDLEWARE[position + 1 :],
    ]
    client = Client()
    FigureClaimFactory.create_batch(3)
    compressed = client.get(CLAIMS, HTTP_ACCEPT_ENCODING="gzip")
    assert compressed["Content-Encoding"] == "gzip"
    assert kept_answers() == 0
    plain = client.get(CLAIMS)
    assert not plain.has_header("Content-Encoding")
    assert plain.json()["results"]


def test_query_parameters_in_another_order_are_one_kept_answer(cache_backend):
    client = Client()
    claim = FigureClaimFactory()
    first = client.get(f"{CLAIMS}?unit={claim.unit}&page_size=5")
    hit = client.get(f"{CLAIMS}?page_size=5&unit={claim.unit}")
    assert hit["X-Cache"] == "hit"
    assert hit.content == first.content
    other = client.get(f"{CLAIMS}?page_size=5&unit=ZZZ")
    assert other["X-Cache"] == "miss"
    assert other.json()["results"] == []


def test_a_forged_host_is_refused_and_never_names_another_hosts_answer(
    cache_backend,
):
    client = Client()
    FigureClaimFactory.create_batch(2)
    assert client.get(CLAIMS, HTTP_HOST="evil.example").status_code == 400
    forwarded = client.get(
        CLAIMS, {"page_size": 1}, HTTP_X_FORWARDED_HOST="evil.example"
    )
    assert "evil.example" not in forwarded.content.decode()
    for host in ("localhost", "testserver", "localhost"):
        page = client.get(CLAIMS, {"page_size": 1}, HTTP_HOST=host).json()
        assert page["next"].startswith(f"http://{host}/")


def test_a_signed_in_read_is_neither_served_from_nor_kept_in_the_store(
    cache_backend, superuser
):
    claim = FigureClaimFactory()
    url = f"{CLAIMS}{claim.pk}/"
    anonymous = Client()
    assert anonymous.get(url)["X-Cache"] == "miss"
    assert kept_answers() == 1
    signed_in = Client()
    signed_in.force_login(superuser)
    answer = signed_in.get(url)
    assert "private" in answer["Cache-Control"]
    assert "public" not in answer["Cache-Control"]
    # Kept for anonymous clients only: the signed-in answer left nothing there.
    caches["default"].clear()
    signed_in.get(url)
    assert kept_answers() == 0
    assert "public" in anonymous.get(url)["Cache-Control"]
    assert kept_answers() == 1


def test_a_token_read_is_never_served_the_anonymous_answer(cache_backend, superuser):
    from rest_framework.authtoken.models import Token

    claim = FigureClaimFactory()
    url = f"{CLAIMS}{claim.pk}/"
    Client().get(url)
    token = Token.objects.create(user=superuser)
    answer = Client().get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert answer["X-Cache"] != "hit" or "private" in answer["Cache-Control"]
    assert "private" in answer["Cache-Control"]


def test_cookies_on_an_anonymous_read_are_never_kept(cache_backend, no_framework):
    claim = FigureClaimFactory()
    url = f"/claims/{claim.pk}/"
    with_cookie = Client()
    with_cookie.cookies["theme"] = "dark"  # made for this test
    assert with_cookie.get(url)["X-Cache"] == "miss"
    # The answer asked with a cookie was not kept for anyone.
    assert kept_answers() == 0
    plain = Client()
    plain.get(url)
    assert kept_answers() == 1
    # An answer the same for all may be served to it (before the framework, which
    # would not run)...
    no_framework()
    assert with_cookie.get(url)["X-Cache"] == "hit"
    # ... but a session, a message or a recent write is never answered from it.
    for name in ("sessionid", "messages", "factcheck_wrote"):
        private = Client()
        private.cookies[name] = "made-for-this-test"
        with pytest.raises(AssertionError, match="the framework ran"):
            private.get(url)


def kept_answers() -> int:
    """Return how many whole answers (CachedAnswerMiddleware) the cache holds."""
    cache = caches["default"]
    if hasattr(cache, "_cache") and isinstance(cache._cache, dict):  # locmem
        keys = list(cache._cache)
    else:
        client = cache._cache.get_client(write=False)
        keys = client.keys("*")
    kept = re.compile(r":\d+:answer:[0-9a-f]{64}$")
    return sum(
        bool(kept.search(str(key.decode() if isinstance(key, bytes) else key)))
        for key in keys
    )


# Audiences: staff read working notes, the public never does (issue 27) -----------

# Made up for these tests: no editor wrote it; an answer containing it leaks.
WORKING_NOTE = "MADE-UP-NOTE-9213: check the customs tables first"


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def audience_url(kind: str, claim) -> str:
    return {
        "detail": f"{CLAIMS}{claim.pk}/",
        "list": CLAIMS,
        "list, expanded": f"{CLAIMS}?expand=conflicts",
    }[kind]


@pytest.mark.parametrize("kind", ["detail", "list", "list, expanded"])
@pytest.mark.parametrize("first", ["staff", "public"])
def test_a_staff_body_is_never_answered_to_the_public_nor_the_other_way(
    cache_backend, superuser, kind, first
):
    claim = FigureClaimFactory(editor_note=WORKING_NOTE)
    url = audience_url(kind, claim)
    staff = staff_client(superuser)
    readers = {"staff": staff, "public": Client()}
    second = "public" if first == "staff" else "staff"
    answers = {first: readers[first].get(url)}
    # The other audience's first read is built for it, not the body just kept.
    answers[second] = readers[second].get(url)
    assert [answers[first]["X-Cache"], answers[second]["X-Cache"]] == ["miss"] * 2
    assert WORKING_NOTE in answers["staff"].content.decode()
    assert WORKING_NOTE not in answers["public"].content.decode()
    assert "editor_note" not in answers["public"].content.decode()
    assert answers["staff"]["ETag"] != answers["public"]["ETag"]
    # Each audience's next read is its own kept body (the public's before the
    # framework), never the other's.
    for _ in range(2):
        again_public = Client().get(url)
        again_staff = staff.get(url)
        assert again_public["X-Cache"] == again_staff["X-Cache"] == "hit"
        assert again_public.content == answers["public"].content
        assert again_staff.content == answers["staff"].content
    # One audience's ETag is no validator of the other's body.
    crossed = Client().get(url, HTTP_IF_NONE_MATCH=answers["staff"]["ETag"])
    assert crossed.status_code == 200
    assert WORKING_NOTE not in crossed.content.decode()
    crossed = staff.get(url, HTTP_IF_NONE_MATCH=answers["public"]["ETag"])
    assert crossed.status_code == 200
    assert WORKING_NOTE in crossed.content.decode()
    assert staff.get(url, HTTP_IF_NONE_MATCH=answers["staff"]["ETag"]).status_code == (
        304
    )


def test_a_staff_body_is_private_and_never_kept_for_anonymous_reads(
    cache_backend, superuser
):
    from rest_framework.authtoken.models import Token

    claim = FigureClaimFactory(editor_note=WORKING_NOTE)
    url = f"{CLAIMS}{claim.pk}/"
    token = Token.objects.create(user=superuser)
    by_session = staff_client(superuser).get(url)
    by_token = Client().get(url, HTTP_AUTHORIZATION=f"Token {token.key}")
    for answer in (by_session, by_token):
        assert WORKING_NOTE in answer.content.decode()
        assert "private" in answer["Cache-Control"]
        assert "public" not in answer["Cache-Control"]
        vary = {name.strip().lower() for name in answer["Vary"].split(",")}
        assert {"authorization", "cookie"} <= vary
    assert kept_answers() == 0
    public = Client().get(url)
    assert kept_answers() == 1
    assert WORKING_NOTE not in public.content.decode()


def test_a_signed_in_reader_without_a_role_gets_the_public_body(
    cache_backend, superuser
):
    from tests.factories import UserFactory

    claim = FigureClaimFactory(editor_note=WORKING_NOTE)
    url = f"{CLAIMS}{claim.pk}/"
    staff_client(superuser).get(url)
    plain = staff_client(UserFactory())
    answer = plain.get(url)
    assert WORKING_NOTE not in answer.content.decode()
    assert answer["ETag"] == Client().get(url)["ETag"]
    assert "private" in answer["Cache-Control"]


def test_an_answer_written_for_staff_is_never_kept_whatever_its_headers():
    from django.http import HttpResponse
    from django.test import RequestFactory

    from factcheck.caching import Versioned, answer_key, keep_answer

    request = RequestFactory().get(CLAIMS)
    response = HttpResponse(b"{}", content_type="application/json")
    response["Cache-Control"] = "public, max-age=60"
    response["Vary"] = "Accept, Authorization, Cookie"
    versioned = Versioned(
        versions={"*": 1},
        etag='"1.x"',
        resource="r",
        url="http://testserver/api/v1/claims/",
    )
    key = answer_key(request, ())
    for audience, kept in (("staff", 0), ("public", 1)):
        caches["default"].clear()
        response.versioned = Versioned(**{**versioned.__dict__, "audience": audience})
        keep_answer(request, key, response)
        assert kept_answers() == kept, audience
