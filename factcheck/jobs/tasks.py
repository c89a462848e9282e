"""The job queue's own periodic tasks, run by workers (PROCRASTINATE_IMPORT_PATHS).

procrastinate defers each tick of a periodic task once however many workers run,
and one of them runs it.
"""

import logging
from typing import cast

from asgiref.sync import sync_to_async
from django.conf import settings
from procrastinate.contrib.django import app
from procrastinate.job_context import JobContext
from procrastinate.jobs import Status

from .exceptions import WorkerLost
from .runner import record_failure

logger = logging.getLogger(__name__)


@app.periodic(cron=settings.JOBS_STALLED_CHECK_CRON)
@app.task(
    name="factcheck.jobs.retry_stalled_jobs",
    pass_context=True,
    queue="builtin",
    # One waiting at most however long the workers are busy, and first in line.
    # No `lock`: a check whose worker died would hold it, and with it every check.
    queueing_lock="factcheck.jobs.retry_stalled_jobs",
    priority=10,
)
async def retry_stalled_jobs(context: JobContext, timestamp: int) -> int:
    """Run again the jobs of workers silent for JOBS_STALLED_AFTER_SECONDS.

    A worker killed mid-job (kill -9, a lost machine) leaves its job "doing" for
    ever. Its lost run counts as a failed attempt: the job is retried as its task's
    retry strategy says, or failed when its attempts are spent, so a job that kills
    every worker it runs on ends failed rather than looping. Return the count.
    """
    manager = context.app.job_manager
    stalled = list(
        await manager.get_stalled_jobs(
            seconds_since_heartbeat=settings.JOBS_STALLED_AFTER_SECONDS
        )
    )
    for job in stalled:
        lost = WorkerLost(
            f"The worker running attempt {job.attempts + 1} stopped responding."
        )
        task = context.app.tasks.get(job.task_name)
        retry = task.get_retry_exception(exception=lost, job=job) if task else None
        try:
            if retry:
                await manager.retry_job(job, retry_at=retry.retry_decision.retry_at)
            else:
                await manager.finish_job(
                    job=job, status=Status.FAILED, delete_job=False
                )
        except Exception:
            # Finished by its worker after all, or handled by another check.
            logger.warning("Stalled job %s changed meanwhile.", job.id, exc_info=True)
            continue
        logger.warning(
            "Job %s was stalled (worker %s silent): %s.",
            job.call_string,
            job.worker_id,
            "retried" if retry else "failed",
        )
        job_id = job.task_kwargs.get("job_id")
        if job_id is not None:
            # start_job() passes the Job's id, an int, as `job_id`.
            await sync_to_async(record_failure)(
                cast(int, job_id), lost, retrying=bool(retry)
            )
    return len(stalled)


@app.periodic(cron="17 3 * * *")
@app.task(
    name="factcheck.jobs.remove_old_jobs",
    pass_context=True,
    queue="builtin",
    queueing_lock="factcheck.jobs.remove_old_jobs",
)
async def remove_old_jobs(context: JobContext, timestamp: int) -> None:
    """Delete the queue's rows of jobs that succeeded JOBS_KEEP_SUCCEEDED_HOURS ago.

    Job rows (factcheck.Job) are kept: they are the record users see.
    """
    await context.app.job_manager.delete_old_jobs(
        nb_hours=settings.JOBS_KEEP_SUCCEEDED_HOURS
    )
