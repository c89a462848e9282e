"""The queue mode without a worker (PostgreSQL): a deferred job is a row written in
the deferring transaction, a queueing lock coalesces jobs without breaking it, racing
requests for the same work share one Job, and the job queue's own admin works with
ours.
"""

import threading

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.urls import reverse
from procrastinate.contrib.django.models import ProcrastinateJob

from factcheck.jobs import StartedJob, defer, start_job, start_or_join_job
from factcheck.jobs.models import Job
from tests.factcheck import jobs_tasks
from tests.factcheck.jobs_support import (
    WAIT,
    clear_queue,
    postgres_only,
    queue_status,
    wait_until,
)

pytestmark = [pytest.mark.postgres, postgres_only, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def queue_mode(settings):
    settings.JOBS_MODE = "queue"


def test_a_job_is_a_row_of_the_transaction_that_deferred_it():
    with transaction.atomic():
        kept = defer(jobs_tasks.make_group, name="kept", priority=3, lock="metric-1")
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - rolled back
        dropped = defer(jobs_tasks.make_group, name="dropped")
        assert ProcrastinateJob.objects.filter(pk=dropped.queue_job_id).exists()
        raise RuntimeError("the write fails")

    assert not kept.inline
    assert not kept.coalesced
    job = ProcrastinateJob.objects.get(pk=kept.queue_job_id)
    assert (job.task_name, job.args, job.status) == (
        "tests.factcheck.jobs_tasks.make_group",
        {"name": "kept"},
        "todo",
    )
    assert (job.priority, job.lock) == (3, "metric-1")
    assert not ProcrastinateJob.objects.filter(pk=dropped.queue_job_id).exists()
    assert not Group.objects.filter(name__in=["kept", "dropped"]).exists()  # no worker


def test_a_second_job_with_a_waiting_queueing_lock_is_coalesced_into_the_first():
    with transaction.atomic():
        first = defer(jobs_tasks.make_group, name="a", queueing_lock="metric-1")
        second = defer(jobs_tasks.make_group, name="b", queueing_lock="metric-1")
        other = defer(jobs_tasks.make_group, name="c", queueing_lock="metric-2")
        # The refused insert was rolled back to a savepoint: the transaction goes on.
        Group.objects.create(name="after the refused insert")

    assert second.coalesced
    assert second.queue_job_id == first.queue_job_id
    assert not other.coalesced
    assert ProcrastinateJob.objects.filter(queueing_lock="metric-1").count() == 1


def test_start_job_records_the_job_queue_row_of_its_job():
    job = start_job(jobs_tasks.count_to, by=None, total=2)
    assert job.queue_job_id is not None
    queued = ProcrastinateJob.objects.get(pk=job.queue_job_id)
    assert queued.args == {"total": 2, "job_id": job.pk}
    assert queue_status(job.queue_job_id) == "todo"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_coalesced_job_cannot_start_before_the_transaction_that_relied_on_it():
    # A waiting job stands in for a new one only if it runs after the new write
    # commits: until then workers, which take jobs FOR UPDATE SKIP LOCKED, skip it.
    clear_queue()
    try:
        waiting = defer(jobs_tasks.make_group, name="a", queueing_lock="metric-1")
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as worker:

            def take() -> list:
                # What procrastinate_fetch_job_v2 does to claim a job.
                return worker.execute(
                    "SELECT id FROM procrastinate_jobs WHERE id = %s"
                    " FOR UPDATE SKIP LOCKED",
                    [waiting.queue_job_id],
                ).fetchall()

            with transaction.atomic():
                Group.objects.create(name="the write the job must see")
                again = defer(jobs_tasks.make_group, name="b", queueing_lock="metric-1")
                assert again.coalesced
                assert again.queue_job_id == waiting.queue_job_id
                seen_inside = run_in_thread(take)
            seen_after = run_in_thread(take)
    finally:
        clear_queue()

    assert seen_inside == []
    assert seen_after == [(waiting.queue_job_id,)]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_racing_requests_for_the_same_work_start_one_job_and_join_it():
    clear_queue()
    joined: list[StartedJob] = []

    def second_request() -> None:
        try:
            joined.append(
                start_or_join_job(jobs_tasks.hold, by=None, key="work", seconds=0)
            )
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=second_request)
    try:
        with transaction.atomic():
            first = start_or_join_job(jobs_tasks.hold, by=None, key="work", seconds=0)
            thread.start()
            # It found no Job (this one is not committed) and its insert waits on
            # the unique constraint for this transaction to end.
            wait_until(waiting_on_a_lock, "the second request to wait")
        thread.join(WAIT)
    finally:
        clear_queue()

    assert not first.coalesced
    assert joined, "the second request never returned"
    assert joined[0].coalesced
    assert joined[0].job.pk == first.job.pk
    assert Job.objects.count() == 1


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction the statistics are a snapshot unless cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def run_in_thread(function):
    """Run `function` in another thread (as another process would), return its value."""
    result = []
    thread = threading.Thread(target=lambda: result.append(function()))
    thread.start()
    thread.join(30)
    assert result, "timed out"
    return result[0]


def test_the_job_queue_admin_lists_and_shows_queued_jobs(admin_client):
    deferred = defer(jobs_tasks.make_group, name="in the admin")

    changelist = admin_client.get(
        reverse("admin:procrastinate_procrastinatejob_changelist")
    )
    page = admin_client.get(
        reverse(
            "admin:procrastinate_procrastinatejob_change",
            args=[deferred.queue_job_id],
        )
    )

    assert changelist.status_code == 200
    assert b"make_group" in changelist.content
    assert page.status_code == 200
    assert b"in the admin" in page.content
