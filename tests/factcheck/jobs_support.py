"""What the PostgreSQL tests of the job queue share: the queue's tables and the
test database's address for worker processes.
"""

import time
from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.db import connection
from psycopg import sql

# Decided at collection, so SQLite runs start no worker and touch no queue table.
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
WAIT = 30  # seconds any wait of these tests lasts at most

QUEUE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def clear_queue() -> None:
    """Empty the job queue's tables: unmanaged, a transactional test's flush
    leaves them as they are."""
    statement = sql.SQL("TRUNCATE {} CASCADE").format(
        sql.SQL(", ").join(map(sql.Identifier, QUEUE_TABLES))
    )
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string())


def database_url() -> str:
    """Return the test database as a DATABASE_URL, for a worker process."""
    params = connection.settings_dict
    credentials = quote(params["USER"] or "", safe="")
    if params["PASSWORD"]:
        credentials += ":" + quote(params["PASSWORD"], safe="")
    host = params["HOST"] or "localhost"
    port = params["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{params['NAME']}"


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT):
    """Return the condition's first true value, polled; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Waited {timeout} s for {what}")
        time.sleep(0.05)


def queue_status(queue_job_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status FROM procrastinate_jobs WHERE id = %s", [queue_job_id]
        )
        row = cursor.fetchone()
    return row[0] if row else ""
