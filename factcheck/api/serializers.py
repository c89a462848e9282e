"""What every input serializer shares."""

from rest_framework import serializers


class StrictFieldsMixin:
    """Refuse request fields the serializer does not know, instead of dropping them."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            known = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - known)
            if unknown:
                raise serializers.ValidationError(
                    {name: ["Unknown field."] for name in unknown}
                )
        return super().to_internal_value(data)
