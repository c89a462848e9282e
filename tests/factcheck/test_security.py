"""Deployment settings, security headers, login rate limits and who may reach what."""

import io
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.core.cache import cache
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from claims.ratings import Status
from reviews.models import ExternalReview
from reviews.services import import_reviews
from series.models import Comparison, MetricSeriesLink, Series
from sources.models import Person
from tests.factories import (
    CandidateFactory,
    ClaimFactory,
    ClaimLinkFactory,
    EvidenceFactory,
    FigureClaimFactory,
    PersonAliasFactory,
    UserFactory,
    user_in_group,
)
from tests.reviews import samples as review_samples
from tests.series.test_comparisons import annual, compared, link, load

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check_without_warnings():
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="factcheck.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="factcheck.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/claims/", "/api/docs/"])
def test_pages_carry_a_content_security_policy(client, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.django_db
def test_swagger_ui_has_no_inline_script_so_the_policy_allows_it(client):
    page = client.get("/api/docs/").content.decode()
    inline = [
        chunk
        for chunk in page.split("<script")[1:]
        if not chunk.lstrip().startswith("src=") and "src=" not in chunk.split(">")[0]
    ]
    assert inline == []


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_admin_login_attempts_are_rate_limited(client):
    UserFactory(username="target", is_staff=True)
    statuses = [
        client.post(
            "/admin/login/?next=/admin/",
            {"username": "target", "password": f"wrong-{attempt}"},
            REMOTE_ADDR="10.9.8.7",
        ).status_code
        for attempt in range(4)
    ]
    assert statuses[:2] == [200, 200]
    assert statuses[-1] == 429
    # Even the right password is refused while locked out.
    locked = client.post(
        "/admin/login/?next=/admin/",
        {"username": "target", "password": "correct horse battery staple"},
        REMOTE_ADDR="10.9.8.7",
    )
    assert locked.status_code == 429


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_token_endpoint_is_rate_limited_too():
    UserFactory(username="target")
    client = APIClient()
    statuses = [
        client.post(
            "/api/v1/auth/token/",
            {"username": "target", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.9.8.6",
        ).status_code
        for _ in range(4)
    ]
    assert statuses[0] == 400
    assert statuses[-1] == 429


PROXY = "10.0.0.2"  # every request arrives from the reverse proxy's address


def token_attempt(client, password, forwarded_for=None):
    """Ask for a token as `target` through the proxy; return the status code."""
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client.post(
        "/api/v1/auth/token/",
        {"username": "target", "password": password},
        format="json",
        REMOTE_ADDR=PROXY,
        **headers,
    ).status_code


@pytest.mark.django_db
@override_settings(
    AXES_ENABLED=True,
    AXES_FAILURE_LIMIT=3,
    TRUSTED_PROXY_HEADER="HTTP_X_FORWARDED_FOR",
    TRUSTED_PROXY_COUNT=1,
)
def test_behind_a_trusted_proxy_one_client_locked_out_leaves_the_others_in():
    UserFactory(username="target")
    client = APIClient()
    # The attacker rotates what it sends itself; the proxy appends its real address.
    attacker = [
        token_attempt(client, "wrong", f"192.0.2.{n}, 203.0.113.5") for n in range(4)
    ]
    colleague = token_attempt(client, "correct horse battery staple", "198.51.100.7")

    assert attacker[-1] == 429
    assert colleague == 200


@pytest.mark.django_db
@override_settings(
    AXES_ENABLED=True,
    AXES_FAILURE_LIMIT=3,
    TRUSTED_PROXY_HEADER="HTTP_X_FORWARDED_FOR",
    TRUSTED_PROXY_COUNT=2,
)
def test_the_address_is_read_as_many_proxies_from_the_right_as_are_trusted():
    UserFactory(username="target")
    client = APIClient()
    # Two proxies: the outer one appended the client, the inner one the outer proxy.
    attacker = [
        token_attempt(client, "wrong", f"192.0.2.{n}, 203.0.113.5, 10.0.0.1")
        for n in range(4)
    ]
    colleague = token_attempt(
        client, "correct horse battery staple", "198.51.100.7, 10.0.0.1"
    )

    assert attacker[-1] == 429
    assert colleague == 200


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored():
    UserFactory(username="target")
    client = APIClient()
    statuses = [token_attempt(client, "wrong", f"198.51.100.{n}") for n in range(4)]
    assert statuses[-1] == 429
    # Nor does a fresh header let the right password in from the locked address.
    assert token_attempt(client, "correct horse battery staple", "192.0.2.1") == 429


@pytest.mark.django_db
@pytest.mark.parametrize("forwarded_for", ["", "unknown", "not-an-ip, "])
@override_settings(
    AXES_ENABLED=True,
    AXES_FAILURE_LIMIT=3,
    TRUSTED_PROXY_HEADER="HTTP_X_FORWARDED_FOR",
    TRUSTED_PROXY_COUNT=2,
)
def test_a_forwarded_for_that_is_short_or_no_address_counts_the_proxy_address(
    forwarded_for,
):
    UserFactory(username="target")
    client = APIClient()
    statuses = [token_attempt(client, "wrong", forwarded_for) for _ in range(4)]
    assert statuses[0] == 400
    assert statuses[-1] == 429
    assert token_attempt(client, "correct horse battery staple") == 429


@pytest.mark.django_db
def test_anonymous_throttling_ignores_a_forwarded_for_no_proxy_was_trusted_with(
    monkeypatch,
):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/minute", "user": "9/minute"}
    )
    cache.clear()
    client = APIClient()
    statuses = [
        client.get(
            "/api/v1/claims/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}"
        ).status_code
        for n in range(3)
    ]
    cache.clear()
    assert statuses == [200, 200, 429]


def test_proxy_settings_come_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; "
            "print(s.TRUSTED_PROXY_HEADER, s.TRUSTED_PROXY_COUNT, "
            "s.REST_FRAMEWORK['NUM_PROXIES'])",
        ],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
            "DJANGO_TRUSTED_PROXY_HEADER": "X-Forwarded-For",
            "DJANGO_TRUSTED_PROXY_COUNT": "2",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.split() == ["HTTP_X_FORWARDED_FOR", "2", "2"]


