"""Edit how a metric is measured by official series; its comparisons follow."""

from typing import Any

from django.db import transaction

from ..models import MetricSeriesLink
from .loading import defer_metric_comparisons


def link_save(*, link: MetricSeriesLink, values: dict[str, Any]) -> MetricSeriesLink:
    """Validate and save a link; defer its metric's comparisons (old and new)."""
    previous_metric = link.metric_id if link.pk else None
    for name, value in values.items():
        setattr(link, name, value)
    if isinstance(link.reporter, str):
        link.reporter = link.reporter.upper()
    link.full_clean()
    with transaction.atomic():
        link.save()
        for metric_id in {previous_metric, link.metric_id}:
            if metric_id is not None:
                defer_metric_comparisons(metric_id=metric_id)
    return link


def link_delete(*, link: MetricSeriesLink) -> None:
    """Delete a link (its comparisons go with it)."""
    with transaction.atomic():
        link.delete()
