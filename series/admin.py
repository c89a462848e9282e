"""Admin for official series: datasets, series (read-only observations), links.

The claim admin page shows the comparisons through the claims panel this app
registers (claims.panels; claims knows nothing of series), the same as the public
claim page; the Comparison changelist records one as evidence (an action).
"""

from django.contrib import admin, messages

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
    list_display = [
        "metric",
        "dataset",
        "reporter",
        "role",
        "measure",
        "terms",
        "label",
    ]
    list_select_related = ["metric", "dataset"]
    list_filter = ["dataset", "role"]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        link_save(link=obj, values=values)

    def delete_model(self, request, obj):
        link_delete(link=obj)


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
    list_filter = ["assessment", "reporter", "link__dataset"]
    list_select_related = ["claim"]
    raw_id_fields = ["claim", "link", "vintage"]
    actions = [record_as_evidence]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