# The permission walk ------------------------------------------------------------


def api_routes():
    """Yield every /api/v1/ route pattern with the names of its parameters."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern

    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") and "format" not in route:
            yield route, pattern


@pytest.fixture
def world(db):
    claim = FigureClaimFactory(status=Status.DISPUTED, rationale="Sources conflict.")
    ClaimLinkFactory(from_claim=claim)
    EvidenceFactory(claim=claim)
    PersonAliasFactory()
    CandidateFactory()
    # A row of each resource the series and reviews apps serve (values made up).
    link(claim.metric)
    load(annual("RUS", "IRN", "X", 2012, 1000))
    compared(claim)
    import_reviews(
        handle=io.BytesIO(review_samples.datafeed(review_samples.claim_review()))
    )
    return claim


def concrete(route: str, claim) -> str:
    """Fill a route's parameters with the id (or slug) of a row of its resource."""
    rows = {
        "documents": claim.document,
        "publishers": claim.document.publisher,
        "people": Person.objects.order_by("pk").first(),
        "evidence": claim.evidence.first(),
        "links": claim.links_from.first(),
        "claims": claim,
        "series": Series.objects.order_by("pk").first(),
        "series-links": MetricSeriesLink.objects.order_by("pk").first(),
        "comparisons": Comparison.objects.order_by("pk").first(),
        "reviews": ExternalReview.objects.order_by("pk").first(),
    }
    resource = route.removeprefix("api/v1/").split("/")[0].lstrip("^")

    def value(match):
        if match.group(1) == "slug":
            return claim.metric.slug
        return str(rows[resource].pk)

    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", value, route)
    path = re.sub(r"<(?:\w+:)?(\w+)>", value, path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


# Readable by their owners only, with tests of their own (test_jobs.py).
# Jobs and extraction's candidates are the desk's own work in progress: signed-in
# readers with the permission only (tests/claims/test_matching_api.py).
# Webhook subscriptions: staff holding the webhooks permissions only (below, and
# tests/webhooks/test_api.py).
PRIVATE_ROUTES = ("api/v1/jobs/", "api/v1/candidates/", "api/v1/webhooks/")


@pytest.mark.django_db
def test_every_api_route_reads_for_anyone_and_never_leaks_emails_or_hashes(world):
    users = {
        "anonymous": None,
        "editor": user_in_group("Editors", username="ed", email="ed@private.example"),
        "reviewer": user_in_group(
            "Reviewers", username="rev", email="rv@private.example"
        ),
    }
    world.created_by = users["editor"]
    world.save()
    checked = 0
    for route, _ in api_routes():
        if route.replace("^", "").startswith(PRIVATE_ROUTES):
            continue
        path = concrete(route, world)
        if path.endswith("auth/token/"):
            continue
        for role, user in users.items():
            client = APIClient()
            if user:
                client.force_login(user)
            response = client.get(path)
            if response.status_code == 405:  # a write-only action, e.g. extract/
                assert "GET" not in response["Allow"], path
                continue
            assert response.status_code == 200, (role, path, response.status_code)
            body = response.content.decode()
            assert "@private.example" not in body, (role, path)
            assert "md5$" not in body, (role, path)
            assert "pbkdf2" not in body, (role, path)
            checked += 1
    assert checked >= 3 * 14


@pytest.mark.django_db
def test_every_webhooks_route_is_for_staff_with_the_webhooks_permissions(world):
    from django.contrib.auth.models import Permission

    from webhooks.models import Subscription

    subscription = Subscription.objects.create(
        url="https://93.184.215.14/hook",  # made for this test
        event_types=["claim.created"],
        secret="whsec_bWFkZSBmb3IgdGhpcyB0ZXN0",  # made for this test
    )
    manager = UserFactory(is_staff=True, username="webhooks-manager")
    manager.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="webhooks")
    )
    routes = [
        route
        for route, _ in api_routes()
        if route.replace("^", "").startswith("api/v1/webhooks")
    ]
    assert len(routes) >= 4
    for route in routes:
        path = re.sub(r"\(\?P<(\w+)>[^)]*\)", str(subscription.pk), route)
        path = "/" + path.replace("^", "").replace("$", "")
        for user, expected in (
            (None, {401}),
            (UserFactory(username="no-role"), {403}),
            (user_in_group("Editors", username="ed-webhooks"), {403}),
            (manager, {200, 405}),
        ):
            client = APIClient()
            if user:
                client.force_login(user)
            status = client.get(path).status_code
            assert status in expected, (path, user, status)
            body = client.get(path).content.decode()
            assert "whsec_" not in body, path


