"""Models of the factcheck app: the Job rows of long operations (factcheck.jobs)."""

from factcheck.jobs.models import Job

__all__ = ["Job"]
