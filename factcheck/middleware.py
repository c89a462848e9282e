"""Guards every request needs before any view runs: body size and database time."""

import logging

import psycopg
from django.conf import settings
from django.db import OperationalError
from django.http import JsonResponse

from factcheck.db import statement_timeout

logger = logging.getLogger(__name__)

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
        if request.content_type == "multipart/form-data":
            limit = settings.INGEST_MAX_BYTES + settings.MULTIPART_FIELDS_MAX_BYTES
        else:
            limit = settings.API_MAX_BODY_BYTES
        if declared > limit:
            return JsonResponse(
                {"detail": f"The request body is larger than {limit} bytes."},
                status=413,
            )
        return self.get_response(request)


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
