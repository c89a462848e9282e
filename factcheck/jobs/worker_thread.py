"""A worker thread in this process for "thread" mode (SQLite's default, `make run`).

A job deferred in "thread" mode is handed to the worker once its transaction has
committed (an on_commit callback, as inline), and the worker runs the jobs one at
a time, in the order they committed, on database connections of its own. So the
request that deferred a job is answered at once (a 202 with the Job), the Job row
shows its progress, and one job never competes with another for SQLite's single
write lock.

The thread starts with the first job. At exit, the process waits for the jobs
already handed over (interrupt again to abandon them: a Job left "queued" or
"running" then says so). Jobs wait in memory, not in the database: a process
killed outright loses the jobs it had not run yet (docs/sqlite.md).
"""

import atexit
import logging
import threading
from collections import deque
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger(__name__)

_waiting: deque[Callable[[], None]] = deque()
# Guards _waiting, _unfinished and _thread; notified when either count changes.
_changed = threading.Condition()
_unfinished = 0  # handed over and not yet finished (waiting or running)
_thread: threading.Thread | None = None
_exit_hook_registered = False


def submit(job: Callable[[], None]) -> None:
    """Hand `job` to the worker thread (started if need be); it runs after the ones
    handed over before it."""
    global _unfinished, _thread, _exit_hook_registered
    with _changed:
        _waiting.append(job)
        _unfinished += 1
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(
                target=_work, name="factcheck-jobs-worker", daemon=True
            )
            _thread.start()
        if not _exit_hook_registered:
            atexit.register(_finish_at_exit)
            _exit_hook_registered = True
        _changed.notify_all()


def wait_until_idle(timeout: float | None = None) -> bool:
    """Wait until every job handed over so far has finished; False on timeout."""
    with _changed:
        return _changed.wait_for(lambda: _unfinished == 0, timeout)


def unfinished() -> int:
    """Return how many jobs were handed over and have not finished yet."""
    with _changed:
        return _unfinished


def _work() -> None:
    global _unfinished
    while True:
        with _changed:
            _changed.wait_for(lambda: bool(_waiting))
            job = _waiting.popleft()
        try:
            job()
        except Exception:
            # A job's own failure is recorded by the runner; this is anything
            # else. The worker goes on with the next job either way.
            logger.exception("A job run by the worker thread raised.")
        finally:
            _close_connections()
            with _changed:
                _unfinished -= 1
                _changed.notify_all()


def _close_connections() -> None:
    # Django's connections are per thread: close this one's, so a job never meets
    # a connection a previous job left in a broken state.
    try:
        connections.close_all()
    except Exception:
        logger.exception("Could not close the worker thread's connections.")


def _finish_at_exit() -> None:
    count = unfinished()
    if not count:
        return
    logger.warning(
        "Waiting for %s background job(s) to finish before exiting "
        "(interrupt again to abandon them).",
        count,
    )
    try:
        wait_until_idle()
    except KeyboardInterrupt:
        logger.warning("Exiting with %s background job(s) unfinished.", unfinished())
