"""The dispatch job, registered under the name the services defer."""

from factcheck.jobs import task

from .services import DISPATCH_TASK, dispatch_due


@task(name=DISPATCH_TASK, atomic=False)
def dispatch() -> int:
    """Send the due deliveries (each in its own transaction; idempotent: a delivery
    sent is no longer due)."""
    return dispatch_due()
