from rest_framework import serializers

from factcheck.api import StrictFieldsMixin

from .models import Document, Person, Publisher


class PublisherSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Publisher
        fields = ["id", "name", "url", "kind", "country"]


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

    class Meta:
        model = Person
        fields = ["id", "name", "aliases", "description", "wikidata_id"]


class DocumentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    publisher_name = serializers.CharField(
        source="publisher.name", read_only=True, default=None
    )
    published_display = serializers.CharField(read_only=True)

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
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["text_sha256", "created_at", "updated_at"]
        # Uniqueness is checked once, by the model's constraints in full_clean().
        validators = []
        extra_kwargs = {"url": {"validators": []}, "text": {"write_only": False}}
