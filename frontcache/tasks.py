"""The purge job, registered under the name the services defer."""

from factcheck.jobs import task

from .services import PURGE_TASK, purge_tags


@task(name=PURGE_TASK, atomic=False)
def purge(*, tags: list[str]) -> int:
    """Purge `tags` from every front cache (idempotent: a purge purges once more);
    a cache that fails makes the job fail, to be retried by the queue."""
    return purge_tags(tags)
