"""What every input serializer shares."""

from typing import TYPE_CHECKING, Any, ClassVar

from rest_framework import serializers
from rest_framework.relations import RelatedField

from .fields import PrimaryKeyField

if TYPE_CHECKING:
    # For the type checker, the serializer the mixin is mixed into.
    _SerializerBase = serializers.Serializer[Any]
else:
    _SerializerBase = object


class StrictFieldsMixin(_SerializerBase):
    """Refuse request fields the serializer does not know, instead of dropping them.

    A ModelSerializer's related fields are PrimaryKeyField: an id that is not a
    whole number in range is a 400 naming the field, not a query.
    """

    serializer_related_field: ClassVar[type[RelatedField]] = PrimaryKeyField

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown}
                )
        return super().to_internal_value(data)
