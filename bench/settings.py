"""Settings for benchmarks: production settings on the local benchmark database.

Only what a benchmark on loopback needs differs from production: no HTTPS redirect,
throttle rates high enough not to answer 429 to the load, and the URLconf that adds
the peer views (bench/urls.py) beside the service's own.
"""

import os
import secrets

# Production settings refuse a made-up key; a benchmark needs no lasting one.
os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault(
    "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/factcheck_bench"
)
os.environ.setdefault("API_THROTTLE_ANON", "100000000/minute")
os.environ.setdefault("API_THROTTLE_USER", "100000000/minute")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

from factcheck.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# The full-read cases of bench/run.py read through a cache that keeps nothing, so
# they time the whole read; the *_cached and *_304 cases use the real one.
CACHES = {
    **CACHES,  # noqa: F405
    "nothing": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}

# bench/throughput.py --uncached: every process reads through the cache that keeps
# nothing (the uncached figure); otherwise the configured cache (CACHE_URL).
if os.environ.get("BENCH_UNCACHED") == "1":
    REPRESENTATION_CACHE = "nothing"
