"""Tasks for the tests of the job queue only (PROCRASTINATE_IMPORT_PATHS in
factcheck.settings.test). They write auth Groups, a model every database has, and
files the tests pass them, so they depend on no app being tested elsewhere.
"""

import json
import time
from pathlib import Path

import psycopg
from django.contrib.auth.models import Group
from psycopg import sql

from factcheck.jobs import JobFailed, job_progress, task
from factcheck.jobs.models import Job

WAIT = 30  # seconds a task waits for a test's signal at most


@task
def make_group(*, name: str) -> str:
    """Write one row, idempotently."""
    Group.objects.get_or_create(name=name)
    return name


@task
def count_to(*, job_id: int, total: int) -> dict:
    """Report progress item by item, then return how many."""
    for done in range(1, total + 1):
        job_progress(job_id, done, total)
    return {"counted": total}


@task
def fail(*, message: str, input: str = "", permanent: bool = False) -> None:
    """Fail every attempt: retried unless permanent (JobFailed)."""
    if permanent:
        raise JobFailed(message, input=input)
    raise RuntimeError(message)


@task
def fail_and_log(*, log: str, message: str) -> None:
    """Fail every attempt, appending the time of each to `log`."""
    with Path(log).open("a") as file:
        file.write(f"{time.time()}\n")
    raise RuntimeError(message)


@task
def fail_once(*, log: str) -> str:
    """Fail the first attempt, succeed the next (the attempts are lines in `log`)."""
    path = Path(log)
    with path.open("a") as file:
        file.write("attempt\n")
    if len(path.read_text().splitlines()) == 1:
        raise RuntimeError("first attempt fails")
    return "second attempt succeeded"


@task
def two_steps(*, log: str, gate: str, first: str, second: str) -> list[str]:
    """Write `first`, note the attempt in `log`, wait for `gate`, write `second`.

    Written idempotently: a rerun after a crash between the steps writes each row
    once.
    """
    Group.objects.get_or_create(name=first)
    with Path(log).open("a") as file:
        file.write("attempt\n")
    wait_for(Path(gate))
    Group.objects.get_or_create(name=second)
    return sorted(
        Group.objects.filter(name__in=[first, second]).values_list("name", flat=True)
    )


@task
def write_then_fail(*, name: str) -> None:
    """Write one row, then fail: a run is one transaction, so nothing stays."""
    Group.objects.create(name=name)
    raise RuntimeError("failed after writing")


@task
def completed_meanwhile(*, job_id: int, name: str, database_url: str) -> str:
    """Write one row while another run, on another connection, completes the Job."""
    Group.objects.create(name=name)
    statement = sql.SQL("UPDATE {} SET state = 'succeeded', result = %s WHERE id = %s")
    with psycopg.connect(database_url, autocommit=True) as other:
        other.execute(
            statement.format(sql.Identifier(Job._meta.db_table)),
            [json.dumps("the other run's"), job_id],
        )
    return "this run's"


@task
def hold(*, seconds: float) -> float:
    """Take `seconds`; the Job's started_at and finished_at show when it ran."""
    time.sleep(seconds)
    return seconds


# Not atomic: its progress must be seen while it waits (in one transaction it would
# not be, and on the suite's in-memory SQLite its open write locks the Job table).
@task(atomic=False)
def wait_at_gate(*, job_id: int, waiting: str, gate: str) -> str:
    """Record progress 0 of 1, create `waiting`, wait for `gate`, then finish."""
    job_progress(job_id, 0, 1)
    Path(waiting).touch()
    wait_for(Path(gate))
    job_progress(job_id, 1, 1)
    return "passed the gate"


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.05)
