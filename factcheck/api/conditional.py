"""Conditional requests: ETags, 304 for If-None-Match, 412 for a stale If-Match."""

import hashlib
import json
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from factcheck.caching import request_etags
from factcheck.db.replicas import primary_reads

from .exceptions import PreconditionFailed

# Request headers (request.META keys) that make a request conditional.
VALIDATOR_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def etag_for(data: Any) -> str:
    """Return a strong ETag for a serialized representation."""
    encoded = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return '"' + hashlib.sha256(encoded.encode("utf-8")).hexdigest()[:32] + '"'


if TYPE_CHECKING:
    from rest_framework.generics import GenericAPIView

    # For the type checker the mixin is a GenericAPIView, which it always
    # precedes in a view's bases; at run time it stays a plain mixin.
    _Base = GenericAPIView[Any]
else:
    _Base = object


class ConditionalDetailMixin(_Base):
    """ETag on GET; If-None-Match gives 304; If-Match on writes gives 412 when stale.

    The ETag is a hash of the resource's representation, so any change to what a
    client sees changes it. The check and the write happen under a row lock.

    With read replicas, a conditional request and every write read from the
    primary: a replica a little behind would answer 304 or 412 for a version the
    primary has replaced (factcheck.middleware.ReplicaReadsMiddleware decides the
    same for every view; this keeps it true of these views wherever they run).

    The view's perform_create() and perform_update() return the saved instance
    (DRF's return None), as factcheck.api.viewsets.RecordViewSet's do.
    """

    if TYPE_CHECKING:
        # Declared for the type checker only: defined here at run time, they
        # would hide the model mixins' methods that come after this in the MRO.
        def perform_create(self, serializer: BaseSerializer[Any]) -> Model: ...
        def perform_update(self, serializer: BaseSerializer[Any]) -> Model: ...
        def perform_destroy(self, instance: Any) -> None: ...

    def dispatch(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if request.method in {"GET", "HEAD", "OPTIONS"} and not any(
            request.META.get(header) for header in VALIDATOR_HEADERS
        ):
            return super().dispatch(request, *args, **kwargs)
        with primary_reads():
            return super().dispatch(request, *args, **kwargs)

    def read(self, instance: Any) -> tuple[dict[str, Any], str]:
        """Return the instance's representation and its ETag."""
        data = self.get_read_serializer(instance).data
        return data, etag_for(data)

    def detail_etag(self, instance: Any) -> str:
        return self.read(instance)[1]

    def get_read_serializer(self, instance: Any) -> BaseSerializer[Any]:
        return self.get_serializer(instance)

    def not_modified(self, etag: str) -> Response | None:
        """Return a 304 answer when the request's If-None-Match holds `etag`."""
        if etag in _etags(self.request.headers.get("If-None-Match", "")):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return None

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data, etag = self.read(self.get_object())
        return self.not_modified(etag) or Response(data, headers={"ETag": etag})

    def check_if_match(self, instance: Any) -> None:
        expected = self.request.headers.get("If-Match")
        if expected is None:
            return
        etags = _etags(expected)
        if "*" not in etags and self.detail_etag(instance) not in etags:
            raise PreconditionFailed()

    def get_locked_object(self) -> Any:
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

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_if_match(instance)
            serializer = self.get_serializer(
                instance, data=request.data, partial=kwargs.pop("partial", False)
            )
            serializer.is_valid(raise_exception=True)
            data, etag = self.read(self.perform_update(serializer))
        return Response(data, headers={"ETag": etag})

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            instance = self.get_locked_object()
            self.check_if_match(instance)
            self.perform_destroy(instance)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, etag = self.read(self.perform_create(serializer))
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag})


def _etags(header: str) -> set[str]:
    return request_etags(header)
