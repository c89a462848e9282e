"""Background jobs: work that grows with the data, off the request path.

Declare a task in an app's `tasks.py` (workers import those modules), then defer
jobs of it inside the write that needs them::

    from factcheck.jobs import defer, task

    @task
    def recheck_metric(*, metric_id: int) -> None:
        ...  # idempotent, one transaction

    with transaction.atomic():
        claim.save()
        defer(recheck_metric, metric_id=claim.metric_id,
              queueing_lock=f"recheck-metric-{claim.metric_id}")

A long operation users start and watch gets a Job row (state, progress, result or
error; GET /api/v1/jobs/{id}/)::

    @task
    def import_rows(*, job_id: int, upload_id: int) -> dict:
        for done, batch in enumerate(batches, 1):
            ...  # one transaction per batch, written idempotently
            job_progress(job_id, done, len(batches))
        return {"imported": n}

    job = start_job(import_rows, by=request.user, upload_id=upload.pk)
    return accepted(job, request)  # factcheck.jobs.api: 202 with Location

A service defers a job by the name the task is registered under
(`defer("claims.refresh_conflicts", ...)`, `start_job("claims.import_upload", ...)`):
the task module imports the services it runs, so a service never imports it back.

Where jobs run (settings.JOBS_MODE): "queue" (PostgreSQL) writes the job as a row
in the deferring transaction, so it exists exactly when the write committed, and a
worker (`make worker`) runs it, retrying failures with exponential backoff
(JOBS_MAX_ATTEMPTS, JOBS_RETRY_WAIT_SECONDS) and running again the jobs of a worker
that died (JOBS_STALLED_AFTER_SECONDS). "inline" (SQLite; PostgreSQL in tests) runs
it in the same process right after the transaction commits, once, never at all if
it rolls back; a failure is logged and recorded on its Job, never raised.

Rules for task authors:

1. Idempotent: a job may run more than once (a retry after a failure, a worker
   killed mid-job, an acknowledgement lost); running it twice must give the same
   result as once. Write with get_or_create/update_or_create or upserts keyed on
   what the job is about, replace derived rows rather than appending, and never
   count or append per run.
2. Small transactions: one transaction per step (a metric, a batch), so a crash
   loses one step, and report progress between them.
3. Arguments are JSON values (ids, not model instances), read again from the
   database when the job runs; the task must cope with rows deleted since.
4. Raise JobFailed(message, input=...) for errors retrying cannot mend (a bad
   row): the job fails at once, saying which input. Anything else is retried.
5. Plain (sync) functions using the ORM. Use `lock` for jobs that must not
   overlap (the same metric), `queueing_lock` for jobs that may be coalesced.
"""

from .exceptions import JobFailed
from .queue import DeferredJob, defer, jobs_mode, registered_task, task
from .services import job_progress, start_job

__all__ = [
    "DeferredJob",
    "JobFailed",
    "defer",
    "job_progress",
    "jobs_mode",
    "registered_task",
    "start_job",
    "task",
]
