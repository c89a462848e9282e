"""Declare tasks and defer jobs: into PostgreSQL inside the caller's transaction
("queue" mode), or, once it commits, to a worker thread of this process ("thread")
or to run at once in the committing thread ("inline").
"""

import functools
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from procrastinate import exceptions as procrastinate_exceptions
from procrastinate.contrib.django import app
from procrastinate.contrib.django.django_connector import DjangoConnector
from procrastinate.job_context import JobContext
from procrastinate.jobs import DEFAULT_QUEUE, JobDeferrer
from procrastinate.manager import JobManager
from procrastinate.retry import BaseRetryStrategy
from procrastinate.tasks import Task

from . import runner, worker_thread
from .retry import Backoff

# The database whose transactions jobs are deferred in (procrastinate's setting).
DATABASE = getattr(settings, "PROCRASTINATE_DATABASE_ALIAS", "default")
# Deferring through Django's own connection puts the job's row in the caller's
# transaction, in the web process and in a worker alike (procrastinate's own app
# uses a separate pool inside `manage.py procrastinate worker`).
_job_manager = JobManager(connector=DjangoConnector(alias=DATABASE))


@dataclass(frozen=True)
class DeferredJob:
    """What defer() did with a job."""

    task_name: str
    # Its row in procrastinate_jobs; None when it runs in this process.
    queue_job_id: int | None
    # Run by this process (inline or thread mode), not by a worker of the queue.
    inline: bool
    # A job with the same queueing lock was still waiting and takes this one's
    # place: it runs after this transaction commits, so it sees this write.
    coalesced: bool = False


def jobs_mode() -> str:
    """Return "queue", "thread" or "inline" (settings.JOBS_MODE)."""
    return settings.JOBS_MODE


def task(
    func: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    retry: bool | BaseRetryStrategy = True,
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int = 0,
    queue: str | None = None,
    atomic: bool = True,
) -> Any:
    """Register a function as a task jobs run, retried with Backoff unless retry=False.

    With `atomic` (the default) each run is one transaction that also records its
    Job's success (factcheck.jobs.runner): set it False only for a task that must
    commit in steps, which then calls complete_job() in the transaction of its
    effect or recomputes what it writes.

    The function is synchronous, takes keyword arguments that are JSON values, and
    takes `job_id` if it reports progress (a run started by start_job()). Its name
    is its dotted path unless `name` is given; renaming it strands waiting jobs.
    Workers find tasks in each installed app's `tasks` module (procrastinate's
    autodiscovery) and in PROCRASTINATE_IMPORT_PATHS: declare them there.
    """

    def register(func: Callable[..., Any]) -> Task:
        if inspect.iscoroutinefunction(func):
            raise TypeError(f"{func.__qualname__}: tasks are plain (sync) functions.")
        takes_job_id = "job_id" in inspect.signature(func).parameters

        # A worker passes its JobContext first; called directly (inline, or by a
        # test), it runs as an inline job does.
        @functools.wraps(func)
        def run(context: JobContext | None = None, /, **kwargs: Any) -> Any:
            return runner.run(
                func,
                context=context,
                kwargs=kwargs,
                takes_job_id=takes_job_id,
                atomic=atomic,
            )

        # No `queue` given: procrastinate's default queue, as app.task() has it.
        return app.task(
            name=name,
            pass_context=True,
            retry=Backoff() if retry is True else retry,
            lock=lock,
            queueing_lock=queueing_lock,
            priority=priority,
            queue=queue or DEFAULT_QUEUE,
        )(run)

    return register(func) if func is not None else register


def registered_task(name: str) -> Task:
    """Return the task registered under `name` (its @task(name=...)).

    Services defer jobs by name, so that they never import the task modules that
    import them back; the task modules are imported when Django starts
    (procrastinate's autodiscovery of each app's `tasks` module).
    """
    task = app.tasks.get(name)
    if task is None:
        raise LookupError(
            f"No task is registered as {name!r}: declare it with @task(name=...) "
            "in an installed app's tasks.py or in PROCRASTINATE_IMPORT_PATHS."
        )
    return task


def defer(
    task: Task | str,
    *,
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int | None = None,
    schedule_at: datetime | None = None,
    **kwargs: Any,
) -> DeferredJob:
    """Defer a job of `task` with `kwargs`; it exists exactly when the caller commits.

    - lock: no two jobs with the same lock run at the same time (queue mode).
    - queueing_lock: while a job with this queueing lock is waiting, defer no other:
      the waiting one runs after the caller commits and so sees its writes.
    - priority: higher runs first (queue mode); None takes the task's.
    - schedule_at: not before this time (queue mode only: the inline and thread
      modes have no clock, and refuse it with a ValueError).
    Unset values take the task's own. `kwargs` must be JSON values. `task` is the
    task or the name it is registered under.
    """
    if isinstance(task, str):
        task = registered_task(task)
    kwargs = _as_json(task, kwargs)
    mode = jobs_mode()
    if schedule_at is not None and mode != "queue":
        raise ValueError(
            f"JOBS_MODE={mode!r} runs no job later: schedule_at needs the queue."
        )
    if mode in {"inline", "thread"}:
        return _defer_inline(
            task, kwargs, queueing_lock=queueing_lock, in_thread=mode == "thread"
        )
    return _defer_queued(
        task,
        kwargs,
        lock=lock,
        queueing_lock=queueing_lock,
        priority=priority,
        schedule_at=schedule_at,
    )


