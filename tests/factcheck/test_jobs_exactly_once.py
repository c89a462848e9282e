"""Exactly once: a job whose worker is killed at any point of its run, and run
again by another worker, leaves its effect once (factcheck.jobs.runner).

PostgreSQL with real worker processes (tests/factcheck/conftest.py). The first
worker is told to stop at one point of the run (factcheck.jobs.pauses, a setting
only the test settings read) and is killed there with SIGKILL; a second worker
retries the stalled job. Every wait is bounded (WAIT).
"""

import json
import os
import signal
from decimal import Decimal
from pathlib import Path

import pytest

from claims import tasks
from claims.models import Candidate, Claim, ClaimLink
from claims.services.import_files import claim_import_start
from factcheck.jobs import pauses, start_job
from factcheck.jobs.models import Job
from tests.claims.test_extraction import TEXT as EXTRACTION_TEXT
from tests.claims.test_import_claims import claim_row
from tests.factcheck.jobs_support import (
    WAIT,
    Workers,
    clear_queue,
    finished,
    postgres_only,
    wait_until,
)
from tests.factories import (
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
)

pytestmark = [
    pytest.mark.postgres,
    postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = 20


def kill_at(workers: Workers, point: str, folder: Path) -> None:
    """Start a worker that stops at `point` of the next job, and kill it there."""
    worker = workers.start(
        environment={"JOBS_PAUSE_AT": point, "JOBS_PAUSE_DIR": str(folder)}
    )
    wait_until(lambda: (folder / point).exists(), f"the worker to reach {point}")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(WAIT)


def run_again(workers: Workers, job: Job) -> Job:
    """Start a worker that retries the stalled job; return the job once finished."""
    workers.start()
    wait_until(lambda: finished(job), "the job to be run again")
    return job


@pytest.mark.parametrize("point", pauses.POINTS)
def test_an_import_whose_worker_is_killed_stores_each_row_exactly_once(
    workers, tmp_path, point
):
    # Made-up rows for this test: one document, person and metric for all.
    references = {
        "document": DocumentFactory(),
        "speaker": PersonFactory(),
        "metric": MetricFactory(slug="exactly-once"),
    }
    content = "\n".join(
        json.dumps(claim_row(references, n)) for n in range(1, ROWS + 1)
    )
    job = claim_import_start(by=None, format="jsonl", content=content)

    kill_at(workers, point, tmp_path)
    run_again(workers, job)

    assert job.state == "succeeded", job.error
    assert Claim.objects.count() == ROWS
    assert Claim.objects.values("text").distinct().count() == ROWS
    assert Claim.history.count() == ROWS
    assert job.result["created"] == ROWS
    # Killed once its rows committed, the job had succeeded with them: the retry
    # found it done and ran nothing.
    assert job.attempts == (1 if point == pauses.EFFECT_COMMITTED else 2)


@pytest.mark.parametrize("point", pauses.POINTS)
def test_an_extraction_whose_worker_is_killed_stores_each_candidate_once(
    workers, tmp_path, point
):
    document = DocumentFactory(text=EXTRACTION_TEXT)
    job = start_job(tasks.extract_document, by=None, document_id=document.pk)

    kill_at(workers, point, tmp_path)
    run_again(workers, job)

    assert job.state == "succeeded", job.error
    spans = list(Candidate.objects.values_list("quote_start", "quote_end"))
    assert len(spans) == len(set(spans)) == 3
    # The result is the run that stored them, not a rerun that found them there.
    assert job.result["created"] == 3
    assert sorted(job.result["candidates"]) == sorted(
        Candidate.objects.values_list("pk", flat=True)
    )
    assert job.attempts == (1 if point == pauses.EFFECT_COMMITTED else 2)


def test_a_full_detection_whose_worker_is_killed_after_it_committed_links_once(
    workers, tmp_path
):
    # Made-up figures: on each of two metrics, two claims 3.3 billion apart.
    for _ in range(2):
        metric = MetricFactory()
        FigureClaimFactory(metric=metric)
        FigureClaimFactory(metric=metric, value=Decimal("2000000000"))
    # Saving a claim defers other jobs (the series app's comparisons): the worker
    # must stop in the detection, not in one of those.
    clear_queue()
    job = start_job(tasks.detect_all_conflicts, by=None)

    # Every metric's transaction committed; the Job is not marked yet.
    kill_at(workers, pauses.EFFECT_COMMITTED, tmp_path)
    run_again(workers, job)

    assert job.state == "succeeded", job.error
    links = ClaimLink.objects.filter(detected=True)
    assert links.count() == 2
    assert links.values("from_claim", "to_claim").distinct().count() == 2
    # Recomputed, not appended: the second run found the links in place.
    assert job.attempts == 2
    assert (job.result["created"], job.result["removed"]) == (0, 0)
