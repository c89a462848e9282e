from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Claim
from factcheck.services import ChangeRefused

from .models import Document, Person, PersonAlias, Publisher
from .services import authored_documents, source_change_check, source_save


class SourceChangeForm(forms.ModelForm):
    """Shows, by the field, a change the rules of other apps refuse (source_save's)."""

    change_reason = forms.CharField(
        required=False,
        max_length=100,
        help_text="Optional: why you made this change (kept in the history, and in "
        "that of the published claims a reviewer's correction changes).",
    )

    user = None  # set by SourceAdmin.get_form

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.instance.pk is None:
            return cleaned
        many_names = {field.name for field in self._meta.model._meta.many_to_many}
        changed = [name for name in self.changed_data if name in cleaned]
        try:
            source_change_check(
                instance=self.instance,
                values={
                    name: cleaned[name]
                    for name in changed
                    if name not in many_names and name != "change_reason"
                },
                many={name: cleaned[name] for name in changed if name in many_names},
                by=self.user,
            )
        except ChangeRefused as refusal:
            for name in refusal.fields:
                self.add_error(name if name in self.fields else None, str(refusal))
        return cleaned


class SourceAdmin(SimpleHistoryAdmin):
    """Saves through source_save, as the API does."""

    form = SourceChangeForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        many_names = {field.name for field in obj._meta.many_to_many}
        source_save(
            instance=obj,
            values={},
            many={
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in many_names and obj.pk is not None
            },
            by=request.user,
            reason=form.cleaned_data.get("change_reason", ""),
        )


@admin.register(Publisher)
class PublisherAdmin(SourceAdmin):
    list_display = ["name", "kind", "country", "url"]
    list_filter = ["kind", "country"]
    search_fields = ["name"]


class PersonAliasInline(admin.TabularInline):
    model = PersonAlias
    extra = 1


@admin.register(Person)
class PersonAdmin(SourceAdmin):
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
class DocumentAdmin(SourceAdmin):
    list_display = [
        "title",
        "publisher",
        "type",
        "published_display",
        "language",
        "text_language",
    ]
    list_filter = ["type", "language", "publisher"]
    list_select_related = ["publisher"]
    search_fields = ["title", "url", "publisher__name"]
    autocomplete_fields = ["publisher", "authors"]
    readonly_fields = ["text_sha256", "text_language", "created_at", "updated_at"]
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
            {
                "fields": [
                    "title",
                    "url",
                    "publisher",
                    "authors",
                    "type",
                    "language",
                    "change_reason",
                ]
            },
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
        (
            "Text",
            {
                "fields": ["text", "text_language", "text_sha256"],
                "classes": ["collapse"],
            },
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description="published", ordering="published_on")
    def published_display(self, document):
        return document.published_display