def _as_json(task: Task, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of `kwargs` as a worker will be given them, or TypeError."""
    try:
        text = json.dumps(kwargs, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"Arguments of {task.name} must be JSON values: {error}"
        ) from error
    if json.loads(text) != kwargs:
        # Tuples, non-string keys: a worker would be given something else.
        raise TypeError(f"Arguments of {task.name} do not survive JSON: {kwargs!r}")
    return json.loads(text)


def _defer_queued(
    task: Task,
    kwargs: dict[str, Any],
    *,
    lock: str | None,
    queueing_lock: str | None,
    priority: int | None,
    schedule_at: datetime | None = None,
) -> DeferredJob:
    job = task.configure(
        lock=lock,
        queueing_lock=queueing_lock,
        priority=priority,
        schedule_at=schedule_at,
    ).job
    deferrer = JobDeferrer(job_manager=_job_manager, job=job)
    if job.queueing_lock is None:
        return DeferredJob(task.name, deferrer.defer(**kwargs), inline=False)
    # On a busy queue a job with the lock is most often waiting already: join it
    # with one statement, not an INSERT refused in a savepoint (four round trips).
    waiting = _hold_waiting_job(job.queueing_lock)
    if waiting is not None:
        return DeferredJob(task.name, waiting, inline=False, coalesced=True)
    # A job refused for its queueing lock must not abort the caller's transaction
    # (PostgreSQL would refuse every later statement): try it in a savepoint.
    for _ in range(3):
        try:
            with transaction.atomic(using=DATABASE):
                return DeferredJob(task.name, deferrer.defer(**kwargs), inline=False)
        except procrastinate_exceptions.AlreadyEnqueued:
            waiting = _hold_waiting_job(job.queueing_lock)
            if waiting is not None:
                return DeferredJob(task.name, waiting, inline=False, coalesced=True)
            # It started meanwhile: this job is needed after all.
    raise procrastinate_exceptions.AlreadyEnqueued(
        f"Could not defer {task.name} with queueing lock {job.queueing_lock!r}."
    )


def _hold_waiting_job(queueing_lock: str) -> int | None:
    """Lock the waiting job with this queueing lock until the caller's transaction
    ends, and return its id; None if none is waiting any more.

    Workers take jobs with FOR UPDATE SKIP LOCKED, so the job cannot start before
    the caller commits: it will see the caller's writes.
    """
    with connections[DATABASE].cursor() as cursor:
        cursor.execute(
            "SELECT id FROM procrastinate_jobs"
            " WHERE queueing_lock = %s AND status = 'todo' FOR SHARE",
            [queueing_lock],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _defer_inline(
    task: Task, kwargs: dict[str, Any], *, queueing_lock: str | None, in_thread: bool
) -> DeferredJob:
    queueing_lock = queueing_lock if queueing_lock is not None else task.queueing_lock
    if queueing_lock is not None and _waiting_inline(queueing_lock):
        return DeferredJob(task.name, None, inline=True, coalesced=True)

    transaction.on_commit(
        _InlineRun(task, kwargs, queueing_lock, in_thread=in_thread), using=DATABASE
    )
    return DeferredJob(task.name, None, inline=True)


@dataclass(frozen=True, eq=False)
class _InlineRun:
    """A job run in this process once the transaction commits (an on_commit
    callback): at once, or by the worker thread (`in_thread`).

    Its `queueing_lock` lets _waiting_inline() find it among the callbacks.
    """

    task: Task
    kwargs: dict[str, Any]
    queueing_lock: str | None
    in_thread: bool = False

    def __call__(self) -> None:
        if self.in_thread:
            worker_thread.submit(self.run)
        else:
            self.run()

    def run(self) -> None:
        runner.run_inline(self.task.func, self.task.name, self.kwargs)


def _waiting_inline(queueing_lock: str) -> bool:
    """Whether a job with this queueing lock waits for the current transaction.

    Django drops the callbacks of a rolled back savepoint from this list, so it
    holds exactly the jobs that will run when the transaction commits.
    """
    return any(
        getattr(entry[1], "queueing_lock", None) == queueing_lock
        for entry in connections[DATABASE].run_on_commit
    )
