"""One run of a task, by a worker or inline, and what it writes on its Job row.

Delivery is at least once: a worker killed after a job's effect committed but
before it acknowledged the job to the queue leaves the job "doing", and the
stalled-job check runs it again. The effect is exactly once because a Job's
completion commits with its effect:

- By default (`atomic=True`) the runner opens the transaction, runs the task in
  it, and marks the Job succeeded (complete_job) before it commits: the effect and
  the record of it commit together or not at all.
- A task that needs several transactions (progress between steps; `atomic=False`)
  calls complete_job() itself inside the transaction that commits its effect (an
  import), or is idempotent by recomputation (full conflict detection: a second run
  writes what the first did), and the runner records its success afterwards.

A run of a Job that already succeeded changes nothing and returns the stored
result; a run that finds, when it completes, that another run completed the Job
meanwhile rolls its effect back (JobAlreadyDone). Jobs without a Job row (short
deferred jobs) have no completion record: their tasks recompute derived rows and
may run twice. A failed run marks the Job retrying (another attempt is scheduled)
or failed, with the error and the input it failed on.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from procrastinate.job_context import JobContext

from factcheck.db import statement_timeout

from . import pauses
from .exceptions import JobAlreadyDone, JobFailed
from .models import Job

logger = logging.getLogger(__name__)

ERROR_INPUT_MAX_LENGTH = Job._meta.get_field("error_input").max_length


def run(
    func: Callable[..., Any],
    *,
    context: JobContext | None,
    kwargs: dict[str, Any],
    takes_job_id: bool,
    atomic: bool = True,
) -> Any:
    """Run `func` once with `kwargs`, recording the run on its Job row if it has one.

    `context` is the worker's (None inline): its job's attempts say which attempt
    this is, and its task's retry strategy whether another will follow a failure.
    With `atomic`, `func` runs in one transaction that also records the Job's
    success.
    """
    job_id = kwargs.get("job_id")
    if job_id is not None:
        attempt = context.job.attempts + 1 if context else 1
        finished = _start_attempt(job_id, attempt)
        if finished is not None:
            logger.info("Job %s already succeeded; not run again.", job_id)
            return finished.result
    pauses.pause(pauses.STARTED)
    if not takes_job_id:
        kwargs = {name: value for name, value in kwargs.items() if name != "job_id"}
    try:
        if atomic:
            with transaction.atomic():
                result = func(**kwargs)
                if job_id is not None:
                    complete_job(job_id, result)
        else:
            result = func(**kwargs)
        pauses.pause(pauses.EFFECT_COMMITTED)
        if job_id is not None and not atomic:
            _record_success(job_id, result)
    except JobAlreadyDone as done:
        logger.info("Job %s was completed by another run; rolled back.", job_id)
        return done.result
    except Exception as error:
        if job_id is not None:
            retrying = context is not None and bool(
                context.task.get_retry_exception(exception=error, job=context.job)
            )
            record_failure(job_id, error, retrying=retrying)
        raise
    return result


def complete_job(job_id: int, result: Any) -> None:
    """Mark the Job succeeded with `result` in the transaction of its effect.

    Call it last inside the transaction that commits what the job does, so that the
    effect and the record of it commit together. Raises JobAlreadyDone, which rolls
    that transaction back, when another run of the job completed it meanwhile.
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(
            "complete_job() must run inside the transaction of the job's effect."
        )
    # Locked until the effect commits: a concurrent run of the same job waits here,
    # then finds it succeeded.
    locked = Job.objects.select_for_update().only("state", "result")
    job = locked.filter(pk=job_id).first()
    if job is None:  # deleted meanwhile: nothing to record the effect on
        return
    if job.state == Job.State.SUCCEEDED:
        raise JobAlreadyDone(job.result)
    pauses.pause(pauses.EFFECT_WRITTEN)
    _record_success(job_id, result)


def run_inline(task_func: Callable[..., Any], name: str, kwargs: dict) -> None:
    """Run a deferred job in this process after its transaction committed.

    A failure is logged (and recorded on its Job row) but never raised: the write
    that deferred it has committed, and its request must still succeed.
    """
    try:
        # Like a worker's run, not bounded by the web request's statement timeout.
        with statement_timeout(None):
            task_func(None, **kwargs)
    except Exception:
        logger.exception("Inline job %s(%s) failed.", name, kwargs)


def record_failure(job_id: int, error: BaseException, *, retrying: bool) -> None:
    """Record on the Job why its attempt failed, and whether another will follow."""
    if isinstance(error, JobFailed):
        message, failed_on = str(error), error.input
    else:
        message, failed_on = f"{type(error).__name__}: {error}", ""
    Job.objects.filter(pk=job_id).exclude(state=Job.State.SUCCEEDED).update(
        state=Job.State.RETRYING if retrying else Job.State.FAILED,
        error=message,
        error_input=failed_on[:ERROR_INPUT_MAX_LENGTH],
        finished_at=None if retrying else timezone.now(),
    )


def _record_success(job_id: int, result: Any) -> None:
    """Mark the Job succeeded, unless it is already (its completion stands)."""
    Job.objects.filter(pk=job_id).exclude(state=Job.State.SUCCEEDED).update(
        state=Job.State.SUCCEEDED,
        result=result,  # a result that is not JSON fails the run here
        error="",
        error_input="",
        finished_at=timezone.now(),
    )


def _start_attempt(job_id: int, attempt: int) -> Job | None:
    """Mark the Job running its `attempt`; return it instead if it already succeeded."""
    started = (
        Job.objects.filter(pk=job_id)
        .exclude(state=Job.State.SUCCEEDED)
        .update(
            state=Job.State.RUNNING,
            attempts=attempt,
            started_at=Coalesce(F("started_at"), Value(timezone.now())),
            finished_at=None,
        )
    )
    if started:
        return None
    return Job.objects.filter(pk=job_id, state=Job.State.SUCCEEDED).first()
