"""Deployment settings, security headers, login rate limits and who may reach what."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from claims.ratings import Status
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
PRIVATE_ROUTES = ("api/v1/jobs/",)


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
        if route.startswith(PRIVATE_ROUTES):
            continue
        path = concrete(route, world)
        if path.endswith("auth/token/"):
            continue
        for role, user in users.items():
            client = APIClient()
            if user:
                client.force_authenticate(user)
            response = client.get(path)
            if response.status_code == 405:  # a write-only action, e.g. extract/
                assert "GET" not in response["Allow"], path
                continue
            assert response.status_code == 200, (role, path, response.status_code)
            body = response.content.decode()
            assert "@private.example" not in body, (role, path)
            assert "md5$" not in body and "pbkdf2" not in body, (role, path)
            checked += 1
    assert checked >= 3 * 14


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
    no_role.force_authenticate(UserFactory())
    assert getattr(no_role, method)(path, body, format="json").status_code == 403
    editor = APIClient()
    editor.force_authenticate(user_in_group("Editors"))
    assert getattr(editor, method)(path, body, format="json").status_code == 201


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [("editor", 403), ("reviewer", 204)],
)
def test_only_reviewers_delete_claims(world, role, expected):
    client = APIClient()
    client.force_authenticate(
        user_in_group("Editors" if role == "editor" else "Reviewers")
    )
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
