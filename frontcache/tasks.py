"""The purge job, registered under the name the services defer."""

from factcheck.jobs import task

from . import services
from .services import PURGE_TASK


@task(name=PURGE_TASK, atomic=False)
def purge(*, tags: list[str], again: bool = False) -> int:
    """Purge `tags` from every front cache, and with `again` once more a little
    later (idempotent: a purge purges once more); a cache that fails makes the job
    fail, to be retried by the queue."""
    return services.purge(tags, again=again)
