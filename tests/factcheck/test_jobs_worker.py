"""The job queue with real workers: `manage.py procrastinate worker` processes run
against the test database while the test defers jobs and watches their Job rows.

PostgreSQL only. The workers run with short timeouts (WORKER_SETTINGS): a
heartbeat every half second, taken for dead after two seconds of silence, looked
for every second; retries after 0.5 s, then 1 s, three runs in all. Each wait is
bounded (WAIT), and every worker is killed when its test ends (the `workers`
fixture, tests/factcheck/conftest.py).
"""

import itertools
import os
import signal
import time

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from factcheck.jobs import defer, start_job
from factcheck.jobs.models import Job
from tests.factcheck import jobs_tasks
from tests.factcheck.jobs_support import (
    WAIT,
    finished,
    postgres_only,
    queue_status,
    wait_until,
)

pytestmark = [
    pytest.mark.postgres,
    postgres_only,
    # The workers see committed rows only; the rollback restores the groups the
    # migrations made, for the transactional tests that follow.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_worker_runs_the_jobs_of_committed_transactions_only(workers):
    workers.start()

    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - rolled back
        defer(jobs_tasks.make_group, name="rolled back")
        raise RuntimeError("the write fails")
    with transaction.atomic():
        Group.objects.create(name="the write")
        deferred = defer(jobs_tasks.make_group, name="by the worker")
        time.sleep(0.5)  # the worker polls every 0.1 s, and sees nothing yet
        assert not Group.objects.filter(name="by the worker").exists()
    job = start_job(jobs_tasks.count_to, by=None, total=4)

    wait_until(lambda: finished(job), "the Job to finish")
    wait_until(
        lambda: queue_status(deferred.queue_job_id) == "succeeded", "the first job"
    )
    assert Group.objects.filter(name="by the worker").exists()
    # Jobs run in the order deferred: a job of the rolled back write would have
    # run before these.
    assert not Group.objects.filter(name="rolled back").exists()
    assert (job.state, job.attempts, job.result) == ("succeeded", 1, {"counted": 4})
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert queue_status(job.queue_job_id) == "succeeded"


def test_failed_runs_are_retried_with_backoff_then_failed_with_their_error(
    workers, tmp_path
):
    workers.start()
    attempts_log = tmp_path / "attempts"
    broken = start_job(
        jobs_tasks.fail_and_log, by=None, log=str(attempts_log), message="still broken"
    )
    flaky = start_job(jobs_tasks.fail_once, by=None, log=str(tmp_path / "flaky"))
    bad_input = start_job(
        jobs_tasks.fail, by=None, message="Bad unit", input="row 3", permanent=True
    )

    states = set()

    def broken_finished():
        states.add(Job.objects.get(pk=broken.pk).state)
        return finished(broken)

    wait_until(broken_finished, "the failing job to be failed")
    wait_until(lambda: finished(flaky) and finished(bad_input), "the other jobs")

    assert broken.state == "failed"
    assert broken.attempts == 3
    assert broken.error == "RuntimeError: still broken"
    assert "retrying" in states  # between attempts, with the error of the last
    assert queue_status(broken.queue_job_id) == "failed"
    first, second, third = map(float, attempts_log.read_text().split())
    # Backoff: 0.5 s after the first run, then 1 s (plus a poll, and some slack).
    assert 0.5 <= second - first < 1.5
    assert 1.0 <= third - second < 2.5

    assert (flaky.state, flaky.attempts, flaky.error) == ("succeeded", 2, "")
    assert flaky.result == "second attempt succeeded"
    # An error retrying cannot mend fails at once, saying where.
    assert (bad_input.state, bad_input.attempts) == ("failed", 1)
    assert (bad_input.error, bad_input.error_input) == ("Bad unit", "row 3")


def test_the_job_of_a_killed_worker_is_run_again_by_another_as_if_once(
    workers, tmp_path
):
    attempts_log, gate = tmp_path / "attempts", tmp_path / "gate"
    first = workers.start()
    job = start_job(
        jobs_tasks.two_steps,
        by=None,
        log=str(attempts_log),
        gate=str(gate),
        first="step one",
        second="step two",
    )
    # Its line written, not only its file opened: a kill between the two would lose
    # the first attempt's line and fail the count below.
    wait_until(
        lambda: attempts_log.exists() and attempts_log.read_text() == "attempt\n",
        "the first attempt to start",
    )

    os.kill(first.pid, signal.SIGKILL)  # mid-job, between its two steps
    first.wait(WAIT)
    job.refresh_from_db()
    assert (job.state, queue_status(job.queue_job_id)) == ("running", "doing")
    gate.touch()
    workers.start()

    # Two seconds without a heartbeat, the stalled-job check retries it.
    wait_until(lambda: finished(job), "the job to be run again")
    assert job.state == "succeeded", job.error
    assert job.attempts == 2
    assert attempts_log.read_text().splitlines() == ["attempt", "attempt"]
    assert job.result == ["step one", "step two"]
    assert Group.objects.filter(name__in=["step one", "step two"]).count() == 2
    assert queue_status(job.queue_job_id) == "succeeded"


def test_jobs_with_the_same_lock_never_run_at_the_same_time(workers):
    workers.start("--concurrency=2")
    workers.start("--concurrency=2")
    locked = [
        start_job(jobs_tasks.hold, by=None, seconds=0.6, lock="metric-1")
        for _ in range(3)
    ]
    free = [start_job(jobs_tasks.hold, by=None, seconds=0.6) for _ in range(2)]

    wait_until(
        lambda: all(finished(job) for job in locked + free), "every job to finish"
    )

    assert {job.state for job in locked + free} == {"succeeded"}
    runs = sorted((job.started_at, job.finished_at) for job in locked)
    for (_, ended), (started, _) in itertools.pairwise(runs):
        assert ended <= started  # one after the other
    # The workers did run jobs side by side: the unlocked ones beside the others.
    everything = [(job.started_at, job.finished_at) for job in locked + free]
    assert any(
        a_start < b_end and b_start < a_end
        for index, (a_start, a_end) in enumerate(everything)
        for b_start, b_end in everything[index + 1 :]
    )
