"""Base viewset for API resources: conditional requests, model-validated writes."""

from rest_framework import viewsets

from ..services import record_save
from .conditional import ConditionalDetailMixin


class RecordViewSet(ConditionalDetailMixin, viewsets.ModelViewSet):
    """CRUD whose writes go through record_save(): the model validates, once."""

    many_fields: tuple[str, ...] = ()

    def perform_create(self, serializer):
        instance = self.save_record(
            self.get_queryset().model(), serializer.validated_data
        )
        return self.get_queryset().get(pk=instance.pk)

    def perform_update(self, serializer):
        instance = self.save_record(serializer.instance, serializer.validated_data)
        return self.get_queryset().get(pk=instance.pk)

    def save_record(self, instance, validated_data):
        values = dict(validated_data)
        many = {name: values.pop(name) for name in self.many_fields if name in values}
        return record_save(instance=instance, values=values, many=many)
