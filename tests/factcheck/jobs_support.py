"""What the PostgreSQL tests of the job queue share: the queue's tables, the
test database's address for worker processes, and the worker processes.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from psycopg import sql

from factcheck.jobs.models import Job

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


ROOT = Path(__file__).resolve().parents[2]
WORKER_SETTINGS = {
    "JOBS_MODE": "queue",
    "JOBS_HEARTBEAT_SECONDS": "0.5",
    "JOBS_STALLED_AFTER_SECONDS": "2",
    "JOBS_STALLED_CHECK_SECONDS": "1",
    "JOBS_MAX_ATTEMPTS": "3",
    "JOBS_RETRY_WAIT_SECONDS": "0.5",
}


class Workers:
    """Start worker processes; kill every one of them at the end."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def start(
        self, *options: str, environment: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """Start a worker with `options`, and `environment` added to its own."""
        log = self.folder / f"worker-{len(self.processes)}.log"
        environment = {
            **os.environ,
            **WORKER_SETTINGS,
            **(environment or {}),
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
            "PYTHONUNBUFFERED": "1",
        }
        with log.open("w") as output:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "procrastinate",
                    "--skip-checks",  # the suite has run them; 0.5 s a worker
                    "worker",
                    # Retries are due in fractions of a second: look that often.
                    "--fetch-job-polling-interval=0.1",
                    *options,
                ],
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append((process, log))
        wait_until(
            lambda: "Starting worker" in log.read_text() or process.poll() is not None,
            "a worker to start",
        )
        assert process.poll() is None, log.read_text()
        return process

    def kill_all(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(WAIT)

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text()[-3000:]}" for _, log in self.processes
        )


def finished(job: Job) -> Job | None:
    """Return the job once it finished and its worker acknowledged it to the queue.

    The run writes the Job's end a moment before the worker marks its queue row.
    """
    job.refresh_from_db()
    if job.is_finished and queue_status(job.queue_job_id) in {"succeeded", "failed"}:
        return job
    return None
