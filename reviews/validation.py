"""Validate a saved page or JSON-LD document: for the command and the API."""

import json
from dataclasses import asdict
from typing import Any

from .parsing.validation import ERROR, validate_page


class ValidationInputError(ValueError):
    """Input that is neither JSON-LD nor an HTML page holding it."""


def json_ld_nodes(content: bytes) -> list[Any]:
    """Return the JSON-LD nodes of a JSON document or an HTML page (never run)."""
    text = content.decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValidationInputError(f"Not valid JSON: {error}") from error
        return document if isinstance(document, list) else [document]
    if text.startswith("<"):
        import extruct

        try:
            found = extruct.extract(text, syntaxes=["json-ld"], uniform=True)
        except Exception as error:  # extruct raises what lxml raises
            raise ValidationInputError(f"Not a readable HTML page: {error}") from error
        return list(found.get("json-ld", []))
    raise ValidationInputError("Neither JSON-LD nor an HTML page.")


def validate_document(content: bytes) -> dict[str, Any]:
    """Return every problem of the ClaimReviews of a document, by rule."""
    from .parsing.validation import nodes_of

    nodes = json_ld_nodes(content)
    reviews = nodes_of(nodes)
    problems = validate_page(nodes)
    if not reviews:
        problems = []
    errors = sum(problem.severity == ERROR for problem in problems)
    result = {
        "valid": bool(reviews) and errors == 0,
        "reviews": len(reviews),
        "errors": errors,
        "warnings": len(problems) - errors,
        "problems": [asdict(problem) for problem in problems],
    }
    if not reviews:
        result["errors"] = 1
        result["problems"] = [
            {
                "rule": "type",
                "severity": ERROR,
                "path": "$",
                "message": "No ClaimReview found in the document.",
            }
        ]
    return result
