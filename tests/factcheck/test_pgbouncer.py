"""Django behind a real PgBouncer (Debian's package) in transaction mode (issue #16).

Each test starts PgBouncer with bin/pgbouncer-local on a free loopback port in front
of the test database's server, with one server connection per pool unless it says
otherwise: every client (each Django process, each psycopg connection) then takes
turns on that one server connection, as busy clients share few in production.
Django runs in processes of its own (tests/factcheck/pgbouncer_client.py), set up
from the environment as a deployed process is: DATABASE_URL at PgBouncer,
DATABASE_PREPARED_STATEMENTS=false and DATABASE_STATEMENT_TIMEOUT=0, as the docs
says to run behind it. The last three tests record, with psycopg 3.3 and PgBouncer
1.18, what goes wrong without those two settings.

PostgreSQL only. Without Debian's pgbouncer the tests skip, except where CI is set,
where that is a failure (.ci/run installs it).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from claims.models import Claim
from sources.models import Publisher
from tests.factories import ClaimFactory

ROOT = Path(__file__).resolve().parent.parent.parent
PGBOUNCER = Path("/usr/sbin/pgbouncer")
TIMEOUT = 60  # seconds for one process: a hang fails the test, never stalls it

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
    ),
    # The Django processes see only committed rows; the rollback restores the
    # groups the migrations made, for the transactional tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command: list[str], environment: dict) -> str:
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def start_pgbouncer():
    """Return a function that starts PgBouncer and returns its DATABASE_URL."""
    if not PGBOUNCER.exists():
        reason = (
            "Debian's pgbouncer is not installed "
            "(apt-get install pgbouncer; bin/pgbouncer-local start installs it)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI installs it, see .ci/run")
        pytest.skip(reason)
    database = connection.settings_dict
    user = database["USER"] or "postgres"
    started = []

    def start(pool_size: int = 1) -> str:
        port = _free_port()
        environment = os.environ | {
            "PGBOUNCER_PORT": str(port),
            "PGBOUNCER_TARGET_HOST": database["HOST"] or "127.0.0.1",
            "PGBOUNCER_TARGET_PORT": str(database["PORT"] or 5432),
            "PGBOUNCER_USER": user,
            "PGBOUNCER_POOL_SIZE": str(pool_size),
            "PGBOUNCER_RUN_DIR": f"/tmp/factcheck-pgbouncer-test-{port}",
        }
        _run([str(ROOT / "bin" / "pgbouncer-local"), "start"], environment)
        started.append(environment)
        return f"postgres://{user}@127.0.0.1:{port}/{database['NAME']}"

    yield start
    for environment in started:
        _run([str(ROOT / "bin" / "pgbouncer-local"), "stop"], environment)
        shutil.rmtree(environment["PGBOUNCER_RUN_DIR"], ignore_errors=True)


def django_through(
    url: str,
    *operation: str,
    prepared_statements: bool = False,
    statement_timeout: int = 0,
) -> dict:
    """Run an operation of pgbouncer_client in a Django process using this URL."""
    environment = os.environ | {
        "DATABASE_URL": url,
        "DATABASE_PREPARED_STATEMENTS": str(prepared_statements).lower(),
        "DATABASE_STATEMENT_TIMEOUT": str(statement_timeout),
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
    }
    command = [sys.executable, "-m", "tests.factcheck.pgbouncer_client", *operation]
    return json.loads(_run(command, environment).splitlines()[-1])


def test_the_orm_the_api_and_transactions_work_through_transaction_pooling(
    start_pgbouncer,
):
    claims = ClaimFactory.create_batch(3)
    url = start_pgbouncer()

    result = django_through(url, "work", str(claims[0].pk))

    assert result["texts"] == [claim.text for claim in claims]
    assert (result["api_status"], result["api_ids"]) == (200, [c.pk for c in claims])
    edited = Claim.objects.get(pk=claims[0].pk)
    assert (edited.text, edited.version) == ("Edited through PgBouncer.", 2)
    assert edited.history.first().history_change_reason == "through PgBouncer"
    assert result["locked_version"] == 2
    assert result["seen_inside"] == ["Committed through PgBouncer"]
    assert list(
        Publisher.objects.filter(name__endswith="through PgBouncer").values_list(
            "name", flat=True
        )
    ) == ["Committed through PgBouncer"]
    assert result["repeated"] == [True] * 8


def test_prepared_statements_collide_behind_transaction_pooling(start_pgbouncer):
    # psycopg names a connection's prepared statements _pg3_0, _pg3_1, ... and
    # prepares a query on its 6th run (prepare_threshold=5). The first process
    # leaves _pg3_0 on the server connection, where the next client meets it.
    url = start_pgbouncer()

    first = django_through(url, "repeat", "8", prepared_statements=True)
    second = django_through(url, "repeat", "8", prepared_statements=True)

    assert [first, second] == [
        {"run": 8, "error": None},
        {
            "run": 6,
            "error": 'DuplicatePreparedStatement: prepared statement "_pg3_0" '
            "already exists",
        },
    ]


def test_a_client_can_run_another_clients_prepared_statement(start_pgbouncer):
    # Worse than an error: with two server connections, a client whose transaction
    # lands on the other one executes the statement another client prepared there
    # under the same name, and gets that statement's answer, silently.
    url = start_pgbouncer(pool_size=2)
    mine = "SELECT 'my statement ran with ' || %s::text"
    theirs = "SELECT 'their statement ran with ' || %s::text"
    with (
        psycopg.connect(url, autocommit=True, prepare_threshold=0) as me,
        psycopg.connect(url, autocommit=True, prepare_threshold=0) as them,
        psycopg.connect(url, autocommit=True) as other,
    ):
        me.execute(mine, ["1"])  # _pg3_0 on the first server connection
        with me.transaction():  # holds the first, so they get the second one
            me.execute("SELECT 1", prepare=False)
            them.execute(theirs, ["2"])  # _pg3_0 on the second
        # PgBouncer hands out the server connection released last (the first one).
        with other.transaction():  # holds the first, so I get the second one
            other.execute("SELECT 1", prepare=False)
            answer = me.execute(mine, ["3"]).fetchone()[0]

    assert answer == "their statement ran with 3"


def test_a_session_statement_timeout_leaks_to_the_next_client(start_pgbouncer):
    # A web request sets the session's statement_timeout (factcheck.db.postgresql);
    # in transaction mode the SET stays on the server connection when the client
    # leaves, for whoever comes next. Hence DATABASE_STATEMENT_TIMEOUT=0 behind
    # PgBouncer, and the timeout on the role instead.
    url = start_pgbouncer()

    request = django_through(url, "request", statement_timeout=5000)
    with psycopg.connect(url, autocommit=True) as next_client:
        shown = next_client.execute("SHOW statement_timeout").fetchone()[0]

    assert (request["api_status"], shown) == (200, "5s")
