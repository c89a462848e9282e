"""Settings for `make run` on a developer's machine: DEBUG on, a throwaway key."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", default=True)
SECRET_KEY = SECRET_KEY or "local-development-only-not-secret"  # noqa: F405
