"""Admin of the factcheck app: importing the modules registers their admins."""

from factcheck.jobs import admin as jobs_admin  # noqa: F401
