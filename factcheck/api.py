"""What every API view shares: errors, pagination, body limits, ETags and If-Match."""

import hashlib
import json
from collections.abc import Callable

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, pagination, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = (
        "The resource has changed since you read it (If-Match does not match its "
        "current ETag). Fetch it again and reapply your change."
    )
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"


def validation_error_detail(error: DjangoValidationError) -> dict | list:
    """Return a Django ValidationError in DRF's shape ({field: [messages]})."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    """Turn model-layer errors into 4xx JSON answers in DRF's error shape."""
    if isinstance(exc, DjangoValidationError):
        exc = serializers.ValidationError(validation_error_detail(exc))
    elif isinstance(exc, ProtectedError):
        names = sorted(
            {str(obj._meta.verbose_name_plural) for obj in exc.protected_objects}
        )
        exc = Conflict(
            f"Cannot delete: {', '.join(names)} still refer to it. "
            "Remove or reassign them first."
        )
    elif isinstance(exc, IntegrityError):
        exc = Conflict(f"The change conflicts with stored data: {exc}".splitlines()[0])
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE before any parser.
        exc = PayloadTooLarge(
            f"The request body is larger than {settings.API_MAX_BODY_BYTES} bytes."
        )
    elif isinstance(exc, Http404) and exc.args:
        exc = exceptions.NotFound(str(exc.args[0]))
    elif isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, list):
        # Every 400 is {field: [messages]}; a bare list names no field.
        exc = exceptions.ValidationError({"non_field_errors": exc.detail})
    # Imported here: rest_framework.views reads the settings that name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


class LimitedJSONParser(JSONParser):
    """JSON parser that refuses bodies over API_MAX_BODY_BYTES with a 413."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request else 0
        if declared > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(
                "JSON parse error - nested too deeply."
            ) from error


class _FileSizeLimit(FileUploadHandler):
    """Stop reading an uploaded file as soon as it passes INGEST_MAX_BYTES (413)."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.INGEST_MAX_BYTES:
            raise PayloadTooLarge(
                f"The file is larger than {settings.INGEST_MAX_BYTES} bytes."
            )
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one store the file


class LimitedMultiPartParser(MultiPartParser):
    """DRF's multipart parser; an uploaded file is read no further than the limit.

    Without it a file was spooled whole (to disk past 2.5 MB) and only then found
    too large. The bytes are counted as they come, whatever Content-Length said.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {})["request"]
        # Django's way to add a handler before the body is read; first, so the
        # handlers that store the file never get more than the limit.
        request.upload_handlers.insert(0, _FileSizeLimit(request))
        return super().parse(stream, media_type, parser_context)


class ORJSONRenderer(JSONRenderer):
    """Write what DRF's JSONRenderer writes, encoded by orjson (several times faster).

    Dates and anything orjson does not know go through DRF's own encoder, so the
    output is the same; an indented answer (Accept: ...; indent=2) is left to DRF.
    """

    options = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def render(self, data, accepted_media_type=None, renderer_context=None):
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if data is None or indent is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(
                data, default=self.encoder_class().default, option=self.options
            )
        except orjson.JSONEncodeError:
            # Integers beyond 64 bits, say: json is slower but writes them all.
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF does: line and paragraph separators break JavaScript parsers.
        return body.replace("\u2028".encode(), b"\\u2028").replace(
            "\u2029".encode(), b"\\u2029"
        )


# The most rows one page of any list holds, and the furthest a limit/offset list
# pages: an OFFSET costs the database every row it skips.
MAX_PAGE_SIZE = 200
MAX_OFFSET = 1_000_000


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """DRF's limit/offset pages, at most MAX_PAGE_SIZE rows from at most MAX_OFFSET.

    A larger limit gives MAX_PAGE_SIZE rows, as page_size does on the cursor lists;
    an offset that is not a whole number up to MAX_OFFSET is a 400 (DRF read a bad
    one as 0, silently the first page, and sent a huge one to the database).
    """

    max_limit = MAX_PAGE_SIZE

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param, "")
        if raw == "":
            return 0
        if not (raw.isascii() and raw.isdigit()) or int(raw) > MAX_OFFSET:
            raise exceptions.ValidationError(
                {
                    self.offset_query_param: [
                        f"Use a whole number from 0 to {MAX_OFFSET}."
                    ]
                }
            )
        return int(raw)


class ClaimCursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError(
                {
                    self.cursor_query_param: [
                        "Invalid cursor: use a next or previous link."
                    ]
                }
            ) from error


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when a request asks for no filter at all.

    Building a FilterSet deep-copies every filter; the plain first page of a list,
    the most requested page, needs none of them.
    """

    unfiltered_params = frozenset({"cursor", "page_size", "ordering", "format"})

    def filter_queryset(self, request, queryset, view):
        if set(request.query_params) <= self.unfiltered_params:
            return queryset
        return super().filter_queryset(request, queryset, view)


