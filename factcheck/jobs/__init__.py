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
    def anchor_document(*, job_id: int, document_id: int) -> dict:
        ...  # one transaction, which also marks the Job succeeded
        return {"anchored": n}

    job = start_job(anchor_document, by=request.user, document_id=document.pk)
    return accepted(job, request)  # factcheck.jobs.api: 202 with Location

A service defers a job by the name the task is registered under
(`defer("claims.refresh_conflicts", ...)`, `start_job("claims.import_upload", ...)`):
the task module imports the services it runs, so a service never imports it back.

Where jobs run (settings.JOBS_MODE): "queue" (PostgreSQL) writes the job as a row
in the deferring transaction, so it exists exactly when the write committed, and a
worker (`make worker`) runs it, retrying failures with exponential backoff
(JOBS_MAX_ATTEMPTS, JOBS_RETRY_WAIT_SECONDS) and running again the jobs of a worker
that died (JOBS_STALLED_AFTER_SECONDS). "thread" (SQLite's default) hands it, once
the transaction commits (never if it rolls back), to a worker thread of the same
process that runs jobs one at a time (factcheck.jobs.worker_thread); "inline" (the
tests) runs it in the committing thread before the request is answered. In both a
job runs once, with no retries; a failure is logged and recorded on its Job, never
raised.

Delivery is at least once, the effect exactly once (docs/jobs.md): a job may run
again after its worker died, even after its effect committed, so a Job's completion
commits with its effect and a run of a Job that already succeeded does nothing.

Rules for task authors:

1. Exactly once: by default (`@task(atomic=True)`) a run is one transaction, and
   the runner marks the Job succeeded inside it: write the effect, return the
   result. A task that must commit in steps (progress between them, one metric at
   a time) sets atomic=False and either calls complete_job(job_id, result) as the
   last statement of the transaction that commits its effect, or recomputes
   derived rows so that a second run writes what the first did. Never count or
   append per run outside such a transaction.
2. Tasks without a Job row (defer()) have no completion record: they must be
   idempotent by themselves (upserts keyed on what the job is about, derived rows
   replaced rather than appended).
3. Arguments are JSON values (ids, not model instances), read again from the
   database when the job runs; the task must cope with rows deleted since.
4. Raise JobFailed(message, input=...) for errors retrying cannot mend (a bad
   row): the job fails at once, saying which input. Anything else is retried.
5. Plain (sync) functions using the ORM. Use `lock` for jobs that must not
   overlap (the same metric), `queueing_lock` for jobs that may be coalesced, and
   start_or_join_job(key=...) for a watched Job that requests share while it is
   unfinished (full conflict detection).
"""

from .exceptions import JobAlreadyDone, JobFailed
from .queue import DeferredJob, defer, jobs_mode, registered_task, task
from .runner import complete_job
from .services import StartedJob, job_progress, start_job, start_or_join_job

__all__ = [
    "DeferredJob",
    "JobAlreadyDone",
    "JobFailed",
    "StartedJob",
    "complete_job",
    "defer",
    "job_progress",
    "jobs_mode",
    "registered_task",
    "start_job",
    "start_or_join_job",
    "task",
]
