"""Exactly once: a review import whose worker is killed, and which another worker
runs again, stores each review once and reports the file as one run would.

PostgreSQL with real `procrastinate worker` processes, as
tests/factcheck/test_jobs_exactly_once.py: the first worker stops at a point of the
run (factcheck.jobs.pauses) and is killed there with SIGKILL; a second worker
retries the stalled job. The import commits batch by batch, so besides the runner's
points it is also killed between two batches (BATCH_COMMITTED).
"""

import pytest

from factcheck.jobs import pauses
from reviews.models import ExternalReview, ReviewImport
from reviews.services import BATCH_SIZE, review_import_start
from tests.factcheck.jobs_support import postgres_only
from tests.factcheck.test_jobs_exactly_once import kill_at, run_again

from . import samples

pytestmark = [
    pytest.mark.postgres,
    postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Two batches, and a broken item in each (made up for this test).
REVIEWS = BATCH_SIZE + 20
BROKEN = (3, BATCH_SIZE + 7)


def feed() -> str:
    items = []
    for number in range(REVIEWS + len(BROKEN)):
        item = samples.claim_review(number)
        if number in BROKEN:
            del item["url"]
        items.append(item)
    return samples.datafeed(*items).decode()


@pytest.mark.parametrize("point", [*pauses.POINTS, pauses.BATCH_COMMITTED])
def test_an_import_whose_worker_is_killed_stores_each_review_once(
    workers, tmp_path, point
):
    job = review_import_start(by=None, format="datafeed", content=feed())

    kill_at(workers, point, tmp_path)
    run_again(workers, job)

    assert job.state == "succeeded", job.error
    assert ExternalReview.objects.count() == REVIEWS
    assert ExternalReview.objects.values("key").distinct().count() == REVIEWS
    assert ExternalReview.history.count() == REVIEWS
    # The report is the file's, whichever run stored which batch.
    assert job.result["read"] == REVIEWS + len(BROKEN)
    assert job.result["created"] == REVIEWS
    assert job.result["unchanged"] == 0
    assert [item["position"] for item in job.result["rejected"]] == [
        f"dataFeedElement[{n}].item[0]" for n in BROKEN
    ]
    assert ReviewImport.objects.get().progress == job.result
    # Killed once the Job's completion committed with the last batch's progress,
    # the retry found it done and ran nothing.
    assert job.attempts == (1 if point == pauses.EFFECT_COMMITTED else 2)
