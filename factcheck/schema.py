"""The OpenAPI schema: what each operation's security, conditional headers and
bodies are (AutoSchema), and the error bodies every operation can return.

tests/factcheck/test_schema.py checks each of these against the API's behaviour.
"""

from typing import Any

from drf_spectacular import openapi
from rest_framework import permissions

from .api.conditional import ConditionalDetailMixin
from .api.serializers import StrictFieldsMixin

ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "description": "Any error that is not about particular fields.",
    },
    "ValidationError": {
        "type": "object",
        "additionalProperties": {
            "oneOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "object", "additionalProperties": True},
                {"type": "string"},
            ]
        },
        "description": "Each refused field (or non_field_errors) with its reasons; "
        "a body that is not JSON gets a single detail.",
        "example": {"unit": ["A value needs a unit."], "colour": ["Unknown field."]},
    },
}

WRITE_METHODS = {"post", "put", "patch", "delete"}

ETAG = {
    "schema": {"type": "string"},
    "description": "The representation's entity tag: send it back as If-None-Match "
    "to read it again (304 while unchanged), as If-Match to write over it (412 once "
    "it changed).",
}
CACHING_HEADERS = {
    "Cache-Control": {
        "schema": {"type": "string"},
        "description": "public, max-age=... for anonymous reads; private, no-cache "
        "for a signed-in user's.",
    },
    "Vary": {
        "schema": {"type": "string"},
        "description": "Accept, Authorization, Cookie",
    },
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETags (comma separated) you hold: 304 without a body while the "
    "representation has one of them.",
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag you read: the write is refused with 412 if the resource "
    "changed since (optimistic concurrency). Without it, the write is unconditional.",
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, saying what it cannot see: anonymous reads, conditional
    headers, and request bodies that refuse unknown fields."""

    def get_auth(self) -> list[dict[str, Any]]:
        auths = super().get_auth()
        anonymous_reads = any(
            isinstance(permission, permissions.DjangoModelPermissionsOrAnonReadOnly)
            for permission in self.view.get_permissions()
        )
        safe = self.method in permissions.SAFE_METHODS
        if safe and anonymous_reads and {} not in auths:
            auths.append({})  # no credentials needed
        return auths

    def _map_basic_serializer(self, serializer, direction):
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictFieldsMixin):
            result["additionalProperties"] = False
        return result

    def versioned_read(self) -> bool:
        """Whether the operation is answered through the representation cache."""
        action = getattr(self.view, "action", None) or self.method.lower()
        return self.method == "GET" and action in getattr(
            self.view, "versioned_actions", ()
        )

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return operation
        responses = operation["responses"]
        parameters = operation.setdefault("parameters", [])
        headers: dict[str, Any] = {}
        # Every GET answers an ETag and a 304 for it: the versioned reads and the
        # details compute theirs, ConditionalGetMiddleware hashes the others' bodies.
        if self.method == "GET":
            parameters.append(IF_NONE_MATCH)
            headers = {"ETag": ETAG}
            if self.versioned_read():
                headers.update(CACHING_HEADERS)
            responses["304"] = {
                "description": "Not modified: the ETag you sent as If-None-Match.",
                "headers": headers,
            }
        conditional_write = isinstance(self.view, ConditionalDetailMixin)
        if conditional_write and self.method in {"PUT", "PATCH", "DELETE"}:
            parameters.append(IF_MATCH)
            responses["412"] = _error("Stale If-Match: changed since you read it.")
            headers = {"ETag": ETAG}
        if conditional_write and self.method == "POST":
            headers = {"ETag": ETAG}
        for code in ("200", "201"):
            if code in responses and headers:
                responses[code].setdefault("headers", {}).update(headers)
        return operation


def _error(description: str, schema: str = "Error") -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
        },
    }


def add_error_responses(result, generator, request, public):
    """Add the 4xx answers of the exception handler, and the 503, to every operation."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.setdefault(
                "429", _error("Throttled; see the Retry-After header.")
            )
            responses.setdefault(
                "503",
                _error(
                    "The database took longer than DATABASE_STATEMENT_TIMEOUT or is "
                    "unavailable; see the Retry-After header."
                ),
            )
            if "{" in path:
                responses.setdefault("404", _error("No such resource."))
            if method == "get":
                responses.setdefault(
                    "400", _error("A bad filter value.", "ValidationError")
                )
            if method in WRITE_METHODS:
                responses.setdefault("400", _error("Invalid input.", "ValidationError"))
            if method in WRITE_METHODS or {} not in operation.get("security", [{}]):
                # Writes, and reads no anonymous client may make (webhooks, jobs).
                responses.setdefault("401", _error("Authentication needed."))
                responses.setdefault("403", _error("Not allowed for this user."))
            if method in {"post", "put", "patch"}:
                responses.setdefault(
                    "413",
                    _error(
                        "Body over API_MAX_BODY_BYTES (a multipart body: a file over "
                        "INGEST_MAX_BYTES)."
                    ),
                )
            if method == "delete":
                responses.setdefault("409", _error("Still referred to by other rows."))
            for code, response in responses.items():
                # An error a view describes in words only has the handler's body.
                if code.startswith("4") and "content" not in response:
                    shape = "ValidationError" if code == "400" else "Error"
                    response.update(_error(response.get("description", ""), shape))
    return result
