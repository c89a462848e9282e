"""Fields every serializer shares: one check for every id a client writes."""

from typing import Any

from rest_framework import serializers

from factcheck.ids import ID_MESSAGE, parse_id


class PrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row by id, the id checked (factcheck.ids.parse_id) before any query.

    Every ModelSerializer's related fields are this (StrictFieldsMixin sets it as
    serializer_related_field), and serializers that declare one use it: a huge,
    non-finite or fractional id is a 400 naming the field, not a 500.
    """

    def to_internal_value(self, data: Any) -> Any:
        pk = parse_id(data)
        if pk is None:
            raise serializers.ValidationError(ID_MESSAGE, code="incorrect_type")
        return super().to_internal_value(pk)


class WholeNumberField(serializers.IntegerField):
    """A count or an id given as a JSON whole number (or its digits as text).

    DRF's IntegerField reads 1.0 and "1.0" as 1 and true as 1; a client that sends
    them has made a mistake this field names (a 400 on the field), as
    PrimaryKeyField does for ids.
    """

    def to_internal_value(self, data: Any) -> int:
        digits = isinstance(data, str) and data.isascii() and data.lstrip("-").isdigit()
        if isinstance(data, bool) or not (isinstance(data, int) or digits):
            raise serializers.ValidationError(
                "Give a whole number (no fraction, exponent or true/false).",
                code="invalid",
            )
        return super().to_internal_value(data)


NUL_MESSAGE = (
    "Text may not hold a null character (\\u0000): the database cannot store it."
)
SURROGATE_MESSAGE = (
    "Text may not hold a lone surrogate (\\ud800-\\udfff): it is not Unicode text."
)


def text_problem(text: str) -> str:
    """Return why the database cannot store or compare `text`, or "".

    PostgreSQL refuses a null character in text and JSON, and a lone surrogate is
    not UTF-8 (psycopg cannot send it): a DataError or an encoding error, a 500,
    where SQLite took both. DRF's CharField refuses them; its JSONField and relation
    fields do not.
    """
    if "\x00" in text:
        return NUL_MESSAGE
    if any("\ud800" <= character <= "\udfff" for character in text):
        return SURROGATE_MESSAGE
    return ""


def _json_problem(data: Any) -> str:
    if isinstance(data, str):
        return text_problem(data)
    if isinstance(data, dict):
        for key, value in data.items():
            problem = _json_problem(key) or _json_problem(value)
            if problem:
                return problem
    if isinstance(data, list):
        for item in data:
            problem = _json_problem(item)
            if problem:
                return problem
    return ""


class StoredJSONField(serializers.JSONField):
    """JSON a client writes into a JSONField: every string storable (text_problem).

    A 400 naming the field, not a 500 on PostgreSQL.
    """

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        problem = _json_problem(value)
        if problem:
            raise serializers.ValidationError(problem, code="invalid_text")
        return value


class SlugKeyField(serializers.SlugRelatedField):
    """A related row by a text key (a slug, a code), checked before the query.

    As PrimaryKeyField does for ids: a key the database cannot compare (a null
    character, a lone surrogate) is a 400 naming the field, not a 500.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            problem = text_problem(data)
            if problem:
                raise serializers.ValidationError(problem, code="invalid_text")
        return super().to_internal_value(data)
