"""Settings for the test suite: fast hashing, a fixed key, no DEBUG."""

import os

from .base import *  # noqa: F403
from .base import MIDDLEWARE, PROCRASTINATE_IMPORT_PATHS, env_list

SECRET_KEY = "test-only-not-secret"  # noqa: S105 - the tests' own, never deployed
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# No collected static files in tests: serve nothing through WhiteNoise.
MIDDLEWARE = [
    m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"
]

# Tests log in with force_login or Client.login (which passes no request); the
# login rate limit has tests of its own that switch it on.
AXES_ENABLED = False

# Deferred jobs run right after their transaction commits, on both databases, so a
# test sees their effect without a worker; the job queue's own tests switch to
# "queue" and start real workers (tests/factcheck/test_jobs_worker.py).
JOBS_MODE = os.environ.get("JOBS_MODE", "").strip() or "inline"
# Tasks that exist only for the tests of the job queue.
PROCRASTINATE_IMPORT_PATHS = [*PROCRASTINATE_IMPORT_PATHS, "tests.factcheck.jobs_tasks"]
# A worker a test starts can be made to stop at a point of a job's run, for the test
# to kill it there (factcheck.jobs.pauses). Never set outside the tests.
JOBS_PAUSE_AT = os.environ.get("JOBS_PAUSE_AT", "")
JOBS_PAUSE_DIR = os.environ.get("JOBS_PAUSE_DIR", "")
JOBS_PAUSE_SECONDS = 30

# The tests' webhook receivers listen on the loopback address.
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", "127.0.0.1")
