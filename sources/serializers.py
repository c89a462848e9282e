from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from factcheck.api.fields import PrimaryKeyField
from factcheck.api.serializers import StrictFieldsMixin

from .models import DatePrecision, Document, Person, Publisher


def change_reason_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Why you made this change; kept in the history (and in the "
        "history of the published claims a reviewer's correction changes).",
    )


class PublisherSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    change_reason = change_reason_field()

    class Meta:
        model = Publisher
        fields = ["id", "name", "url", "kind", "country", "change_reason"]


class AliasListField(serializers.ListField):
    """Aliases read from the person's alias rows, written as a list of names."""

    def to_representation(self, aliases):
        return [alias.name for alias in aliases.all()]


class PersonSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    aliases = AliasListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Other spellings of the name; a search by any finds the person.",
    )
    change_reason = change_reason_field()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "aliases",
            "description",
            "wikidata_id",
            "change_reason",
        ]


class DocumentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    publisher_name = serializers.CharField(
        source="publisher.name", read_only=True, default=None, allow_null=True
    )
    published_display = serializers.CharField(read_only=True)
    change_reason = change_reason_field()

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "url",
            "publisher",
            "publisher_name",
            "authors",
            "type",
            "language",
            "published_on",
            "published_precision",
            "published_display",
            "published_note",
            "accessed_on",
            "text",
            "text_sha256",
            "text_language",
            "created_at",
            "updated_at",
            "change_reason",
        ]
        read_only_fields = ["text_sha256", "text_language", "created_at", "updated_at"]
        # Uniqueness is checked once, by the model's constraints in full_clean().
        validators: list[Callable[..., None]] = []
        extra_kwargs: dict[str, dict[str, Any]] = {
            "url": {"validators": []},
            "text": {"write_only": False},
        }

    def validate_text(self, value):
        if self.instance is not None and value != self.instance.text:
            # Claims were quoted from the stored text and point into it.
            raise serializers.ValidationError(
                "A stored text is never changed in place: POST the new text to "
                "/api/v1/documents/ with the document's url to store it as a new "
                "version (claims keep pointing at the text they were quoted from)."
            )
        return value


class DocumentIngestSerializer(StrictFieldsMixin, serializers.Serializer):
    """A document given as its text (JSON "text" or a multipart "file")."""

    file = serializers.FileField(required=False, help_text="A .txt or .html file.")
    text = serializers.CharField(required=False, trim_whitespace=False)
    title = serializers.CharField(required=False, allow_blank=True, max_length=500)
    url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    publisher = PrimaryKeyField(
        queryset=Publisher.objects.all(), required=False, allow_null=True
    )
    authors = PrimaryKeyField(queryset=Person.objects.all(), many=True, required=False)
    published = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="YYYY, YYYY-MM or YYYY-MM-DD; the precision follows.",
    )
    published_on = serializers.DateField(
        required=False, allow_null=True, help_text="Instead of `published`."
    )
    published_precision = serializers.ChoiceField(
        choices=DatePrecision.choices, required=False
    )
    type = serializers.ChoiceField(
        choices=Document.Type.choices, required=False, allow_blank=True
    )
    language = serializers.CharField(required=False, allow_blank=True, max_length=35)

    def validate(self, attrs):
        if bool(attrs.get("file")) == bool(attrs.get("text")):
            raise serializers.ValidationError(
                {"text": ["Give the text either as 'text' or as a 'file', not both."]}
            )
        published_on = attrs.pop("published_on", None)
        precision = attrs.pop("published_precision", DatePrecision.DAY)
        if published_on is not None:
            if attrs.get("published"):
                raise serializers.ValidationError(
                    {"published_on": ["Give `published` or `published_on`, not both."]}
                )
            # ingest_document reads the precision from how much of the date is given.
            length = {DatePrecision.YEAR: 4, DatePrecision.MONTH: 7}.get(precision, 10)
            attrs["published"] = published_on.isoformat()[:length]
        return attrs


class IngestOutcomeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["created", "new_version", "attached", "duplicate"]
    )
    message = serializers.CharField()
    jobs = serializers.ListField(
        child=serializers.URLField(),
        help_text="Background jobs started on the stored text (anchoring the quotes "
        "of a document's claims): poll their URLs for the result.",
    )


class DocumentIngestResultSerializer(DocumentSerializer):
    # Response only, and not read-only so that the schema may leave it out: a
    # document created without a text or file is answered without it.
    ingest = IngestOutcomeSerializer(
        required=False,
        help_text="How the text was stored; absent when neither text nor file came.",
    )

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "ingest"]
