"""POST /api/v1/conflicts/detect/: a full detection requested while one is queued
or running joins it (one run, the answer says `coalesced`), on both databases.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from procrastinate.contrib.django.models import ProcrastinateJob
from rest_framework.test import APIClient

from claims import tasks
from claims.models import ClaimLink
from factcheck.jobs.models import Job
from tests.factcheck.jobs_support import postgres_only
from tests.factories import FigureClaimFactory, MetricFactory, user_in_group

pytestmark = pytest.mark.django_db

DETECT = "/api/v1/conflicts/detect/"


def api_as(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


@pytest.fixture
def editor():
    return user_in_group("Editors")


@pytest.fixture
def conflicting_claims():
    # Made-up figures: two claims about one metric, 3.3 billion apart.
    metric = MetricFactory()
    FigureClaimFactory(metric=metric)
    FigureClaimFactory(metric=metric, value=Decimal("2000000000"))


def test_five_requests_while_one_is_queued_run_one_full_detection(
    editor, conflicting_claims, django_capture_on_commit_callbacks
):
    api = api_as(editor)
    with django_capture_on_commit_callbacks(execute=True) as runs:
        answers = [api.post(DETECT) for _ in range(5)]

    assert [answer.status_code for answer in answers] == [202] * 5
    bodies = [answer.json() for answer in answers]
    assert [body["coalesced"] for body in bodies] == [False] + [True] * 4
    assert {body["id"] for body in bodies} == {bodies[0]["id"]}
    assert {answer["Location"] for answer in answers} == {answers[0]["Location"]}
    assert len(runs) == 1  # inline: one run after the commit
    job = Job.objects.get()
    assert (job.state, job.attempts, job.result["created"]) == ("succeeded", 1, 1)
    assert ClaimLink.objects.filter(detected=True).count() == 1


def test_a_running_detection_absorbs_a_request_and_a_finished_one_does_not(
    editor, django_capture_on_commit_callbacks
):
    api = api_as(editor)
    with django_capture_on_commit_callbacks(execute=True):
        finished = api.post(DETECT).json()
    assert Job.objects.get(pk=finished["id"]).state == "succeeded"

    with django_capture_on_commit_callbacks(execute=False):
        second = api.post(DETECT).json()
    assert (second["coalesced"], second["id"] != finished["id"]) == (False, True)
    Job.objects.filter(pk=second["id"]).update(state=Job.State.RUNNING)
    with django_capture_on_commit_callbacks(execute=False):
        third = api.post(DETECT).json()

    assert (third["coalesced"], third["id"], third["state"]) == (
        True,
        second["id"],
        "running",
    )


def test_a_user_whose_request_joined_anothers_detection_may_read_it(
    editor, django_capture_on_commit_callbacks
):
    other = user_in_group("Editors")
    with django_capture_on_commit_callbacks(execute=False):
        started = api_as(editor).post(DETECT).json()
        joined = api_as(other).post(DETECT)

    assert joined.json()["id"] == started["id"]
    assert joined.json()["created_by"] == editor.username
    assert api_as(other).get(joined["Location"]).status_code == 200
    # Not every user's: one who joined nothing still gets 404.
    bystander = user_in_group("Editors")
    assert api_as(bystander).get(joined["Location"]).status_code == 404


def test_only_one_unfinished_job_may_hold_a_coalesce_key():
    Job.objects.create(kind="k", coalesce_key="work", state=Job.State.SUCCEEDED)
    Job.objects.create(kind="k", coalesce_key="work", state=Job.State.RUNNING)
    Job.objects.create(kind="k", state=Job.State.RUNNING)
    Job.objects.create(kind="k", state=Job.State.RUNNING)  # no key: no limit
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(kind="k", coalesce_key="work", state=Job.State.QUEUED)


@pytest.mark.postgres
@postgres_only
def test_with_a_queue_five_requests_queue_one_job_and_a_lost_one_is_replaced(
    editor, settings
):
    settings.JOBS_MODE = "queue"
    api = api_as(editor)
    bodies = [api.post(DETECT).json() for _ in range(5)]

    assert [body["coalesced"] for body in bodies] == [False] + [True] * 4
    queued = ProcrastinateJob.objects.filter(task_name="claims.detect_all_conflicts")
    assert queued.count() == 1
    job = Job.objects.get()
    assert (job.state, job.queue_job_id, job.coalesce_key) == (
        "queued",
        queued.get().pk,
        tasks.FULL_DETECTION_KEY,
    )

    # The queue lost its row (emptied by hand): the Job would never run.
    queued.delete()
    replacement = api.post(DETECT).json()

    assert (replacement["coalesced"], replacement["id"] != job.pk) == (False, True)
    job.refresh_from_db()
    assert job.state == "failed"
    assert job.error.startswith("Lost:")
    assert queued.count() == 1
