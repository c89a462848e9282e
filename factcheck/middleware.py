"""Guards every request needs before any view runs: body size, database time and
which database a request reads from; and anonymous reads answered from the store."""

import hashlib
import logging
import math

import psycopg
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, connections
from django.http import JsonResponse
from django.urls import Resolver404, resolve

from factcheck import caching
from factcheck.api.conditional import VALIDATOR_HEADERS
from factcheck.api.parsers import too_large_hint
from factcheck.api.throttling import AnonCountThrottle, throttled_detail
from factcheck.db import replicas, statement_timeout

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# Seconds a client is asked to wait after a 503.
RETRY_AFTER_SECONDS = 10


class RequestBodyLimitMiddleware:
    """Refuse a body by its declared length (413 in JSON), before any of it is read.

    A multipart body may carry a file of INGEST_MAX_BYTES plus
    MULTIPART_FIELDS_MAX_BYTES of other fields; any other body API_MAX_BODY_BYTES.
    Form fields are capped by DATA_UPLOAD_MAX_MEMORY_SIZE and an uploaded file by
    factcheck.api.parsers.LimitedMultiPartParser as they are read. A body without a
    Content-Length (chunked) is never read: Django and DRF take it as empty.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0  # as Django reads it: no body
        multipart = request.content_type == "multipart/form-data"
        if multipart:
            limit = settings.INGEST_MAX_BYTES + settings.MULTIPART_FIELDS_MAX_BYTES
        else:
            limit = settings.API_MAX_BODY_BYTES
        if declared > limit:
            detail = f"The request body is larger than {limit} bytes."
            if multipart:
                detail = (
                    f"{detail} An uploaded file may have INGEST_MAX_BYTES "
                    f"({settings.INGEST_MAX_BYTES} bytes). {_hint(request)}"
                ).strip()
            return JsonResponse({"detail": detail}, status=413)
        return self.get_response(request)


def _hint(request) -> str:
    """Return the too_large_hint of the view a request is for, or ""."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return too_large_hint(getattr(match.func, "view_class", None))


