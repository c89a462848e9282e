"""How a failed job is retried: exponential backoff over a few attempts."""

from django.conf import settings
from procrastinate.jobs import Job as QueuedJob
from procrastinate.retry import BaseRetryStrategy, RetryDecision

from .exceptions import JobFailed


class Backoff(BaseRetryStrategy):
    """Retry after `wait` seconds, then twice as long each time, `attempts` runs in all.

    Unset values are read from settings (JOBS_MAX_ATTEMPTS, JOBS_RETRY_WAIT_SECONDS)
    when a job fails, so a worker follows its own configuration. JobFailed is never
    retried.
    """

    def __init__(self, *, attempts: int | None = None, wait: float | None = None):
        self.attempts = attempts
        self.wait = wait

    def __repr__(self) -> str:
        return f"Backoff(attempts={self.attempts!r}, wait={self.wait!r})"

    def get_retry_decision(
        self, *, exception: BaseException, job: QueuedJob
    ) -> RetryDecision | None:
        attempts = self.attempts or settings.JOBS_MAX_ATTEMPTS
        wait = settings.JOBS_RETRY_WAIT_SECONDS if self.wait is None else self.wait
        # procrastinate counts the runs before this one: job.attempts + 1 have run.
        if isinstance(exception, JobFailed) or job.attempts + 1 >= attempts:
            return None
        return RetryDecision(retry_in={"seconds": wait * 2**job.attempts})
