"""Admin for official series: datasets, series (read-only observations), links.

The claim admin page shows the comparisons through an inline this app registers
onto the claims app's ClaimAdmin (claims knows nothing of series).
"""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from claims.models import Claim

from .models import Comparison, Dataset, MetricSeriesLink, Series, Vintage
from .services.comparisons import comparison_to_evidence
from .services.links import link_delete, link_save


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "publisher", "licence"]


class VintageInline(admin.TabularInline):
    model = Vintage
    fields = ("number", "loaded_at", "file_name", "file_format", "checksum", "changes")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = [
        "indicator",
        "reporter",
        "partner",
        "frequency",
        "flow",
        "valuation",
        "unit",
        "dataset",
    ]
    list_filter = ["dataset", "frequency", "flow"]
    search_fields = ["indicator", "reporter", "partner", "name"]
    list_select_related = ["dataset"]
    readonly_fields = ["dataset", "indicator", "reporter", "partner", "frequency"]
    inlines = [VintageInline]


@admin.register(MetricSeriesLink)
class MetricSeriesLinkAdmin(admin.ModelAdmin):
    list_display = ["metric", "dataset", "reporter", "role", "terms", "label"]
    list_select_related = ["metric", "dataset"]
    list_filter = ["dataset", "role"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        link_save(link=obj, values=values)

    def delete_model(self, request, obj):
        link_delete(link=obj)


class ComparisonInline(admin.TabularInline):
    """'What the official record says', on the claim's admin page."""

    model = Comparison
    verbose_name = "official record comparison"
    verbose_name_plural = "What the official record says"
    fk_name = "claim"
    fields = (
        "series_keys",
        "reporter",
        "period_start",
        "period_end",
        "official_value",
        "stated_value",
        "ratio",
        "assessment",
        "notes",
        "vintage",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comparison]:
        return super().get_queryset(request).select_related("vintage", "link")


@admin.action(description="Record as evidence on the claim")
def record_as_evidence(modeladmin, request, queryset):
    done = 0
    for comparison in queryset.select_related("link__dataset", "vintage"):
        if comparison.official_value is None:
            continue
        comparison_to_evidence(comparison=comparison, by=request.user)
        done += 1
    modeladmin.message_user(
        request, f"{done} evidence records added.", messages.SUCCESS
    )


@admin.register(Comparison)
class ComparisonAdmin(admin.ModelAdmin):
    list_display = [
        "claim",
        "series_keys",
        "reporter",
        "official_value",
        "stated_value",
        "ratio",
        "assessment",
    ]
    list_filter = ["assessment", "reporter"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim", "link", "vintage"]
    actions = [record_as_evidence]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


def _register_claim_inline() -> None:
    """Add the comparisons inline to the claims app's ClaimAdmin, from here."""
    claim_admin = admin.site._registry.get(Claim)
    if claim_admin is not None and ComparisonInline not in claim_admin.inlines:
        type(claim_admin).inlines = [*claim_admin.inlines, ComparisonInline]


_register_claim_inline()
