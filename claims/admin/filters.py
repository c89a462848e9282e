"""Changelist filters that stay small however many rows they could list.

Django's filter for a foreign key lists every row of the target table as a link:
500 metrics and 300 publishers were a third of the claim changelist's time. These
take a typed value instead.
"""

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR

from sources.models import Publisher


class TextInputFilter(admin.SimpleListFilter):
    """A filter with a text box (admin/claims/text_filter.html) instead of links."""

    template = "admin/claims/text_filter.html"
    placeholder = ""

    def lookups(self, request, model_admin):
        return ()

    def has_output(self):
        return True

    def choices(self, changelist):
        keep = [
            (name, value)
            for name, values in changelist.params.items()
            if name not in {self.parameter_name, PAGE_VAR}
            for value in (values if isinstance(values, list) else [values])
        ]
        yield {
            "parameter": self.parameter_name,
            "value": self.value() or "",
            "placeholder": self.placeholder,
            "keep": keep,
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }


class MetricFilter(TextInputFilter):
    title = "metric"
    parameter_name = "metric"
    placeholder = "slug or id"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(metric_id=int(value))
        return queryset.filter(metric__slug=value)


class PublisherFilter(TextInputFilter):
    title = "publisher"
    parameter_name = "publisher"
    placeholder = "name contains"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip().replace("\x00", "")
        if not value:
            return queryset
        publishers = Publisher.objects.filter(name__icontains=value).values("pk")
        return queryset.filter(document__publisher__in=publishers)
