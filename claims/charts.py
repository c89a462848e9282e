"""A metric's chart: its claims read (claims.selectors.charts), drawn as a
standalone SVG by the pure claims.drawing.svg."""

from collections.abc import Iterable
from decimal import Decimal

from .conf import tolerance_setting
from .drawing import svg
from .drawing.svg import (
    CHART_MAX_MARKS,
    NARROW,
    WIDE,
    Bin,
    Layout,
    axis_unit,
    binned_chart_svg,
    merge_bins,
)
from .models import Claim, Metric
from .panels import chart_lines
from .selectors.charts import (
    chart_claim_count,
    chart_claims,
    conflict_pairs,
    figures_by_year,
)

__all__ = [
    "CHART_MAX_MARKS",
    "NARROW",
    "WIDE",
    "Bin",
    "Layout",
    "axis_unit",
    "merge_bins",
    "metric_chart",
    "metric_chart_svg",
    "metric_charts",
]


def metric_chart_svg(
    metric: Metric,
    claims: Iterable[Claim],
    conflict_pairs: Iterable[tuple[int, int]],
    *,
    tolerance: Decimal | None = None,
    layout: Layout = WIDE,
) -> str:
    """Return an SVG chart of the claims' figures over time, conflicts marked.

    `claims` should come with their documents loaded (select_related("document"));
    `conflict_pairs` are (claim id, claim id) pairs, in either order. Claims without
    a figure or without a period are listed under the chart instead of drawn.
    """
    if tolerance is None:
        tolerance = tolerance_setting()
    return svg.metric_chart_svg(
        metric,
        claims,
        conflict_pairs,
        tolerance=tolerance,
        lines=chart_lines(metric),
        layout=layout,
    )


def metric_charts(metric: Metric) -> tuple[str, str | None]:
    """Return the metric's chart drawn wide and drawn narrow (for a phone), from
    one read of its claims; binned, one drawing serves both (narrow: None)."""
    if chart_claim_count(metric) > CHART_MAX_MARKS:
        return binned_chart_svg(metric, *_binned(metric)), None
    claims = chart_claims(metric)
    pairs = conflict_pairs([claim.pk for claim in claims])
    wide = metric_chart_svg(metric, claims, pairs, layout=WIDE)
    return wide, metric_chart_svg(metric, claims, pairs, layout=NARROW)


def metric_chart(metric: Metric) -> str:
    """Return the chart of every claim about `metric`, in a bounded number of marks.

    Up to CHART_MAX_MARKS claims each get their mark (`metric_chart_svg`, two
    queries); past that the figures are binned in the database by the year their
    period starts (or ends), each bin drawn as one bar from its lowest to its
    highest figure with its count, and conflicts are counted, not drawn.
    """
    if chart_claim_count(metric) > CHART_MAX_MARKS:
        return binned_chart_svg(metric, *_binned(metric))
    claims = chart_claims(metric)
    pairs = conflict_pairs([claim.pk for claim in claims])
    return metric_chart_svg(metric, claims, pairs)


def _binned(metric: Metric) -> tuple[list[Bin], int, int]:
    """Return the metric's figures binned by year, the undrawn count, the conflicts."""
    years, undrawn, conflicts = figures_by_year(metric)
    return merge_bins(years, CHART_MAX_MARKS), undrawn, conflicts
