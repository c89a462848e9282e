"""Exceptions of the job queue that task code raises or sees recorded."""


class JobFailed(Exception):
    """Fail the job at once, without retries, saying which input it failed on.

    For errors another attempt cannot mend, such as a bad row in an import:
    ``raise JobFailed("No such metric: gdp-ppp", input="line 12")``. Any other
    exception is retried (JOBS_MAX_ATTEMPTS) before the job is marked failed.
    """

    def __init__(self, message: str, *, input: str = ""):
        super().__init__(message)
        self.input = input


class WorkerLost(Exception):
    """The worker running an attempt stopped sending heartbeats (killed, lost)."""


class JobAlreadyDone(Exception):
    """Another run of the job committed its effect: roll this one's back.

    Raised by complete_job() inside the effect's transaction; the runner treats it
    as success, with the result the first run recorded.
    """

    def __init__(self, result: object):
        super().__init__("The job already succeeded.")
        self.result = result
