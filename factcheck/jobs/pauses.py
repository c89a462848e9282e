"""Points in a job's run where a test can stop a worker deterministically.

Only the test settings set JOBS_PAUSE_AT (from the environment of a worker process
a test starts; tests/factcheck/test_jobs_exactly_once.py). At that point of the
first run to reach it, the worker writes a file named after the point into
JOBS_PAUSE_DIR and waits there (JOBS_PAUSE_SECONDS at most) for the test to kill
it. Without the setting, pause() does nothing.
"""

import time
from pathlib import Path

from django.conf import settings

# The Job is marked running; the task has not started.
STARTED = "started"
# The task's effect is written in its transaction, which has not committed.
EFFECT_WRITTEN = "effect-written"
# The effect's transaction committed; nothing after it has run (in the code before
# completion was recorded with the effect: the Job still said "running").
EFFECT_COMMITTED = "effect-committed"
POINTS = (STARTED, EFFECT_WRITTEN, EFFECT_COMMITTED)
# A task that commits in steps (a review import, batch by batch): its first step
# committed, the others not yet. Not in POINTS: only such tasks reach it.
BATCH_COMMITTED = "batch-committed"


def pause(point: str) -> None:
    """Wait at `point` if the settings ask this process to (tests only)."""
    if getattr(settings, "JOBS_PAUSE_AT", "") != point:
        return
    marker = Path(settings.JOBS_PAUSE_DIR) / point
    if marker.exists():  # one pause per point: a rerun in this process goes on
        return
    marker.touch()
    deadline = time.monotonic() + settings.JOBS_PAUSE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