class DatabaseGuardMiddleware:
    """Run each request under DATABASE_STATEMENT_TIMEOUT; answer database errors 503.

    A view's statements past the timeout are cancelled by PostgreSQL (QueryCanceled,
    which Django raises as OperationalError); that, or a database that cannot be
    reached, is answered 503 in JSON with Retry-After instead of a 500. DRF's
    exception handler leaves these errors alone, so API views get the same answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with statement_timeout(settings.DATABASE_STATEMENT_TIMEOUT):
            return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError):
            return None
        reads = replicas.current_reads()
        if reads is not None and reads.used_replicas:
            # ReplicaReadsMiddleware runs the request again on the primary if the
            # replica failed, and logs it; this 503 is then never sent.
            logger.info("Database error reading %s: %s", request.path, exception)
        else:
            logger.warning(
                "Answered 503 for %s: %s", request.path, exception, exc_info=exception
            )
        if isinstance(exception.__cause__, psycopg.errors.QueryCanceled):
            detail = (
                "The database took too long to answer and the query was cancelled. "
                "Narrow the request (fewer search words, more filters) or try "
                "again later."
            )
        else:
            detail = "The database is unavailable or busy. Try again later."
        return JsonResponse(
            {"detail": detail},
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


class ReplicaReadsMiddleware:
    """Decide whether a request may read from a replica; retry it on the primary.

    Without replicas configured it does nothing. Otherwise the request reads from
    the primary when it writes (an unsafe method: its reads too), when its client
    wrote less than DATABASE_READ_YOUR_WRITES_SECONDS ago (a signed cookie, and a
    cache entry per API token and per session, for clients that drop cookies), or
    when it carries a validator (If-None-Match, If-Modified-Since, ...), so the 304
    and 412 decisions are made on current data. Any other request may read from a
    replica (factcheck.db.replicas); if one fails under it with a database error,
    the replica is skipped and the request, being safe, is run again on the primary.
    """

    COOKIE = "factcheck_wrote"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replicas.replica_aliases():
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            with replicas.primary_reads():
                response = self.get_response(request)
            self.remember_write(request, response)
            return response
        if self.reads_from_primary(request):
            with replicas.primary_reads():
                return self.get_response(request)
        with replicas.replica_reads() as reads:
            response = self.get_response(request)
        if response.status_code < 500 or not reads.used_replicas:
            return response
        failed = [alias for alias in reads.used_replicas if _replica_failed(alias)]
        if not failed:
            return response
        for alias in failed:
            replicas.health.mark_down(alias, "failed during a request")
            replicas.close_quietly(alias)
        replicas.logger.warning(
            "Reading %s again from the primary after %s failed",
            request.path,
            ", ".join(sorted(failed)),
        )
        with replicas.primary_reads():
            return self.get_response(request)

    def reads_from_primary(self, request) -> bool:
        if any(request.META.get(header) for header in VALIDATOR_HEADERS):
            return True
        seconds = settings.DATABASE_READ_YOUR_WRITES_SECONDS
        if request.get_signed_cookie(self.COOKIE, default=None, max_age=seconds):
            return True
        keys = self.client_keys(request, None)
        if not keys:
            return False
        try:
            return bool(cache.get_many(keys))
        except Exception:  # a cache that is down must not fail reads: primary
            replicas.logger.warning("Cache unavailable: reading from the primary")
            return True

    def remember_write(self, request, response) -> None:
        seconds = settings.DATABASE_READ_YOUR_WRITES_SECONDS
        # A 4xx changed nothing; a 5xx may have come after its commit.
        if seconds <= 0 or 400 <= response.status_code < 500:
            return
        response.set_signed_cookie(
            self.COOKIE,
            "1",
            max_age=seconds,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        keys = self.client_keys(request, response)
        if keys:
            try:
                cache.set_many(dict.fromkeys(keys, 1), timeout=seconds)
            except Exception:  # the cookie still covers browsers
                replicas.logger.warning("Cache unavailable: write not remembered")

    def client_keys(self, request, response) -> list[str]:
        """Return cache keys naming the client: its API token, its session(s)."""
        secrets = []
        authorization = request.META.get("HTTP_AUTHORIZATION", "").split()
        if len(authorization) == 2 and authorization[0].lower() in {"token", "bearer"}:
            secrets.append("token:" + authorization[1])
        if session := request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            secrets.append("session:" + session)
        cookies = response.cookies if response is not None else {}
        morsel = cookies.get(settings.SESSION_COOKIE_NAME)
        if morsel is not None and morsel.value:  # a login: its new session, too
            secrets.append("session:" + morsel.value)
        return [
            "factcheck:wrote:" + hashlib.sha256(secret.encode()).hexdigest()
            for secret in secrets
        ]


class CachedAnswerMiddleware:
    """Answer an anonymous read from the store before the framework runs.

    An anonymous read (factcheck.caching.answer_key: GET or HEAD, no Authorization,
    no session or private cookie) whose answer is kept is answered with one cache
    read and one query checking the versions the answer was built at: the kept
    answer, or a 304 for a matching If-None-Match, with X-Cache: hit and Age.
    Reads of the API are counted by the anonymous throttle first (AnonCountThrottle,
    the counter DRF's views use too). Otherwise the request goes on; a versioned
    answer it gets that is the same for every anonymous client is kept on its way
    back (factcheck.caching.keep_answer), after the middleware below this one have
    added their headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        private = (settings.SESSION_COOKIE_NAME, ReplicaReadsMiddleware.COOKIE)
        key = caching.answer_key(request, private)
        if key is None:
            return self.get_response(request)
        kept = caching.get_answer(key)
        answer = None if kept is None else caching.answer_from(request, kept)
        if kept is not None and answer is not None:
            # Counted here only when answered here: a stale answer's request is
            # counted by the view's throttle.
            throttle = AnonCountThrottle()
            if kept["throttle"] and not throttle.count(request):
                wait = throttle.wait()
                return JsonResponse(
                    {"detail": throttled_detail(wait)},
                    status=429,
                    headers={"Retry-After": str(math.ceil(wait))},
                )
            return answer
        response = self.get_response(request)
        caching.keep_answer(request, key, response)
        return response


def _replica_failed(alias: str) -> bool:
    """Return whether a database error of this request was the replica failing.

    An error the replica's connection survives (a statement timeout, a query
    cancelled by a conflict with recovery) is the query's, not the replica's.
    """
    wrapper = connections[alias]
    if not wrapper.errors_occurred:
        return False
    return wrapper.connection is None or not wrapper.is_usable()
