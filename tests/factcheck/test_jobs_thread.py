"""Background jobs in thread mode (SQLite's default, `make run`): a job deferred in
a request runs after the request is answered, on the worker thread, and the Job
row records what happened; the worker outlives a job that raises.

The rest of the suite runs jobs inline (factcheck.settings.test); test_jobs.py has
the inline mode, test_jobs_worker.py the queue with real workers.

On SQLite the test database is in memory, shared between threads with table locks
that fail at once instead of waiting ("database table is locked"), so the worker
thread never touches the database while the test's thread does: a test holds the
worker (`held_worker`) while it writes, and reads only while the worker waits or
is idle. Writers meeting on a real file are in tests/reliability/test_sqlite_server.py.
"""

import itertools
import threading

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.test import APIClient

from factcheck.jobs import defer, start_job, worker_thread
from factcheck.jobs.models import Job
from tests.factcheck import jobs_tasks
from tests.factcheck.jobs_support import wait_until
from tests.factories import UserFactory

# Committed transactions, for the jobs that run when they commit; the rollback
# restores the groups the migrations made.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
WAIT = 30  # seconds any wait of these tests lasts at most


@pytest.fixture(autouse=True)
def thread_mode(settings):
    settings.JOBS_MODE = "thread"
    yield
    # Nothing a test handed over may run into the next test.
    assert worker_thread.wait_until_idle(WAIT), "a job of this test never finished"


@pytest.fixture
def held_worker():
    """Hold the worker thread (a job of its own waits) until the test sets this."""
    release = threading.Event()
    worker_thread.submit(lambda: release.wait(WAIT))
    yield release
    release.set()


@pytest.mark.urls("tests.factcheck.jobs_urls")
def test_a_job_started_by_a_request_runs_after_the_202_and_then_completes(
    tmp_path, held_worker
):
    user = UserFactory()
    client = APIClient()
    client.force_login(user)
    gate = tmp_path / "gate"

    response = client.post(
        "/test/start-job/", {"name": "written", "gate": str(gate)}, format="json"
    )

    # Answered before the job ran: inline, the request would have run it and
    # waited at its gate (which nobody opens) until the job failed.
    assert response.status_code == 202
    assert response.json()["state"] == "queued"
    assert Job.objects.get().state == "queued"
    held_worker.set()
    wait_until(
        lambda: gate.with_name("gate.waiting").exists(), "the job to reach its gate"
    )
    job = Job.objects.get()
    assert (job.state, job.progress_done, job.progress_total) == ("running", 0, 1)
    assert client.get(response["Location"]).json()["state"] == "running"

    gate.touch()
    assert worker_thread.wait_until_idle(WAIT)

    job.refresh_from_db()
    assert (job.state, job.progress_done, job.progress_total) == ("succeeded", 1, 1)
    assert job.result == "passed the gate"
    assert Group.objects.filter(name="written").exists()


def test_a_job_runs_on_the_worker_thread_not_the_committing_one():
    ran_on = []

    with transaction.atomic():
        defer(jobs_tasks.make_group, name="on-the-worker")
        transaction.on_commit(lambda: ran_on.append(threading.current_thread()))
    assert worker_thread.wait_until_idle(WAIT)

    assert Group.objects.filter(name="on-the-worker").exists()
    job_thread = worker_thread._thread
    assert job_thread is not None
    assert job_thread is not threading.current_thread()
    assert ran_on == [threading.current_thread()]  # the commit itself ran no job


def test_a_job_deferred_in_a_rolled_back_transaction_never_reaches_the_worker():
    with transaction.atomic():
        defer(jobs_tasks.make_group, name="rolled-back")
        transaction.set_rollback(True)

    assert worker_thread.unfinished() == 0
    assert not Group.objects.filter(name="rolled-back").exists()


def test_a_failing_job_on_the_worker_thread_is_recorded_as_failed():
    user = UserFactory()
    with transaction.atomic():
        job = start_job(
            jobs_tasks.fail, by=user, message="boom", input="row 3", permanent=True
        )
    assert worker_thread.wait_until_idle(WAIT)

    job.refresh_from_db()
    assert (job.state, job.error, job.error_input) == ("failed", "boom", "row 3")
    assert job.finished_at is not None


def test_the_worker_thread_survives_a_job_that_raises(caplog):
    threads = []

    def raising() -> None:
        threads.append(threading.current_thread())
        raise RuntimeError("not a job's own failure")

    worker_thread.submit(raising)
    with transaction.atomic():
        job = start_job(jobs_tasks.count_to, by=UserFactory(), total=3)
    worker_thread.submit(lambda: threads.append(threading.current_thread()))
    assert worker_thread.wait_until_idle(WAIT)

    job.refresh_from_db()
    assert (job.state, job.result) == ("succeeded", {"counted": 3})
    assert len(threads) == 2
    assert threads[0] is threads[1]  # the same worker, still alive
    assert threads[0].is_alive()
    assert "not a job's own failure" in caplog.text


def test_jobs_run_one_at_a_time_in_the_order_they_committed(held_worker):
    user = UserFactory()
    jobs = []
    for seconds in (0.3, 0.0, 0.1):
        with transaction.atomic():
            jobs.append(start_job(jobs_tasks.hold, by=user, seconds=seconds))
    held_worker.set()
    assert worker_thread.wait_until_idle(WAIT)

    for job in jobs:
        job.refresh_from_db()
        assert job.state == "succeeded"
    for earlier, later in itertools.pairwise(jobs):
        assert earlier.finished_at <= later.started_at
