"""The events app's jobs: placing committed events in the feed's order."""

from procrastinate.contrib.django import app

from factcheck.jobs import task

from .services import SEQUENCE_TASK, sequence_events


# Deferred by every write that records events; each minute too, so that an event
# whose job was lost (a worker killed between commit and run) is placed anyway.
@app.periodic(cron="* * * * *", periodic_id=SEQUENCE_TASK)
@task(name=SEQUENCE_TASK, lock=SEQUENCE_TASK, atomic=False, retry=True)
def sequence(*, timestamp: int | None = None) -> int:
    """Place the committed events that have no position yet; return how many."""
    return sequence_events()
