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


def _holds_nul(data: Any) -> bool:
    if isinstance(data, str):
        return "\x00" in data
    if isinstance(data, dict):
        return any(_holds_nul(key) or _holds_nul(value) for key, value in data.items())
    if isinstance(data, list):
        return any(_holds_nul(item) for item in data)
    return False


class StoredJSONField(serializers.JSONField):
    """JSON a client writes into a JSONField: refuses a null character anywhere.

    PostgreSQL's jsonb cannot hold \\u0000 (a DataError, a 500, where SQLite stored
    it); DRF's CharField refuses it, its JSONField does not. A 400 on the field.
    """

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if _holds_nul(value):
            raise serializers.ValidationError(NUL_MESSAGE, code="null_characters")
        return value
