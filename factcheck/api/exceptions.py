"""Errors every API view answers the same way: 4xx JSON in DRF's shape."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from rest_framework import exceptions, serializers, status


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
