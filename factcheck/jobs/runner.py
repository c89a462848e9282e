"""One run of a task, by a worker or inline, and what it writes on its Job row.

A run of a task started with start_job() (its keyword arguments hold `job_id`)
marks the Job running, then succeeded with the task's return value as the result,
or, when it raises, retrying (another attempt is scheduled) or failed, with the
error and the input it failed on. A run of a Job that already succeeded returns
the stored result without running again: a job a worker finished but could not
acknowledge (killed in between) is retried as stalled, and must change nothing.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from procrastinate.job_context import JobContext

from factcheck.db import statement_timeout

from . import pauses
from .exceptions import JobFailed
from .models import Job

logger = logging.getLogger(__name__)

ERROR_INPUT_MAX_LENGTH = Job._meta.get_field("error_input").max_length


def run(
    func: Callable[..., Any],
    *,
    context: JobContext | None,
    kwargs: dict[str, Any],
    takes_job_id: bool,
) -> Any:
    """Run `func` once with `kwargs`, recording the run on its Job row if it has one.

    `context` is the worker's (None inline): its job's attempts say which attempt
    this is, and its task's retry strategy whether another will follow a failure.
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
        result = func(**kwargs)
        pauses.pause(pauses.EFFECT_COMMITTED)
        if job_id is not None:
            Job.objects.filter(pk=job_id).update(
                state=Job.State.SUCCEEDED,
                result=result,  # a result that is not JSON fails the run here
                error="",
                error_input="",
                finished_at=timezone.now(),
            )
    except Exception as error:
        if job_id is not None:
            retrying = context is not None and bool(
                context.task.get_retry_exception(exception=error, job=context.job)
            )
            record_failure(job_id, error, retrying=retrying)
        raise
    return result


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
