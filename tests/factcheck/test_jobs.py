"""Background jobs in inline mode (the test settings' default, SQLite's): a job runs
right after its transaction commits, never after a rollback; Job rows record runs;
the jobs endpoint, its permissions and the admin.

The queue mode with real workers is in test_jobs_worker.py (PostgreSQL).
"""

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from procrastinate.contrib.django.models import ProcrastinateJob
from procrastinate.jobs import Job as QueuedJob
from rest_framework.test import APIClient

from factcheck.db.routers import JobsRouter
from factcheck.jobs import JobFailed, defer, job_progress, start_job
from factcheck.jobs.models import Job
from factcheck.jobs.retry import Backoff
from tests.factcheck import jobs_tasks
from tests.factcheck.jobs_support import database_url, postgres_only
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
# Committed transactions, for the jobs that run when they commit; the rollback
# restores the groups the migrations made.
committing = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def group_exists(name: str) -> bool:
    return Group.objects.filter(name=name).exists()


def api_as(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


# Inline mode: after commit, never after a rollback ----------------------------


@committing
def test_a_deferred_job_runs_once_its_transaction_commits():
    with transaction.atomic():
        deferred = defer(jobs_tasks.make_group, name="after-commit")
        assert not group_exists("after-commit")  # not while the write is open
    assert group_exists("after-commit")
    assert deferred.inline
    assert deferred.queue_job_id is None


def test_a_scheduled_job_needs_the_queue(settings):
    # The inline and thread modes have no clock to run it later by.
    for mode in ("inline", "thread"):
        settings.JOBS_MODE = mode
        with pytest.raises(ValueError, match="schedule_at needs the queue"):
            defer(jobs_tasks.make_group, name="later", schedule_at=timezone.now())
    assert not group_exists("later")


@committing
def test_a_job_deferred_by_its_registered_name_runs_that_task():
    with transaction.atomic():
        deferred = defer(jobs_tasks.make_group.name, name="by-name")
    assert group_exists("by-name")
    assert deferred.task_name == "tests.factcheck.jobs_tasks.make_group"


def test_deferring_a_name_no_task_is_registered_under_is_refused():
    with pytest.raises(LookupError, match=r"claims\.no_such_task"):
        defer("claims.no_such_task", metric_id=1)
    with pytest.raises(LookupError, match=r"claims\.no_such_task"):
        start_job("claims.no_such_task", by=None)
    assert not Job.objects.exists()


@committing
def test_a_job_deferred_in_a_rolled_back_transaction_never_runs():
    with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - the rolled-back block
        defer(jobs_tasks.make_group, name="rolled-back")
        raise RuntimeError("the write fails")
    with transaction.atomic():
        defer(jobs_tasks.make_group, name="outer")
        with pytest.raises(RuntimeError), transaction.atomic():  # noqa: PT012 - the rolled-back block
            defer(jobs_tasks.make_group, name="inner-savepoint")
            raise RuntimeError("a savepoint rolls back")

    assert not group_exists("rolled-back")
    assert not group_exists("inner-savepoint")
    assert group_exists("outer")


@committing
def test_inline_jobs_with_one_queueing_lock_in_a_transaction_run_once():
    with transaction.atomic():
        first = defer(jobs_tasks.make_group, name="first", queueing_lock="one")
        second = defer(jobs_tasks.make_group, name="second", queueing_lock="one")
        other = defer(jobs_tasks.make_group, name="other", queueing_lock="two")
    # The waiting job runs after the commit, so it sees every write of it.
    assert (first.coalesced, second.coalesced, other.coalesced) == (False, True, False)
    assert group_exists("first")
    assert group_exists("other")
    assert not group_exists("second")


def test_a_job_deferred_outside_a_transaction_runs_at_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        defer(jobs_tasks.make_group, name="autocommit")
    assert group_exists("autocommit")


@pytest.mark.parametrize(
    "arguments",
    [{"when": object()}, {"pair": (1, 2)}, {"ratio": float("nan")}, {"ids": {1: 2}}],
    ids=["object", "tuple", "nan", "int-key"],
)
def test_arguments_a_worker_could_not_be_given_are_refused_when_deferring(arguments):
    with pytest.raises(TypeError, match="make_group"):
        defer(jobs_tasks.make_group, **arguments)


def test_an_inline_job_gets_its_arguments_as_they_were_when_deferred(
    django_capture_on_commit_callbacks,
):
    names = {"name": "snapshot"}
    with django_capture_on_commit_callbacks(execute=True):
        defer(jobs_tasks.make_group, **names)
        names["name"] = "changed later"
    assert group_exists("snapshot")
    assert not group_exists("changed later")


# Job rows: state, progress, result, error -----------------------------------


def test_a_started_job_records_its_progress_and_result(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(jobs_tasks.count_to, by=user, total=3)
        assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED

    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert job.result == {"counted": 3}
    assert job.attempts == 1
    assert job.arguments == {"total": 3}
    assert job.kind == "tests.factcheck.jobs_tasks.count_to"
    assert job.created_by == user
    assert job.created_at <= job.started_at <= job.finished_at
    assert job.error == ""
    assert job.queue_job_id is None


def test_a_failing_inline_job_is_failed_at_once_with_its_error(
    django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(jobs_tasks.fail, by=None, message="no such metric")

    job.refresh_from_db()
    assert job.state == Job.State.FAILED  # no retries inline: nothing would wait
    assert job.error == "RuntimeError: no such metric"
    assert job.attempts == 1
    assert job.finished_at is not None
    assert "Inline job tests.factcheck.jobs_tasks.fail" in caplog.text


def test_job_failed_records_the_input_the_job_failed_on(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(
            jobs_tasks.fail,
            by=None,
            message="Bad unit",
            input="line 12",
            permanent=True,
        )
    job.refresh_from_db()
    assert (job.state, job.error, job.error_input) == ("failed", "Bad unit", "line 12")


def test_a_failed_run_leaves_none_of_its_writes(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(jobs_tasks.write_then_fail, by=None, name="half done")

    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert not group_exists("half done")  # a retry starts from nothing


@committing
@pytest.mark.postgres
@postgres_only
def test_a_run_that_finds_its_job_completed_by_another_rolls_its_writes_back():
    job = start_job(
        jobs_tasks.completed_meanwhile,
        by=None,
        name="written twice",
        database_url=database_url(),
    )

    job.refresh_from_db()
    assert (job.state, job.result) == ("succeeded", "the other run's")
    assert not group_exists("written twice")


def test_a_job_that_already_succeeded_is_not_run_again():
    # A worker killed after the task finished but before it acknowledged the job:
    # the queue runs it again, and the run must change nothing.
    job = Job.objects.create(
        kind=jobs_tasks.fail.name, state=Job.State.SUCCEEDED, result="stored"
    )
    assert jobs_tasks.fail(job_id=job.pk, message="ran twice") == "stored"
    job.refresh_from_db()
    assert (job.state, job.result, job.error) == ("succeeded", "stored", "")


def test_job_progress_refuses_impossible_counts():
    job = Job.objects.create(kind="k")
    for done, total in [(-1, None), (4, 3)]:
        with pytest.raises(ValueError, match="is not possible"):
            job_progress(job.pk, done, total)
    job_progress(job.pk, 2, None)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (2, None)


# Retries ----------------------------------------------------------------------


def test_backoff_doubles_its_wait_and_stops_after_its_attempts(settings):
    settings.JOBS_MAX_ATTEMPTS, settings.JOBS_RETRY_WAIT_SECONDS = 4, 10

    def wait_after(attempts_before: int, error: Exception) -> int | None:
        job = QueuedJob(
            id=1, queue="q", lock=None, queueing_lock=None, task_name="t",
            attempts=attempts_before,
        )  # fmt: skip
        decision = Backoff().get_retry_decision(exception=error, job=job)
        if decision is None:
            return None
        return round((decision.retry_at - timezone.now()).total_seconds())

    # After the first, second and third runs; the fourth is the last.
    assert [wait_after(n, RuntimeError()) for n in range(4)] == [10, 20, 40, None]
    assert wait_after(0, JobFailed("bad row")) is None
    assert (
        Backoff(attempts=2, wait=1).get_retry_decision(
            exception=RuntimeError(),
            job=QueuedJob(
                queue="q", lock=None, queueing_lock=None, task_name="t", attempts=1
            ),
        )
        is None
    )


# The jobs endpoint --------------------------------------------------------------


def test_the_endpoint_shows_a_queued_job_before_it_runs():
    user = UserFactory()
    job = start_job(jobs_tasks.count_to, by=user, total=5)  # never committed

    response = api_as(user).get(f"/api/v1/jobs/{job.pk}/")

    assert response.status_code == 200
    assert response.json() == {
        "id": job.pk,
        "url": f"http://testserver/api/v1/jobs/{job.pk}/",
        "kind": "tests.factcheck.jobs_tasks.count_to",
        "state": "queued",
        "attempts": 0,
        "progress": {"done": 0, "total": None},
        "result": None,
        "error": None,
        "arguments": {"total": 5},
        "created_by": user.username,
        "created_at": response.json()["created_at"],
        "started_at": None,
        "finished_at": None,
    }


def test_the_endpoint_shows_progress_result_and_error(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        done = start_job(jobs_tasks.count_to, by=user, total=2)
        failed = start_job(
            jobs_tasks.fail, by=user, message="Bad unit", input="row 7", permanent=True
        )

    body = api_as(user).get(f"/api/v1/jobs/{done.pk}/").json()
    assert body["state"] == "succeeded"
    assert body["progress"] == {"done": 2, "total": 2}
    assert body["result"] == {"counted": 2}
    assert body["error"] is None
    assert body["started_at"]
    assert body["finished_at"]

    body = api_as(user).get(f"/api/v1/jobs/{failed.pk}/").json()
    assert body["state"] == "failed"
    assert body["error"] == {"message": "Bad unit", "input": "row 7"}
    assert body["result"] is None


@pytest.mark.parametrize(
    ("reader", "status"),
    [
        ("owner", 200),
        ("superuser", 200),
        ("with view_job", 200),
        ("staff without view_job", 404),
        ("another user", 404),
        ("anonymous", 401),
    ],
)
def test_a_job_is_readable_by_its_owner_and_holders_of_view_job_only(reader, status):
    owner = UserFactory(username="owner")
    job = Job.objects.create(kind="k", created_by=owner)
    users = {
        "owner": owner,
        "superuser": UserFactory(is_staff=True, is_superuser=True),
        "with view_job": UserFactory(),
        "staff without view_job": UserFactory(is_staff=True),
        "another user": UserFactory(),
        "anonymous": None,
    }
    users["with view_job"].user_permissions.add(
        Permission.objects.get(codename="view_job", content_type__app_label="factcheck")
    )

    response = api_as(users[reader]).get(f"/api/v1/jobs/{job.pk}/")

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("job_id", ["999999", str(2**63), str(10**30)])
def test_unknown_job_ids_are_404(job_id, superuser):
    Job.objects.create(kind="k")
    response = api_as(superuser).get(f"/api/v1/jobs/{job_id}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No Job matches the given query."}


def test_a_job_read_takes_three_queries(django_assert_num_queries):
    owner = UserFactory()
    job = Job.objects.create(kind="k", created_by=owner)
    client = api_as(owner)
    # The reader's permissions and groups' permissions (factcheck.view_job), then
    # the job with its creator; and the session and its user, which sign the
    # reader in (2 more).
    with django_assert_num_queries(3 + 2):
        assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 200


# 202 Accepted with Location --------------------------------------------------


@committing
@pytest.mark.urls("tests.factcheck.jobs_urls")
def test_a_request_starting_a_job_answers_202_with_the_job_and_its_location():
    user = UserFactory()

    response = api_as(user).post("/test/start-job/", {"name": "written"})

    assert response.status_code == 202
    job = Job.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    # Inline, the job ran when the request's transaction committed.
    assert response.json()["state"] == "succeeded"
    assert response.json()["url"] == response["Location"]
    assert api_as(user).get(response["Location"]).json()["result"] == {"counted": 2}


@committing
@pytest.mark.urls("tests.factcheck.jobs_urls")
def test_a_failing_job_never_fails_the_request_that_committed_it(caplog):
    user = UserFactory()

    response = api_as(user).post("/test/start-job/", {"name": "kept", "fail": True})

    assert response.status_code == 202
    assert group_exists("kept")  # the write committed
    assert response.json()["state"] == "failed"
    job = Job.objects.get()
    assert (job.state, job.error, job.error_input) == ("failed", "boom", "kept")
    assert "Inline job tests.factcheck.jobs_tasks.fail" in caplog.text


def test_the_schema_documents_the_jobs_endpoint_and_202_answers():
    schema = SchemaGenerator(urlconf="tests.factcheck.jobs_urls").get_schema(
        request=None, public=True
    )
    detail = schema["paths"]["/api/v1/jobs/{id}/"]["get"]
    assert {"200", "401", "404"} <= set(detail["responses"])
    started = schema["paths"]["/test/start-job/"]["post"]["responses"]["202"]
    assert started["headers"]["Location"]["schema"] == {"type": "string"}
    assert started["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AcceptedJob"
    }
    job = schema["components"]["schemas"]["Job"]
    assert "#/components/schemas/JobStateEnum" in json.dumps(job["properties"]["state"])
    accepted = schema["components"]["schemas"]["AcceptedJob"]["properties"]
    assert set(accepted) == {*job["properties"], "coalesced"}
    assert accepted["coalesced"]["type"] == "boolean"


# Admin --------------------------------------------------------------------------


def test_the_admin_lists_jobs_read_only(admin_client):
    job = Job.objects.create(
        kind="claims.import", state=Job.State.FAILED, error="Bad unit", attempts=2
    )
    changelist = admin_client.get(reverse("admin:factcheck_job_changelist"))
    assert changelist.status_code == 200
    assert b"claims.import" in changelist.content
    assert b"Bad unit" in changelist.content

    page = admin_client.get(reverse("admin:factcheck_job_change", args=[job.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # nothing to save
    assert admin_client.get(reverse("admin:factcheck_job_add")).status_code == 403


@pytest.mark.parametrize("rows", [3, 30])
def test_the_job_changelist_queries_do_not_grow_with_its_rows(
    admin_client, rows, django_assert_max_num_queries
):
    for number in range(rows):
        Job.objects.create(kind=f"k{number}", created_by=UserFactory())
    with django_assert_max_num_queries(8):
        assert (
            admin_client.get(reverse("admin:factcheck_job_changelist")).status_code
            == 200
        )


def test_the_job_queue_admin_is_there_only_on_postgresql(db):
    from django.db import connection

    registered = admin.site.is_registered(ProcrastinateJob)
    assert registered == (connection.vendor == "postgresql")


def test_jobs_arguments_and_results_round_trip_as_json():
    job = Job.objects.create(kind="k", arguments={"ids": [1, 2]}, result={"n": 1})
    job.refresh_from_db()
    assert json.dumps(job.arguments) == '{"ids": [1, 2]}'
    assert job.result == {"n": 1}


# The job queue's schema ------------------------------------------------------------


def test_the_queue_schema_migrates_on_postgresql_only():
    from django.db import connection

    router = JobsRouter()
    expected = None if connection.vendor == "postgresql" else False
    assert router.allow_migrate("default", "procrastinate") is expected
    assert router.allow_migrate("default", "factcheck", model_name="job") is None


def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_a_task_called_directly_runs_as_an_inline_job():
    assert jobs_tasks.make_group(name="called") == "called"
    assert group_exists("called")
