"""Fixtures shared by the reliability tests: an editor's token, open throttles, seed."""

import json

import pytest
import schemathesis
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from tests.factories import user_in_group

# Decided at collection, so SQLite runs set up no live server or database for them.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
# Far above anything a test sends, so no request is answered 429.
OPEN_RATES = {"anon": "1000000/minute", "user": "1000000/minute"}


def pytest_configure(config):
    # Registered here too so this folder runs before pyproject.toml lists it.
    config.addinivalue_line(
        "markers",
        "fuzz: schema-driven fuzzing (FUZZ_MAX_EXAMPLES, FUZZ_SCENARIOS, FUZZ_STEPS)",
    )


@pytest.fixture
def unthrottled(monkeypatch):
    """Raise the API throttle rates: the class attribute is read once, at import."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", OPEN_RATES)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor(db):
    """Return a user in the Editors group made by the migrations."""
    return user_in_group("Editors", username="reliability-editor")


@pytest.fixture
def editor_api(editor, unthrottled):
    """An API client signed in as the editor."""
    client = APIClient()
    client.force_login(editor)
    return client


@pytest.fixture
def root_api(superuser, unthrottled):
    """A client that may do everything, so a lookup is reached before a 403."""
    client = APIClient()
    client.force_login(superuser)
    return client


def assert_json_error(response, status: int, *fields: str) -> dict:
    """Assert a JSON error answer with this status naming these fields."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert body, "an error needs a message"
    for field in fields:
        assert field in body, body
    return body


@pytest.fixture
def editor_token(editor) -> str:
    """Return an API token of the editor (rest_framework.authtoken)."""
    return Token.objects.create(user=editor).key


@pytest.fixture
def reviewer_token(db) -> str:
    """Return an API token of a user in the Reviewers group (verdicts, deletes)."""
    reviewer = user_in_group("Reviewers", username="reliability-reviewer")
    return Token.objects.create(user=reviewer).key


@pytest.fixture
def seeded(db):
    """Load the seed fixtures: claims, documents, metrics, people, links."""
    call_command("loaddata", "seed", verbosity=0)


def served_schema() -> dict:
    """Return the OpenAPI document exactly as /api/schema/?format=json serves it."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


@pytest.fixture(scope="session")
def openapi():
    """Return the API schema loaded by schemathesis, to check answers against."""
    return schemathesis.openapi.from_dict(served_schema())
