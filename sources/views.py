from django_filters import rest_framework as filters
from rest_framework import filters as drf_filters

from factcheck.viewsets import RecordViewSet

from .models import Document, Person, Publisher
from .serializers import DocumentSerializer, PersonSerializer, PublisherSerializer
from .services import person_save


class PublisherViewSet(RecordViewSet):
    queryset = Publisher.objects.order_by("id")
    serializer_class = PublisherSerializer
    filter_backends = [drf_filters.SearchFilter]
    search_fields = ["name"]


class PersonViewSet(RecordViewSet):
    queryset = Person.objects.prefetch_related("aliases").order_by("id")
    serializer_class = PersonSerializer
    filter_backends = [drf_filters.SearchFilter]
    search_fields = ["name", "aliases__name"]

    def save_record(self, instance, validated_data):
        values = dict(validated_data)
        aliases = values.pop("aliases", None)
        return person_save(person=instance, values=values, aliases=aliases)


class DocumentFilter(filters.FilterSet):
    publisher = filters.NumberFilter(field_name="publisher_id", lookup_expr="exact")
    type = filters.ChoiceFilter(
        field_name="type", lookup_expr="exact", choices=Document.Type.choices
    )
    sha256 = filters.CharFilter(field_name="text_sha256", lookup_expr="exact")

    class Meta:
        model = Document
        fields = []


class DocumentViewSet(RecordViewSet):
    """Documents; the full text is included on the detail page only."""

    queryset = (
        Document.objects.select_related("publisher")
        .prefetch_related("authors")
        .order_by("id")
    )
    serializer_class = DocumentSerializer
    many_fields = ("authors",)
    filter_backends = [filters.DjangoFilterBackend, drf_filters.SearchFilter]
    filterset_class = DocumentFilter
    search_fields = ["title", "url"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            queryset = queryset.defer("text")
        return queryset

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "list" and hasattr(serializer, "child"):
            serializer.child.fields.pop("text")
        return serializer
