"""What other apps add to claim pages and metric charts; claims imports none of them.

An app that depends on claims registers a function (claim -> HTML, escaped by the
app) in its AppConfig.ready(); the claim page shows what each returns, in order.
The series app's "What the official record says" is one. Likewise a source of
chart lines (metric -> ChartLine list) adds stepped lines under a metric's chart:
the series app's official line of each reporter.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from .models import Claim, Metric

ClaimPanel = Callable[["Claim"], SafeString]

_panels: list[ClaimPanel] = []


def register_claim_panel(panel: ClaimPanel) -> None:
    """Add a panel to every claim page (once, however often it is registered)."""
    if panel not in _panels:
        _panels.append(panel)


def claim_panels(claim: "Claim") -> list[SafeString]:
    """Return the registered panels' HTML for `claim`, empty ones left out."""
    return [html for panel in _panels if (html := panel(claim))]


@dataclass(frozen=True)
class ChartLine:
    """A stepped line under a metric's chart: (start, end, value) steps, labelled."""

    label: str
    steps: tuple[tuple[date, date, Decimal], ...]


ChartLines = Callable[["Metric"], list[ChartLine]]

_chart_lines: list[ChartLines] = []


def register_chart_lines(lines: ChartLines) -> None:
    """Add a source of lines (e.g. official series) to every metric chart."""
    if lines not in _chart_lines:
        _chart_lines.append(lines)


def chart_lines(metric: "Metric") -> list[ChartLine]:
    """Return the registered sources' lines for `metric`."""
    return [line for source in _chart_lines for line in source(metric)]
