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
