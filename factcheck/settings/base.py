"""Settings shared by every environment; the others only override.

Everything that differs between machines comes from the environment.
"""

import os
from pathlib import Path

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


def secret_key_weakness(key: str) -> str | None:
    """Return why a secret key is unfit for production, or None when it is fit.

    Django's own rule (check security.W009: 50 characters, 5 different ones, not a
    generated throwaway) and no word of a key written by hand or copied from an
    example: this repository's throwaway keys (local.py, test.py, the benchmarks')
    all contain one, and a generated key practically never does.
    """
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"fewer than {SECRET_KEY_MIN_LENGTH} characters"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    if key.startswith(SECRET_KEY_INSECURE_PREFIX):
        return f"it starts with {SECRET_KEY_INSECURE_PREFIX} (a throwaway key)"
    if any(word in key.lower() for word in PLACEHOLDER_WORDS):
        return "it looks like a placeholder, not a generated key"
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
    "sources",
    "claims",
    "factcheck",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    if env_bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Bind parameters on the server, and let psycopg prepare a statement once it
        # has run 5 times on a connection: a list page's joins cost the planner
        # more than running them. Turn off behind PgBouncer in transaction mode.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
        # Splits bulk writes to fit the 65,535 parameters a bound statement takes.
        DATABASES["default"]["ENGINE"] = "factcheck.db.postgresql"
else:
    raise ImproperlyConfigured(
        "DATABASE_URL must name a PostgreSQL (postgres://) or SQLite (sqlite://) "
        "database."
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
}

# The fact-checking organization that publishes reviews (ClaimReview author).
FACTCHECK_ORGANIZATION_NAME = os.environ.get(
    "FACTCHECK_ORGANIZATION_NAME", "Factcheck Desk"
)
# Conflict detection: how far an "approximately" figure may stray (0.10 = 10%).
FACTCHECK_APPROXIMATE_TOLERANCE = os.environ.get(
    "FACTCHECK_APPROXIMATE_TOLERANCE", "0.10"
)

# Four-eyes rule: a reviewer may not set the verdict of a claim they created.
FACTCHECK_FOUR_EYES = env_bool("FACTCHECK_FOUR_EYES", default=True)
FACTCHECK_SITE_URL = os.environ.get(
    "FACTCHECK_SITE_URL", "http://127.0.0.1:8000"
).rstrip("/")

# Largest document file accepted by ingest (bytes), from the API or the command.
INGEST_MAX_BYTES = int(os.environ.get("INGEST_MAX_BYTES", str(5 * 1024 * 1024)))

# Largest JSON request body the API accepts (bytes); larger ones get a 413.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(1024 * 1024)))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous write is answered 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "factcheck.api.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "factcheck.api.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
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
    "EXCEPTION_HANDLER": "factcheck.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
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
    },
}