WRITE_ROUTES = [
    ("post", "/api/v1/publishers/", {"name": "New outlet"}),
    ("post", "/api/v1/people/", {"name": "New person"}),
    (
        "post",
        "/api/v1/metrics/",
        {"name": "New metric", "slug": "new-metric", "unit": "USD"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body"), WRITE_ROUTES)
def test_writes_need_an_account_with_a_role(world, method, path, body):
    anonymous = APIClient()
    assert getattr(anonymous, method)(path, body, format="json").status_code == 401
    no_role = APIClient()
    no_role.force_login(UserFactory())
    assert getattr(no_role, method)(path, body, format="json").status_code == 403
    editor = APIClient()
    editor.force_login(user_in_group("Editors"))
    assert getattr(editor, method)(path, body, format="json").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [("editor", 403), ("reviewer", 204)],
)
def test_only_reviewers_delete_claims(world, role, expected):
    client = APIClient()
    client.force_login(user_in_group("Editors" if role == "editor" else "Reviewers"))
    claim = ClaimFactory()
    assert client.delete(f"/api/v1/claims/{claim.pk}/").status_code == expected


def admin_urls(claim):
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in {"claims", "sources"}:
            continue
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", set()),
        (
            "editor",
            {
                "claim",
                "document",
                "person",
                "publisher",
                "metric",
                "evidence",
                "claimlink",
                "candidate",
            },
        ),
        (
            "reviewer",
            {
                "claim",
                "document",
                "person",
                "publisher",
                "metric",
                "evidence",
                "claimlink",
                "candidate",
                "deletedclaim",
            },
        ),
    ],
)
def test_admin_walk_each_role_reaches_exactly_its_pages(client, world, role, allowed):
    if role != "anonymous":
        client.force_login(
            user_in_group("Editors" if role == "editor" else "Reviewers")
        )
    reached = set()
    for url in admin_urls(world):
        response = client.get(url)
        model_name = url.rstrip("/").split("/")[-1]
        if response.status_code == 200:
            reached.add(model_name)
        else:
            assert response.status_code in (302, 403), (url, response.status_code)
    assert reached == allowed
