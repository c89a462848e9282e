"""Start a long operation users watch (a Job row), and report its progress."""

from typing import Any

from django.db import transaction
from procrastinate.tasks import Task

from factcheck.services import Actor, acting_user

from .models import Job
from .queue import DATABASE, defer, registered_task


def start_job(
    task: Task | str,
    *,
    by: Actor,
    lock: str | None = None,
    priority: int | None = None,
    **kwargs: Any,
) -> Job:
    """Create a Job for `task` and defer it with job_id=..., in one transaction.

    The task runs with `job_id` added to `kwargs` (passed on if it takes it, for
    job_progress); its return value, a JSON value, becomes the Job's result. No
    queueing lock: every started Job must run. `task` is the task or the name it
    is registered under.
    """
    if isinstance(task, str):
        task = registered_task(task)
    created_by = acting_user(by)  # None for anonymous
    with transaction.atomic(using=DATABASE):
        job = Job.objects.create(
            kind=task.name, arguments=kwargs, created_by=created_by
        )
        deferred = defer(task, lock=lock, priority=priority, job_id=job.pk, **kwargs)
        if deferred.queue_job_id is not None:
            job.queue_job_id = deferred.queue_job_id
            job.save(update_fields=["queue_job_id"])
    return job


def job_progress(job_id: int, done: int, total: int | None) -> None:
    """Record that `done` of `total` items (None: not known yet) are done.

    Call it between the task's transactions, not inside one: readers see it only
    once it is committed.
    """
    if done < 0 or (total is not None and done > total):
        raise ValueError(f"Progress {done} of {total} is not possible.")
    Job.objects.filter(pk=job_id).update(progress_done=done, progress_total=total)
