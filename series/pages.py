"""'What the official record says' on the public claim page (a claims panel)."""

from datetime import date
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from claims.models import Claim, Metric
from claims.panels import ChartLine

from .models import MetricSeriesLink, Series
from .selectors import claim_comparisons, current_values


def official_record_panel(claim: Claim) -> SafeString:
    """Return the panel's HTML: the comparisons, or plainly why there are none."""
    if claim.metric_id is None or claim.value is None:
        return SafeString("")
    comparisons = list(claim_comparisons(claim.pk))
    links = []
    loaded = False
    without_values = all(c.official_value is None for c in comparisons)
    if without_values:
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
            "links": [] if comparisons else links,
            "loaded": loaded,
            "no_series_loaded": without_values and not loaded,
        },
    )
    return mark_safe(html)  # noqa: S308 - rendered by a template, which escapes


# At most this many steps per line: a metric chart stays a bounded drawing.
CHART_STEPS = 60


def official_chart_lines(metric: Metric) -> list[ChartLine]:
    """Return each linked reporter's official line: the annual sums of its terms."""
    links = list(
        MetricSeriesLink.objects.filter(metric=metric).select_related("dataset")
    )
    if not links:
        return []
    series = list(
        Series.objects.filter(
            dataset__in={link.dataset_id for link in links},
            reporter__in={link.reporter for link in links},
            frequency=Series.Frequency.ANNUAL,
        )
    )
    values = current_values(s.pk for s in series)
    lines = []
    for link in links:
        sums: dict[tuple[date, date], Decimal] = {}
        counts: dict[tuple[date, date], int] = {}
        for term in link.terms:
            for found in series:
                if (
                    found.dataset_id == link.dataset_id
                    and found.reporter == link.reporter
                    and found.indicator == term["indicator"]
                    and found.partner == term.get("partner", "")
                ):
                    for point in values.points.get(found.pk, []):
                        if point.value is None:
                            continue
                        span = (point.start, point.end)
                        sums[span] = sums.get(span, Decimal(0)) + point.value
                        counts[span] = counts.get(span, 0) + 1
        steps = tuple(
            (start, end, total)
            for (start, end), total in sorted(sums.items())
            if counts[(start, end)] == len(link.terms)
        )[-CHART_STEPS:]
        if steps:
            role = " (mirror)" if link.role == link.Role.MIRROR else ""
            lines.append(
                ChartLine(
                    f"{link.dataset.code} as reported by {link.reporter}{role}", steps
                )
            )
    return lines
