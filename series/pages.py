"""'What the official record says' on the public claim page (a claims panel)."""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from claims.models import Claim

from .models import MetricSeriesLink, Series
from .selectors import claim_comparisons


def official_record_panel(claim: Claim) -> SafeString:
    """Return the panel's HTML: the comparisons, or plainly why there are none."""
    if claim.metric_id is None or claim.value is None:
        return SafeString("")
    comparisons = list(claim_comparisons(claim.pk))
    links = []
    loaded = False
    if not comparisons:
        links = list(
            MetricSeriesLink.objects.filter(metric_id=claim.metric_id).select_related(
                "dataset"
            )
        )
        loaded = Series.objects.filter(
            dataset__in={link.dataset_id for link in links},
            reporter__in={link.reporter for link in links},
        ).exists()
    html = render_to_string(
        "series/official_record.html",
        {
            "claim": claim,
            "comparisons": comparisons,
            "links": links,
            "loaded": loaded,
            "no_series_loaded": all(
                c.official_value is None and c.vintage_id is None for c in comparisons
            ),
        },
    )
    return mark_safe(html)  # noqa: S308 - rendered by a template, which escapes
