"""OpenAPI post-processing: describe the error bodies every operation can return."""

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
            if method == "get" and "{" in path:
                responses.setdefault(
                    "304", {"description": "Not modified (If-None-Match)."}
                )
            if method == "get":
                responses.setdefault(
                    "400", _error("A bad filter value.", "ValidationError")
                )
            if method in WRITE_METHODS:
                responses.setdefault("400", _error("Invalid input.", "ValidationError"))
                responses.setdefault("401", _error("Authentication needed."))
                responses.setdefault("403", _error("Not allowed for this user."))
            if method in {"put", "patch", "delete"}:
                responses.setdefault(
                    "412", _error("Stale If-Match: changed since read.")
                )
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
    return result
