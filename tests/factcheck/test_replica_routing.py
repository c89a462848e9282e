"""Read replicas without a replica: settings, the router's and the health's decisions,
and the middleware's choice of database, with replicas faked (issue #16).

The drills with a real streaming replica are in tests/replicas/test_drills.py.
"""

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpResponse
from django.test import RequestFactory

from factcheck.db import replicas
from factcheck.db.routers import ReplicaRouter
from factcheck.middleware import ReplicaReadsMiddleware

ROOT = Path(__file__).resolve().parents[2]


def settings_with(**environment) -> dict:
    """Return DATABASES and the replica settings as a fresh process reads them."""
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps({'DATABASES': settings.DATABASES, "
        "'ROUTERS': settings.DATABASE_ROUTERS}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
            **environment,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 or not result.stdout, result.stderr
    return json.loads(result.stdout) if result.returncode == 0 else {"error": result}


def test_each_replica_url_becomes_an_alias_with_the_primarys_options_and_a_mirror():
    found = settings_with(
        DATABASE_URL="postgres://app@primary:5432/factcheck",
        DATABASE_REPLICA_URLS="postgres://app@r1:5432/factcheck, postgres://app@r2/fc",
        DATABASE_PREPARED_STATEMENTS="true",
    )
    databases = found["DATABASES"]
    assert sorted(databases) == ["default", "replica_0", "replica_1"]
    first, second = databases["replica_0"], databases["replica_1"]
    assert (first["HOST"], second["HOST"], second["NAME"]) == ("r1", "r2", "fc")
    assert (
        first["ENGINE"] == databases["default"]["ENGINE"] == ("factcheck.db.postgresql")
    )
    assert first["OPTIONS"]["server_side_binding"] is True
    assert first["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"]
    assert first["TEST"] == {"MIRROR": "default"}
    assert "factcheck.db.routers.ReplicaRouter" in found["ROUTERS"]


def test_no_replica_urls_means_one_database():
    found = settings_with(
        DATABASE_URL="postgres://app@primary:5432/factcheck", DATABASE_REPLICA_URLS=""
    )
    assert list(found["DATABASES"]) == ["default"]


@pytest.mark.parametrize(
    "environment",
    [
        {"DATABASE_URL": "sqlite:///x.sqlite3"},
        {"DATABASE_READ_YOUR_WRITES_SECONDS": "2"},  # shorter than the lag allowed
    ],
)
def test_replicas_are_refused_without_postgresql_or_with_a_short_writer_window(
    environment,
):
    found = settings_with(
        **{
            "DATABASE_URL": "postgres://app@primary:5432/factcheck",
            "DATABASE_REPLICA_URLS": "postgres://app@r1:5432/factcheck",
            **environment,
        }
    )
    assert "ImproperlyConfigured" in found["error"].stderr


@pytest.fixture
def two_replicas(monkeypatch):
    """Configure two replicas that are always usable, unless a test says otherwise."""
    monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica_0", "replica_1"])
    down: set[str] = set()
    monkeypatch.setattr(replicas.health, "usable", lambda alias: alias not in down)
    return down


def test_without_replicas_the_router_has_no_opinion():
    router = ReplicaRouter()
    with replicas.replica_reads():
        assert router.db_for_read(None) is None
        assert router.db_for_write(None) is None


def test_reads_outside_a_request_go_to_the_primary(two_replicas):
    # Jobs, management commands, migrations and the shell run in no request.
    assert ReplicaRouter().db_for_read(None) == "default"


def test_reads_of_a_safe_request_stay_on_one_replica_and_writes_go_to_the_primary(
    two_replicas,
):
    router = ReplicaRouter()
    with replicas.replica_reads() as reads:
        first = router.db_for_read(None)
        assert first in {"replica_0", "replica_1"}
        assert {router.db_for_read(None) for _ in range(5)} == {first}
        assert router.db_for_write(None) == "default"
        assert reads.used_replicas == {first}


def test_pinned_reads_and_replicas_all_down_go_to_the_primary(two_replicas):
    router = ReplicaRouter()
    with replicas.replica_reads(), replicas.primary_reads():
        assert router.db_for_read(None) == "default"
    two_replicas.update({"replica_0", "replica_1"})
    with replicas.replica_reads():
        assert router.db_for_read(None) == "default"


def test_a_replica_that_is_down_is_passed_over_for_another(two_replicas):
    two_replicas.add("replica_0")
    with replicas.replica_reads():
        assert ReplicaRouter().db_for_read(None) == "replica_1"


def test_only_the_primary_is_migrated_and_relations_span_the_copies(two_replicas):
    router = ReplicaRouter()
    assert router.allow_migrate("replica_0", "claims") is False
    assert router.allow_migrate("default", "claims") is None

    class Row:
        def __init__(self, db):
            self._state = type("State", (), {"db": db})()

    assert router.allow_relation(Row("replica_1"), Row("default")) is True
    assert router.allow_relation(Row("other"), Row("default")) is None


class FakeCursor:
    def __init__(self, row=None, error=None):
        self.row, self.error = row, error

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, sql):
        if self.error:
            raise self.error

    def fetchone(self):
        return self.row


class FakeWrapper:
    def __init__(self, cursor):
        self._cursor = cursor
        self.closed = False

    def cursor(self):
        return self._cursor

    def close(self):
        self.closed = True


@contextmanager
def replica_answering(monkeypatch, cursor):
    wrapper = FakeWrapper(cursor)
    monkeypatch.setattr(replicas, "connections", {"replica_0": wrapper})
    yield wrapper


@pytest.mark.parametrize(
    ("row", "error", "why"),
    [
        ((True, "not paused", 0), None, ""),
        ((True, "not paused", 4.9), None, ""),
        ((True, "not paused", 5.1), None, "lags 5.1 s (more than 5 s)"),
        ((True, "paused", 0), None, "has its replay paused"),
        ((False, None, None), None, "is not a standby (promoted, or not a replica)"),
        (None, DatabaseError("connection refused\nmore"), "cannot be reached"),
    ],
)
def test_the_health_check_names_why_a_replica_may_not_serve(
    monkeypatch, settings, row, error, why
):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 5
    with replica_answering(monkeypatch, FakeCursor(row, error)) as wrapper:
        found = replicas.ReplicaHealth().check("replica_0")
    assert found.startswith(why) if why else found == ""
    assert wrapper.closed is (error is not None)


def test_a_failing_replica_is_skipped_for_the_retry_time_and_logged_once(
    monkeypatch, settings, caplog
):
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_RETRY_SECONDS = 60
    health = replicas.ReplicaHealth()
    monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica_0"])
    calls = []
    monkeypatch.setattr(
        health, "check", lambda alias: calls.append(alias) or "cannot be reached"
    )
    assert health.choose() == "default"
    assert health.choose() == "default"
    assert calls == ["replica_0"]  # not checked again during the retry time
    assert caplog.text.count("Replica replica_0 cannot be reached") == 1


rf = RequestFactory()


@pytest.fixture
def seen(two_replicas):
    """Run ReplicaReadsMiddleware around a view that records where it reads."""
    cache.clear()  # writes remembered by earlier tests
    where = []

    def view(request):
        where.append(replicas.read_alias())
        return HttpResponse("ok")

    return ReplicaReadsMiddleware(view), where


def test_a_write_reads_from_the_primary_and_its_client_then_does_too(seen, settings):
    middleware, where = seen
    settings.DATABASE_READ_YOUR_WRITES_SECONDS = 10
    token = {"HTTP_AUTHORIZATION": "Token abc"}
    response = middleware(rf.post("/api/v1/claims/", **token))
    assert where == ["default"]
    cookie = response.cookies[ReplicaReadsMiddleware.COOKIE]
    assert cookie["max-age"] == 10
    assert cookie["httponly"]

    middleware(rf.get("/api/v1/claims/", **token))  # the same token, no cookie
    browser = rf.get("/api/v1/claims/")
    browser.COOKIES[ReplicaReadsMiddleware.COOKIE] = cookie.value
    middleware(browser)
    middleware(rf.get("/api/v1/claims/", HTTP_AUTHORIZATION="Token other"))
    assert where[1:3] == ["default", "default"]
    assert where[3].startswith("replica_")


def test_a_refused_write_is_not_remembered(seen):
    middleware, where = seen

    def refused(request):
        return HttpResponse(status=403)

    response = ReplicaReadsMiddleware(refused)(
        rf.post("/api/v1/claims/", HTTP_AUTHORIZATION="Token abc")
    )
    assert ReplicaReadsMiddleware.COOKIE not in response.cookies
    middleware(rf.get("/api/v1/claims/", HTTP_AUTHORIZATION="Token abc"))
    assert where[0].startswith("replica_")


def test_a_forged_write_cookie_is_ignored(seen):
    middleware, where = seen
    request = rf.get("/api/v1/claims/")
    request.COOKIES[ReplicaReadsMiddleware.COOKIE] = "1"  # not signed
    middleware(request)
    assert where[0].startswith("replica_")


def test_a_login_remembers_the_new_session(seen, settings):
    middleware, where = seen

    def login(request):
        response = HttpResponse("in")
        response.set_cookie(settings.SESSION_COOKIE_NAME, "new-session")
        return response

    ReplicaReadsMiddleware(login)(rf.post("/admin/login/"))
    request = rf.get("/admin/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "new-session"
    middleware(request)
    assert where == ["default"]


@pytest.mark.parametrize(
    "header",
    ["HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH"],
)
def test_conditional_requests_are_decided_on_the_primary(seen, header):
    middleware, where = seen
    middleware(rf.get("/api/v1/claims/1/", **{header: '"abc"'}))
    assert where == ["default"]


def test_a_safe_request_whose_replica_failed_is_run_again_on_the_primary(
    two_replicas, monkeypatch
):
    attempts = []

    def view(request):
        alias = replicas.read_alias()
        attempts.append(alias)
        return HttpResponse(status=503 if alias != "default" else 200)

    monkeypatch.setattr(
        "factcheck.middleware._replica_failed", lambda alias: alias != "default"
    )
    marked = []
    monkeypatch.setattr(
        replicas.health, "mark_down", lambda alias, why: marked.append(alias)
    )
    monkeypatch.setattr(replicas, "close_quietly", lambda alias: None)
    response = ReplicaReadsMiddleware(view)(rf.get("/api/v1/claims/"))
    assert response.status_code == 200
    assert attempts[-1] == "default"
    assert attempts[0].startswith("replica_")
    assert marked == [attempts[0]]
