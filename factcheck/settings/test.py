"""Settings for the test suite: fast hashing, a fixed key, no DEBUG."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE

SECRET_KEY = "test-only-not-secret"
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
