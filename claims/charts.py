"""A metric's chart: its claims read (claims.selectors.charts), drawn as a
standalone SVG by the pure claims.drawing.svg."""

from collections.abc import Iterable
from decimal import Decimal

from .conf import tolerance_setting
from .drawing import svg
from .drawing.svg import NARROW, WIDE, Layout, axis_unit
from .models import Claim, Metric
from .panels import chart_lines
from .selectors.charts import chart_claims, conflict_pairs

__all__ = [
    "NARROW",
    "WIDE",
    "Layout",
    "axis_unit",
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


def metric_charts(metric: Metric) -> tuple[str, str]:
    """Return the metric's chart drawn wide and drawn narrow (for a phone), from
    one read of its claims.

    Bounded in size at any number of claims: claims whose marks fall on the same
    cell of the plot are drawn as one mark with their count, the cells growing
    until the marks fit the layout's budget (claims.drawing.svg, docs/pages.md).
    """
    claims = chart_claims(metric)
    pairs = conflict_pairs(metric)
    wide = metric_chart_svg(metric, claims, pairs, layout=WIDE)
    return wide, metric_chart_svg(metric, claims, pairs, layout=NARROW)


def metric_chart(metric: Metric) -> str:
    """Return the wide chart of every claim about `metric` (metric_charts)."""
    claims = chart_claims(metric)
    return metric_chart_svg(metric, claims, conflict_pairs(metric))
