"""Web requests run under a statement timeout; a database error is a 503, not a 500.

The views below exist for these tests only (pytest.mark.urls points at this module):
they sleep in the database, show the session's statement_timeout, or fail.
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import OperationalError, connection
from django.http import JsonResponse, StreamingHttpResponse
from django.test import override_settings
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.urls("tests.factcheck.test_middleware")


def _sleep() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.5)")


def _shown_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def sleep_page(request):
    _sleep()
    return JsonResponse({"slept": True})


class SleepAPIView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        _sleep()
        return Response({"slept": True})


def timeout_page(request):
    return JsonResponse({"statement_timeout": _shown_timeout()})


def streamed_timeout_page(request):
    def body():
        # Run once the view has returned, as a streamed CSV export is.
        yield _shown_timeout()

    return StreamingHttpResponse(body())


def failing_page(request):
    raise OperationalError("database is locked")


class FailingAPIView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise OperationalError("database is locked")


urlpatterns = [
    path("sleep/", sleep_page),
    path("api/sleep/", SleepAPIView.as_view()),
    path("timeout/", timeout_page),
    path("streamed-timeout/", streamed_timeout_page),
    path("fail/", failing_page),
    path("api/fail/", FailingAPIView.as_view()),
]


@pytest.fixture
def fresh_connections():
    """Close the connection before and after, so sessions start and end clean."""
    connection.close()
    yield
    connection.close()


# A database error -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/fail/", "/api/fail/"])
def test_a_database_error_is_a_503_in_json_with_retry_after(client, url):
    response = client.get(url)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "database" in response.json()["detail"]


# The statement timeout (PostgreSQL) --------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
# Outside a test transaction, as a web request runs; the rollback restores the
# groups the migrations made for the transactional tests that come after.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("fresh_connections")
class TestStatementTimeout:
    @pytest.mark.parametrize("url", ["/sleep/", "/api/sleep/"])
    @pytest.mark.parametrize("opened", ["inside the request", "before the request"])
    @override_settings(DATABASE_STATEMENT_TIMEOUT=100)
    def test_a_query_past_the_timeout_is_a_503_in_json(self, client, url, opened):
        if opened == "before the request":
            _shown_timeout()  # the request reuses a connection opened before it

        response = client.get(url)

        assert response.status_code == 503, response.content
        assert response["Content-Type"] == "application/json"
        assert int(response["Retry-After"]) > 0
        assert "took too long" in response.json()["detail"]

    @override_settings(DATABASE_STATEMENT_TIMEOUT=100)
    def test_only_the_statements_of_a_web_request_run_under_it(self, client):
        before = _shown_timeout()

        during = client.get("/timeout/").json()["statement_timeout"]
        after = _shown_timeout()

        assert during == "100ms"
        assert before == after != "100ms"

    @override_settings(DATABASE_STATEMENT_TIMEOUT=0)
    def test_a_timeout_of_0_turns_it_off(self, client):
        server_default = _shown_timeout()

        assert client.get("/sleep/").status_code == 200
        assert client.get("/timeout/").json()["statement_timeout"] == server_default

    @override_settings(DATABASE_STATEMENT_TIMEOUT=100)
    def test_a_streamed_body_is_written_without_it(self, client):
        # A streamed CSV export cannot be answered 503 once its 200 is sent, and cut
        # off it would look complete: its filters bound it, not the timeout.
        server_default = _shown_timeout()

        response = client.get("/streamed-timeout/")

        assert b"".join(response.streaming_content).decode() == server_default
        assert client.get("/timeout/").json()["statement_timeout"] == "100ms"


@pytest.mark.django_db
def test_management_commands_run_without_the_statement_timeout(on_postgres):
    database = connection.settings_dict
    url = "postgres://{user}:{password}@{host}:{port}/{name}".format(
        user=quote(database["USER"] or "", safe=""),
        password=quote(database["PASSWORD"] or "", safe=""),
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        name=database["NAME"],
    )
    environment = os.environ | {
        "DATABASE_URL": url,
        "DATABASE_STATEMENT_TIMEOUT": "100",
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
    }
    show = (
        "from django.db import connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW statement_timeout')\n"
        "    print(cursor.fetchone()[0])"
    )

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == _shown_timeout() != "100ms"
