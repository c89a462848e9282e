"""What every API view shares: errors, pagination, body limits, ETags and If-Match."""

import hashlib
import json

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.views.defaults import page_not_found
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, filters, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.parsers import JSONParser
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


class ClaimCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
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


class SearchFilter(filters.SearchFilter):
    """DRF's ?search=, whose refusals (a null character) name the parameter."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
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