def validate_search_text(text: str, split: Callable[[str], list] = str.split) -> None:
    """Refuse a search of over SEARCH_MAX_LENGTH characters or SEARCH_MAX_WORDS words.

    `split` cuts the text into the words the search will look for.
    """
    if len(text) > settings.SEARCH_MAX_LENGTH:
        raise DjangoValidationError(
            f"A search may have at most {settings.SEARCH_MAX_LENGTH} characters; "
            f"this one has {len(text)}.",
            code="max_length",
        )
    words = len(split(text))
    if words > settings.SEARCH_MAX_WORDS:
        raise DjangoValidationError(
            f"A search may have at most {settings.SEARCH_MAX_WORDS} words; "
            f"this one has {words}.",
            code="max_words",
        )


class SearchFilter(filters.SearchFilter):
    """DRF's ?search=, capped, whose refusals (a null character) name the parameter.

    DRF joins a multi-valued field (a person's aliases) once for all the words, so
    the rows do not multiply per word; each word adds a condition, hence the cap.
    """

    def get_search_terms(self, request):
        try:
            validate_search_text(
                request.query_params.get(self.search_param, ""),
                filters.search_smart_split,
            )
            return super().get_search_terms(request)
        except DjangoValidationError as error:
            detail = {self.search_param: error.messages}
            raise exceptions.ValidationError(detail) from error
        except exceptions.ValidationError as error:
            detail = {self.search_param: error.detail}
            raise exceptions.ValidationError(detail) from error


class StrictFieldsMixin:
    """Refuse request fields the serializer does not know, instead of dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown}
                )
        return super().to_internal_value(data)


def etag_for(data) -> str:
    """Return a strong ETag for a serialized representation."""
    encoded = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32] + '"'


class ConditionalDetailMixin:
    """ETag on GET; If-None-Match gives 304; If-Match on writes gives 412 when stale.

    The ETag is a hash of the resource's representation, so any change to what a
    client sees changes it. The check and the write happen under a row lock.
    """

    def read(self, instance) -> tuple[dict, str]:
        """Return the instance's representation and its ETag."""
        data = self.get_read_serializer(instance).data
        return data, etag_for(data)

    def detail_etag(self, instance) -> str:
        return self.read(instance)[1]

    def get_read_serializer(self, instance):
        return self.get_serializer(instance)

    def not_modified(self, etag: str) -> Response | None:
        """Return a 304 answer when the request's If-None-Match holds `etag`."""
        if etag in _etags(self.request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return None

    def retrieve(self, request, *args, **kwargs):
        data, etag = self.read(self.get_object())
        return self.not_modified(etag) or Response(data, headers={"ETag": etag})

    def check_if_match(self, instance):
        expected = self.request.headers.get("If-Match")
        if expected is None:
            return
        etags = _etags(expected)
        if "*" not in etags and self.detail_etag(instance) not in etags:
            raise PreconditionFailed()

    def get_locked_object(self):
        queryset = self.get_queryset().select_for_update(of=("self",))
        lookup_url_kwarg = self.lookup_url_kwarg or self.lookup_field
        try:
            instance = queryset.filter(
                **{self.lookup_field: self.kwargs[lookup_url_kwarg]}
            ).first()
        except (TypeError, ValueError, DjangoValidationError):
            instance = None  # "abc" for an integer id: no such row, as on a GET
        if instance is None:
            raise exceptions.NotFound()
        self.check_object_permissions(self.request, instance)
        return instance

    def update(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_if_match(instance)
            serializer = self.get_serializer(
                instance, data=request.data, partial=kwargs.pop("partial", False)
            )
            serializer.is_valid(raise_exception=True)
            data, etag = self.read(self.perform_update(serializer))
        return Response(data, headers={"ETag": etag})

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_if_match(instance)
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, etag = self.read(self.perform_create(serializer))
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag})


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def not_found(request, exception=None):
    """Answer 404 in JSON under /api/ (handler404), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
