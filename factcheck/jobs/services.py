"""Start a long operation users watch (a Job row), and report its progress."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connections, transaction
from django.utils import timezone
from procrastinate.tasks import Task

from factcheck.services import Actor, acting_user

from .models import UNFINISHED_STATES, Job
from .queue import DATABASE, defer, jobs_mode, registered_task

# Inline, a job lives only in the process that committed it: one unfinished this
# long after it was created is taken for lost (the process stopped before its run).
INLINE_LOST_AFTER = timedelta(minutes=15)
# A queued job whose row in the queue is in one of these will run (again).
LIVE_QUEUE_STATUSES = ("todo", "doing")


@dataclass(frozen=True)
class StartedJob:
    """What start_or_join_job() did."""

    job: Job
    # True: a Job for the same work was queued or running, and the request joined
    # it instead of starting another.
    coalesced: bool


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
    return _create_and_defer(task, by=by, lock=lock, priority=priority, kwargs=kwargs)


def start_or_join_job(
    task: Task | str,
    *,
    by: Actor,
    key: str,
    lock: str | None = None,
    priority: int | None = None,
    **kwargs: Any,
) -> StartedJob:
    """Start a Job of `task` as start_job() does, unless a Job with the same `key`
    is queued or running: join that one instead (`by` may then read it).

    For work one run does for every request made before it ends, such as full
    conflict detection: `key` names the work, and requests for it share one Job
    while it is unfinished. A Job whose run was lost (its queue row gone; inline,
    INLINE_LOST_AFTER old) is marked failed and a new one starts.
    """
    if not key:
        raise ValueError("start_or_join_job() needs a key.")
    user = acting_user(by)
    error: IntegrityError | None = None
    with transaction.atomic(using=DATABASE):
        for _ in range(3):
            existing = _unfinished_job(key)
            if existing is not None:
                if user is not None and user.pk != existing.created_by_id:
                    existing.joined_by.add(user)
                return StartedJob(existing, coalesced=True)
            try:
                job = _create_and_defer(
                    task,
                    by=by,
                    lock=lock,
                    priority=priority,
                    kwargs=kwargs,
                    coalesce_key=key,
                )
            except IntegrityError as refused:
                # Another request started one meanwhile (the unique constraint
                # waited for its commit): join it.
                error = refused
                continue
            return StartedJob(job, coalesced=False)
    raise RuntimeError(f"Could not start or join a Job with key {key!r}.") from error


def job_progress(job_id: int, done: int, total: int | None) -> None:
    """Record that `done` of `total` items (None: not known yet) are done.

    Call it between the task's transactions, not inside one: readers see it only
    once it is committed.
    """
    if done < 0 or (total is not None and done > total):
        raise ValueError(f"Progress {done} of {total} is not possible.")
    Job.objects.filter(pk=job_id).update(progress_done=done, progress_total=total)


def _create_and_defer(
    task: Task | str,
    *,
    by: Actor,
    lock: str | None,
    priority: int | None,
    kwargs: dict[str, Any],
    coalesce_key: str = "",
) -> Job:
    if isinstance(task, str):
        task = registered_task(task)
    created_by = acting_user(by)  # None for anonymous
    with transaction.atomic(using=DATABASE):
        job = Job.objects.create(
            kind=task.name,
            arguments=kwargs,
            created_by=created_by,
            coalesce_key=coalesce_key,
        )
        deferred = defer(task, lock=lock, priority=priority, job_id=job.pk, **kwargs)
        if deferred.queue_job_id is not None:
            job.queue_job_id = deferred.queue_job_id
            job.save(update_fields=["queue_job_id"])
    return job


def _unfinished_job(key: str) -> Job | None:
    """Return the unfinished Job with this key whose run is not lost, if any."""
    job = Job.objects.filter(coalesce_key=key, state__in=UNFINISHED_STATES).first()
    if job is None or not _lost(job):
        return job
    Job.objects.filter(pk=job.pk, state__in=UNFINISHED_STATES).update(
        state=Job.State.FAILED,
        error="Lost: its run was never going to happen (the job queue no longer "
        "held it, or the process that would run it stopped).",
        finished_at=timezone.now(),
    )
    return None


def _lost(job: Job) -> bool:
    if job.queue_job_id is None or jobs_mode() == "inline":
        return job.created_at < timezone.now() - INLINE_LOST_AFTER
    with connections[DATABASE].cursor() as cursor:
        cursor.execute(
            "SELECT status FROM procrastinate_jobs WHERE id = %s", [job.queue_job_id]
        )
        row = cursor.fetchone()
    return row is None or row[0] not in LIVE_QUEUE_STATUSES
