"""Metrics in the admin, with their figures charted side by side."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from ..charts import metric_chart
from ..models import Metric


@admin.register(Metric)
class MetricAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "unit", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["chart"]
    fields = ["name", "slug", "unit", "kind", "description", "chart"]

    @admin.display(description="figures side by side")
    def chart(self, metric):
        if not metric.pk:
            return "—"
        return format_html(
            '<div style="max-width:100%;overflow-x:auto">{}</div>'
            '<p><a href="{}">Public page with every figure and its conflicts</a></p>',
            mark_safe(metric_chart(metric)),  # noqa: S308 - built with every text escaped
            reverse("metric-page", args=[metric.slug]),
        )
