"""Fields every serializer shares: one check for every id a client writes."""

from typing import Any

from rest_framework import serializers

# The ids every table here has: BigAutoField (DEFAULT_AUTO_FIELD), 1 to 2**63 - 1.
MAX_ID = 2**63 - 1
ID_MESSAGE = f"Give the id as a whole number from 1 to {MAX_ID}."


def checked_id(value: Any) -> int:
    """Return a client's id as an int, or raise a ValidationError saying why not.

    A JSON number may be a float (1.9, or 1e400, which parses as infinity) or a
    bool (Python's 1); a form sends digits as text. Anything else never reaches
    the database: Django read 1.9 as 1 and answered 1e400 with an OverflowError.
    """
    if isinstance(value, bool):
        raise serializers.ValidationError(ID_MESSAGE, code="incorrect_type")
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise serializers.ValidationError(ID_MESSAGE, code="incorrect_type")
    return value


class PrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related row by id, the id checked (checked_id) before any query.

    Every ModelSerializer's related fields are this (StrictFieldsMixin sets it as
    serializer_related_field), and serializers declare their own with it.
    """

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value(checked_id(data))
