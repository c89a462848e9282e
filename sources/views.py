from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from factcheck.api.exceptions import PayloadTooLarge
from factcheck.api.filters import IdFilter, SearchFilter
from factcheck.api.parsers import LimitedJSONParser, LimitedMultiPartParser
from factcheck.api.viewsets import RecordViewSet
from factcheck.jobs.api import job_url

from .ingest import IngestError, ingest_document, max_bytes
from .models import Document, Person, Publisher
from .serializers import (
    DocumentIngestResultSerializer,
    DocumentIngestSerializer,
    DocumentSerializer,
    PersonSerializer,
    PublisherSerializer,
)
from .services import person_delete, person_save, source_save

# How each ingest outcome answers: a new row is 201, finding or filling one is 200.
INGEST_STATUS = {
    "created": status.HTTP_201_CREATED,
    "new_version": status.HTTP_201_CREATED,
    "attached": status.HTTP_200_OK,
    "duplicate": status.HTTP_200_OK,
}


class SourceViewSet(RecordViewSet):
    """Writes through source_save: the rules of other apps (claims) apply."""

    def save_record(self, instance, validated_data):
        values = dict(validated_data)
        reason = values.pop("change_reason", "")
        many = {name: values.pop(name) for name in self.many_fields if name in values}
        return source_save(
            instance=instance,
            values=values,
            many=many,
            by=self.request.user,
            reason=reason,
        )


class PublisherViewSet(SourceViewSet):
    queryset = Publisher.objects.order_by("id")
    serializer_class = PublisherSerializer
    filter_backends = [SearchFilter]
    search_fields = ["name"]


class PersonViewSet(SourceViewSet):
    queryset = Person.objects.prefetch_related("aliases").order_by("id")
    serializer_class = PersonSerializer
    filter_backends = [SearchFilter]
    search_fields = ["name", "aliases__name"]

    def save_record(self, instance, validated_data):
        values = dict(validated_data)
        aliases = values.pop("aliases", None)
        reason = values.pop("change_reason", "")
        return person_save(
            person=instance,
            values=values,
            aliases=aliases,
            by=self.request.user,
            reason=reason,
        )

    def perform_destroy(self, instance):
        person_delete(person=instance)


class DocumentFilter(filters.FilterSet):
    publisher = IdFilter(field_name="publisher_id", lookup_expr="exact")
    type = filters.ChoiceFilter(
        field_name="type", lookup_expr="exact", choices=Document.Type.choices
    )
    sha256 = filters.CharFilter(field_name="text_sha256", lookup_expr="exact")

    class Meta:
        model = Document
        fields: list[str] = []


class DocumentViewSet(SourceViewSet):
    """Documents; the full text is included on the detail page only."""

    queryset = (
        Document.objects.select_related("publisher")
        .prefetch_related("authors")
        .order_by("id")
    )
    serializer_class = DocumentSerializer
    many_fields = ("authors",)
    filter_backends = [filters.DjangoFilterBackend, SearchFilter]
    filterset_class = DocumentFilter
    search_fields = ["title", "url"]

    def initialize_request(self, request, *args, **kwargs):
        # A file is uploaded on create only; every other write is JSON. (The parsers
        # are chosen before DRF names the action, hence the method.)
        if request.method == "POST":
            self.parser_classes = [LimitedJSONParser, LimitedMultiPartParser]
        return super().initialize_request(request, *args, **kwargs)

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

    @extend_schema(
        summary="Create a document; with a text or file, ingest it",
        description="With `text` (JSON) or a multipart `file` (.txt or .html), the "
        "text is stored with its sha256: the same text again finds the existing "
        "document (200, status duplicate); a changed text at the same URL becomes a "
        "new version (201); a text for a document that has none attaches to it (200). "
        "Without text, the document's fields are stored as given.",
        request={
            "application/json": DocumentSerializer,
            "multipart/form-data": DocumentIngestSerializer,
        },
        responses={
            201: DocumentIngestResultSerializer,
            200: DocumentIngestResultSerializer,
        },
    )
    def create(self, request, *args, **kwargs):
        # Only an object can carry a text; anything else gets the serializer's 400.
        if not isinstance(request.data, dict) or (
            "file" not in request.FILES and "text" not in request.data
        ):
            return super().create(request, *args, **kwargs)
        if request.data.get("text", "") == "" and "file" not in request.FILES:
            return Response(
                {"text": ["The text is empty: there is nothing to store."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        serializer = DocumentIngestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        upload = given.get("file")
        if upload is not None and upload.size > max_bytes():
            raise PayloadTooLarge(f"The file is larger than {max_bytes()} bytes.")
        try:
            result = ingest_document(
                content=upload.read() if upload else given["text"],
                filename=upload.name if upload else "",
                content_type=upload.content_type if upload else "",
                title=given.get("title", ""),
                url=given.get("url", ""),
                publisher=given.get("publisher"),
                authors=given.get("authors", ()),
                published=given.get("published") or None,
                type=given.get("type", ""),
                language=given.get("language", ""),
                by=request.user,
            )
        except IngestError as refusal:
            if refusal.code == "too_large":
                raise PayloadTooLarge(refusal.reason) from refusal
            raise
        document = self.get_queryset().get(pk=result.document.pk)
        body = DocumentSerializer(document, context=self.get_serializer_context()).data
        jobs = [job_url(job, request) for job in result.jobs]
        body["ingest"] = {
            "status": result.status,
            "message": result.message,
            "jobs": jobs,
        }
        return Response(body, status=INGEST_STATUS[result.status])
