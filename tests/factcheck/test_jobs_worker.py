"""The job queue with real workers: `manage.py procrastinate worker` processes run
against the test database while the test defers jobs and watches their Job rows.

PostgreSQL only. The workers run with short timeouts (WORKER_SETTINGS): a
heartbeat every half second, taken for dead after two seconds of silence, looked
for every second; retries after 0.5 s, then 1 s, three runs in all. Each wait is
bounded (WAIT), and every worker is killed when its test ends.
"""

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from factcheck.jobs import defer, start_job
from factcheck.jobs.models import Job
from tests.factcheck import jobs_tasks
from tests.factcheck.jobs_support import (
    WAIT,
    clear_queue,
    database_url,
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

    def start(self, *options: str) -> subprocess.Popen:
        log = self.folder / f"worker-{len(self.processes)}.log"
        environment = {
            **os.environ,
            **WORKER_SETTINGS,
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


@pytest.fixture
def workers(tmp_path, settings):
    settings.JOBS_MODE = "queue"
    clear_queue()
    started = Workers(tmp_path)
    yield started
    started.kill_all()
    print(started.logs())  # pytest shows it when the test failed
    clear_queue()


def finished(job: Job) -> Job | None:
    """Return the job once it finished and its worker acknowledged it to the queue.

    The run writes the Job's end a moment before the worker marks its queue row.
    """
    job.refresh_from_db()
    if job.is_finished and queue_status(job.queue_job_id) in {"succeeded", "failed"}:
        return job
    return None


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
