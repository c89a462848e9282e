"""Exactly once: a series load whose worker is killed, and which another worker
runs again, stores its vintage once.

PostgreSQL with real `procrastinate worker` processes, as
tests/factcheck/test_jobs_exactly_once.py: the first worker stops at a point of the
run (factcheck.jobs.pauses) and is killed there with SIGKILL; a second worker
retries the stalled job. A load is one transaction that also records the Job's
success, so it commits whole with that record or not at all.
"""

import pytest

from factcheck.jobs import pauses, start_job
from series.models import Observation, SeriesImport, Vintage
from series.services.loading import LOAD_UPLOAD_TASK
from tests.factcheck.jobs_support import postgres_only
from tests.factcheck.test_jobs_exactly_once import kill_at, run_again

from . import samples

pytestmark = [
    pytest.mark.postgres,
    postgres_only,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

YEARS = range(2005, 2015)


@pytest.mark.parametrize("point", pauses.POINTS)
def test_a_load_whose_worker_is_killed_stores_its_vintage_once(
    workers, tmp_path, point
):
    # Made-up values: Russia's exports to Iran and imports from it, ten years.
    records = [
        samples.comtrade_record(
            flowCode=flow, refYear=year, period=str(year), primaryValue=year * 1000
        )
        for flow in ("X", "M")
        for year in YEARS
    ]
    upload = SeriesImport.objects.create(
        format="comtrade-json",
        file_name="answer.json",
        content=samples.comtrade_file(*records),
    )
    job = start_job(LOAD_UPLOAD_TASK, by=None, import_id=upload.pk)

    kill_at(workers, point, tmp_path)
    run_again(workers, job)

    assert job.state == "succeeded", job.error
    assert Vintage.objects.count() == 2  # one per series: exports, imports
    assert Observation.objects.count() == len(records)
    assert Observation.objects.values(
        "series", "period_start", "period_end"
    ).distinct().count() == len(records)
    # The result is the run that stored them, not a rerun that found them there.
    assert job.result["records"] == len(records)
    assert job.result["nothing_new"] is False
    assert job.attempts == (1 if point == pauses.EFFECT_COMMITTED else 2)
