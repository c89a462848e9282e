from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Claim

from .models import Document, Person, PersonAlias, Publisher
from .services import authored_documents


@admin.register(Publisher)
class PublisherAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "country", "url"]
    list_filter = ["kind", "country"]
    search_fields = ["name"]


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 1


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "alias_list", "description", "wikidata_id"]
    search_fields = ["name", "aliases__name", "wikidata_id"]
    inlines = [PersonAliasInline]

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        # Authorship rows would vanish with the person: protect the documents.
        protected = [*protected, *map(str, authored_documents(objs))]
        return deleted, counts, perms_needed, protected

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description="aliases")
    def alias_list(self, person):
        return ", ".join(alias.name for alias in person.aliases.all())


class DocumentClaimInline(admin.TabularInline):
    model = Claim
    fields = ("text", "status", "metric", "value", "unit", "comparator")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("metric")


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "publisher", "type", "published_display", "language"]
    list_filter = ["type", "language", "publisher"]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "publisher__name"]
    autocomplete_fields = ["publisher", "authors"]
    readonly_fields = ["text_sha256", "created_at", "updated_at"]
    inlines = [DocumentClaimInline]

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is not None:
            # A new text is a new version, stored by ingest (quotes point into it).
            readonly = [*readonly, "text"]
        return readonly

    fieldsets = [
        (
            None,
            {"fields": ["title", "url", "publisher", "authors", "type", "language"]},
        ),
        (
            "Dates",
            {
                "fields": [
                    "published_on",
                    "published_precision",
                    "published_note",
                    "accessed_on",
                ]
            },
        ),
        ("Text", {"fields": ["text", "text_sha256"], "classes": ["collapse"]}),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="published", ordering="published_on")
    def published_display(self, document):
        return document.published_display
