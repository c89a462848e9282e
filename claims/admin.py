from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from .models import Claim, ClaimLink, Evidence, Metric
from .ratings import Status
from .services import claim_save, claim_set_status


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "unit"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["stance", "document", "url", "note"]
    autocomplete_fields = ["document"]
    extra = 0


class ClaimLinkInline(admin.TabularInline):
    model = ClaimLink
    fk_name = "from_claim"
    fields = ["relation", "to_claim", "note", "detected"]
    readonly_fields = ["detected"]
    autocomplete_fields = ["to_claim"]
    extra = 0
    verbose_name = "link to another claim"


def _status_action(status: Status):
    def action(modeladmin, request, queryset):
        moved, refused = 0, []
        for claim in queryset.select_related("document"):
            try:
                claim_set_status(claim=claim, status=status, by=request.user)
            except ValidationError as error:
                refused.append(f"#{claim.pk}: {'; '.join(error.messages)}")
            else:
                moved += 1
        if moved:
            modeladmin.message_user(
                request, f"{moved} claim(s) moved to {status.label}.", messages.SUCCESS
            )
        for reason in refused:
            modeladmin.message_user(request, f"Not moved {reason}", messages.ERROR)

    action.__name__ = f"set_status_{status.value}"
    action.short_description = f"Move selected claims to “{status.label}”"
    return action


@admin.register(Claim)
class ClaimAdmin(SimpleHistoryAdmin):
    list_display = [
        "id",
        "short_text",
        "status",
        "figure",
        "metric",
        "document",
        "speaker",
        "claimed_on",
    ]
    list_display_links = ["id", "short_text"]
    list_filter = [
        "status",
        "metric",
        "document__publisher",
        "document__type",
        ("claimed_on", admin.DateFieldListFilter),
    ]
    list_select_related = ["document", "speaker", "metric"]
    # Counting every row for the "x of y" line is a full scan at a million rows.
    show_full_result_count = False
    search_fields = [
        "text",
        "quote",
        "speaker__name",
        "speaker__aliases__name",
        "document__title",
    ]
    autocomplete_fields = ["document", "speaker", "metric"]
    readonly_fields = ["figure", "created_at", "updated_at", "created_by", "updated_by"]
    inlines = [EvidenceInline, ClaimLinkInline]
    actions = [_status_action(status) for status in Status]
    fieldsets = [
        (None, {"fields": ["text", "quote", "document"]}),
        (
            "Who and when",
            {"fields": ["speaker", "speaker_role", "claimed_on", "claimed_precision"]},
        ),
        (
            "Figure",
            {
                "fields": [
                    "metric",
                    ("value", "value_upper"),
                    ("unit", "comparator"),
                    ("period_start", "period_end"),
                    "period_label",
                    "figure",
                ]
            },
        ),
        ("Verification", {"fields": ["status", "rationale"]}),
        (
            "Record",
            {"fields": ["created_at", "created_by", "updated_at", "updated_by"]},
        ),
    ]

    @admin.display(description="claim", ordering="text")
    def short_text(self, claim):
        return claim.text if len(claim.text) <= 90 else claim.text[:89] + "…"

    @admin.display(description="figure", ordering="value")
    def figure(self, claim):
        return claim.figure_display or "—"

    def save_model(self, request, obj, form, change):
        claim_save(claim=obj, by=request.user)


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["id", "claim", "stance", "document", "url"]
    list_filter = ["stance"]
    list_select_related = ["claim", "document"]
    autocomplete_fields = ["claim", "document"]
    search_fields = ["claim__text", "note", "url"]


@admin.register(ClaimLink)
class ClaimLinkAdmin(SimpleHistoryAdmin):
    list_display = ["id", "from_claim", "relation", "to_claim", "detected"]
    list_filter = ["relation", "detected"]
    list_select_related = ["from_claim", "to_claim"]
    autocomplete_fields = ["from_claim", "to_claim"]
    search_fields = ["from_claim__text", "to_claim__text", "note"]
