"""Draw the figures stated about one metric on a time line, as a standalone SVG.

Pure (no ORM, no settings): claims.charts reads the claims (claims.selectors.charts)
and hands them here. One module of more than 600 lines, on purpose: the chart's
layout, marks, labels and legend share the scales and the collision bookkeeping of
one drawing, and split apart they would pass that state around.

Hand-built SVG (no scripts, no external files), so it can be served or embedded as it
is. Time runs along the x axis in years, the value up the y axis in the metric's unit
("$ billion", "%", "cars"). Each claim is a bar over its period (a dot when the period
is a single day or has an open end, with a dashed arrow towards the open side), in its
document's colour; approximate figures and ranges carry a pale band over the values
they allow, "more than" and "less than" an arrow up or down. A change claim also shows
the earlier value it implies, dashed, over the previous period. Red dashed lines join
figures that conflict. Every piece of text is escaped, and the same input always gives
the same SVG.
"""

import math
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol, cast
from xml.sax.saxutils import escape, quoteattr

from ..figures.comparators import Comparator
from ..figures.formatting import CURRENCY_SYMBOLS, SCALES, format_amount
from ..figures.intervals import (
    FigureRow,
    Interval,
    figure_interval,
    implied_interval,
    previous_period,
    rounded,
)


class Line(Protocol):
    """A stepped line under the bars (claims.panels.ChartLine: an official series)."""

    @property
    def label(self) -> str: ...

    @property
    def steps(self) -> tuple[tuple[date, date, Decimal], ...]: ...


class Document(Protocol):
    """What the chart reads of a claim's document (sources.models.Document)."""

    @property
    def title(self) -> str: ...
    @property
    def published_on(self) -> date | None: ...


class Metric(Protocol):
    """What the chart reads of a metric (claims.models.Metric)."""

    @property
    def name(self) -> str: ...
    @property
    def unit(self) -> str: ...


class Claim(Protocol):
    """What the chart reads of a claim (claims.models.Claim, its document loaded)."""

    @property
    def pk(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def document_id(self) -> int: ...
    @property
    def document(self) -> Document: ...
    @property
    def value(self) -> Decimal | None: ...
    @property
    def value_upper(self) -> Decimal | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def comparator(self) -> str: ...
    @property
    def period_start(self) -> date | None: ...
    @property
    def period_end(self) -> date | None: ...
    @property
    def period_label(self) -> str: ...
    @property
    def change_percent(self) -> Decimal | None: ...
    @property
    def change_comparator(self) -> str: ...
    @property
    def figure_display(self) -> str: ...


# Okabe-Ito colours, told apart with the common colour blindnesses; red is kept for
# conflicts.
PALETTE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#8C6D31",
    "#999999",
]
CONFLICT_COLOUR = "#D62728"
TEXT_COLOUR = "#222222"
WIDTH = 960
LEFT, RIGHT = 96, 36
TOP = 80
PLOT_HEIGHT = 400
PLOT_WIDTH = WIDTH - LEFT - RIGHT
BOTTOM = TOP + PLOT_HEIGHT
FONT_FAMILY = "Helvetica, Arial, sans-serif"
LINE = 17  # height of a legend or note line
LABEL_HEIGHT = 13
TITLE_LINE = 22  # height of a line of the 18px title
TITLE_CHAR_WIDTH = 10.5  # average width of an 18px bold character
CHAR_WIDTH = 6.2  # average width of an 11px character, to keep labels apart
TAIL = 40  # length of the dashed arrow that marks an open period end
ARROW = 26  # length of the arrow of a "more than" or "less than" figure
MAX_NOTES = 12
# Where a label may go: on its mark's line, then a line lower, higher, ...
LABEL_SHIFTS = (0, 1, -1, 2, -2, 3, -3, 4, -4, 5, -5, 6, -6)
MAX_TEXT = 110
# A mark's tooltip: the claim's figure, period, document and the start of its text
# (its page and the table have the rest).
TOOLTIP_TEXT = 240
# Claims whose marks fall in the same cell of the plot are drawn as one mark with
# their count (_Chart._groups). The cells start at MIN_CELL pixels, and double until
# the marks are at most the layout's `max_marks`: the drawing's size is bounded by
# the pixels it has, whatever the number of claims.
MIN_CELL = 4
# The documents that get a colour and a line in the legend; the others share grey.
LEGEND_DOCUMENTS = 7
OTHER_DOCUMENTS_COLOUR = "#999999"
GROUP_COLOUR = "#555555"


@dataclass(frozen=True)
class Layout:
    """The chart's size: one wide (a desktop page) and one narrow (a phone)."""

    width: int
    left: int
    right: int
    plot_height: int
    year_ticks: int  # at most about this many years are labelled
    axis_label_x: int
    # At most this many marks (claims, or groups of claims on the same cell) and
    # conflict lines are drawn: together with the legend's few documents, what
    # bounds the drawing's size (docs/pages.md).
    max_marks: int
    max_conflict_lines: int


WIDE = Layout(
    width=WIDTH,
    left=LEFT,
    right=RIGHT,
    plot_height=PLOT_HEIGHT,
    year_ticks=12,
    axis_label_x=26,
    max_marks=160,
    max_conflict_lines=120,
)
# Drawn for a phone's width (about 360 CSS pixels) with the same 11 px text, so the
# text is read at its size instead of shrunk to a third as the wide chart would be.
NARROW = Layout(
    width=400,
    left=50,
    right=14,
    plot_height=300,
    year_ticks=5,
    axis_label_x=14,
    max_marks=80,
    max_conflict_lines=60,
)


@dataclass(frozen=True)
class _Implied:
    start: date
    end: date
    point: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class _Mark:
    x_start: float
    x_end: float
    y: float  # the stated value, or the middle of a range
    y_low: float
    y_high: float
    is_point: bool
    # What the mark covers with its dot, tail and arrow: (left, top, right, bottom).
    box: tuple[float, float, float, float]

    @property
    def x_middle(self) -> float:
        return (self.x_start + self.x_end) / 2


def metric_chart_svg(
    metric: Metric,
    claims: Iterable[Claim],
    conflict_pairs: Iterable[tuple[int, int]],
    *,
    tolerance: Decimal,
    lines: Iterable[Line] = (),
    layout: Layout = WIDE,
) -> str:
    """Return an SVG chart of the claims' figures over time, conflicts marked.

    `claims` should come with their documents loaded (select_related("document"));
    `conflict_pairs` are (claim id, claim id) pairs, in either order. Claims without
    a figure or without a period are listed under the chart instead of drawn.
    `lines` (official series) are drawn as steps under the bars. `layout` sizes
    it (WIDE, or NARROW for a phone).
    """
    chart = _Chart(metric, list(claims), tolerance, list(lines), layout)
    return chart.render(conflict_pairs)


def axis_unit(unit: str, magnitude: Decimal) -> tuple[str, Decimal]:
    """Return the axis unit and divisor: ("$ billion", 10**9), ("%", 1), ("cars", 1)."""
    if unit == "percent":
        return "%", Decimal(1)
    is_money = unit in CURRENCY_SYMBOLS or (len(unit) == 3 and unit.isupper())
    name = CURRENCY_SYMBOLS.get(unit, unit)
    for scale, word in SCALES:
        if magnitude >= scale:
            return (f"{name} {word}" if is_money else f"{word} {unit}"), scale
    return name, Decimal(1)


class _Chart:
    def __init__(
        self,
        metric: Metric,
        claims: list[Claim],
        tolerance: Decimal,
        lines: list[Line],
        layout: "Layout",
    ):
        self.metric = metric
        self.layout = layout
        self.width, self.left, self.right = layout.width, layout.left, layout.right
        self.plot_width = self.width - self.left - self.right
        self.subtitle = _wrap(
            "Bars span each figure's period; pale bands show the values an "
            "approximate figure or a range allows; red dashed lines join figures "
            "that conflict.",
            self.width - self.left - self.right,
        )
        # The title (18 px, about 10.5 px a character) wraps too on a phone.
        self.title = textwrap.wrap(
            metric.name, max(12, int(self.plot_width / TITLE_CHAR_WIDTH))
        ) or [""]
        self.subtitle_y = 52 + (len(self.title) - 1) * TITLE_LINE
        self.top = self.subtitle_y + (len(self.subtitle) - 1) * LINE + 28
        self.plot_height = layout.plot_height
        self.bottom = self.top + self.plot_height
        self.tolerance = tolerance
        # Lines other apps add (claims.panels): official series, under the bars.
        self.lines = lines
        claims = sorted(claims, key=lambda claim: claim.pk)
        self.drawn = [claim for claim in claims if _drawable(claim)]
        self.left_out = [claim for claim in claims if not _drawable(claim)]
        documents: dict[int, Document] = {}
        for claim in sorted(claims, key=lambda claim: (claim.document_id, claim.pk)):
            documents.setdefault(claim.document_id, claim.document)
        # The first LEGEND_DOCUMENTS documents (by id) get a colour and a legend
        # line each; the others share grey and one line that counts them.
        self.documents = dict(list(documents.items())[:LEGEND_DOCUMENTS])
        self.other_documents = len(documents) - len(self.documents)
        self.colours = {
            document_id: PALETTE[index % len(PALETTE)]
            for index, document_id in enumerate(self.documents)
        }
        self.implied: dict[int, _Implied] = {}
        for claim in self.drawn:
            implied = _implied(claim, tolerance)
            if implied is not None:
                self.implied[claim.pk] = implied
        self._fit_time()
        self._fit_values()
        self.taken: list[tuple[float, float, float, float]] = []
        # Claims whose label found no free place (named in a note instead).
        self.unlabelled: list[int] = []
        # Set by render(): claims drawn in a group, conflicts not drawn as lines.
        self.grouped = 0
        self.undrawn_conflicts = 0

    # Scales

    def _fit_time(self) -> None:
        days = [
            day
            for claim in self.drawn
            for day in (claim.period_start, claim.period_end)
            if day is not None
        ]
        days += [day for i in self.implied.values() for day in (i.start, i.end)]
        days += [day for line in self.lines for s in line.steps for day in s[:2]]
        if days:
            self.first_year, self.last_year = min(days).year, max(days).year
        else:
            self.first_year = self.last_year = 2000
        self.origin = _new_year(self.first_year)
        self.days = _new_year(self.last_year + 1) - self.origin

    def _fit_values(self) -> None:
        values: list[Decimal] = []
        for claim in self.drawn:
            low, _, high, _ = self._interval(claim)
            values += [v for v in (_value(claim), low, high) if v.is_finite()]
        for implied in self.implied.values():
            values += [implied.point, implied.low, implied.high]
        values += [step[2] for line in self.lines for step in line.steps]
        unit = self.drawn[0].unit if self.drawn else self.metric.unit
        low = min(values, default=Decimal(0))
        high = max(values, default=Decimal(1))
        if low >= 0:
            low = Decimal(0)
        span = (high - low) or abs(high) or Decimal(1)
        high += span * Decimal("0.12")  # room for arrows and labels at the top
        self.unit_label, self.divisor = axis_unit(unit, max(abs(low), abs(high)))
        self.step = _nice_step((high - low) / 7)
        self.y_low = (low / self.step).to_integral_value("ROUND_FLOOR") * self.step
        self.y_high = (high / self.step).to_integral_value("ROUND_CEILING") * self.step
        if self.y_high == self.y_low:
            self.y_high = self.y_low + self.step

    def x(self, day: date) -> float:
        return self._x_at(day.toordinal())

    def _x_at(self, ordinal: int) -> float:
        return self.left + (ordinal - self.origin) / self.days * self.plot_width

    def y(self, value: Decimal) -> float:
        if value.is_infinite():
            value = self.y_high if value > 0 else self.y_low
        share = (value - self.y_low) / (self.y_high - self.y_low)
        return self.bottom - float(share) * self.plot_height

    def _interval(self, claim: Claim) -> Interval:
        return figure_interval(
            _value(claim), claim.comparator, claim.value_upper, self.tolerance
        )

    # Drawing

    def render(self, conflict_pairs: Iterable[tuple[int, int]]) -> str:
        parts = self._frame()
        parts += self._lines()
        own = {claim.pk: self._mark(claim) for claim in self.drawn}
        groups = self._groups(own)
        # Each claim's mark: its own, or its group's (a claim in a group of several
        # is drawn as the group, with the count).
        marks: dict[int, _Mark] = {}
        singles: list[Claim] = []
        for group in groups:
            if len(group) == 1:
                singles.append(group[0])
                marks[group[0].pk] = own[group[0].pk]
                parts += self._claim_mark(group[0], own[group[0].pk])
            else:
                mark = self._group_position([own[claim.pk] for claim in group])
                for claim in group:
                    marks[claim.pk] = mark
                parts += self._group_mark(group, mark)
        self.grouped = len(self.drawn) - len(singles)
        for claim in singles:
            if claim.pk in self.implied:
                parts += self._implied_mark(claim, self.implied[claim.pk])
        implied = [c for c in singles if c.pk in self.implied]
        parts += self._conflict_marks(conflict_pairs, marks)
        # Labels keep off every mark, then off each other.
        self.taken = [mark.box for mark in {id(m): m for m in marks.values()}.values()]
        self.taken += [self._implied_position(self.implied[c.pk]).box for c in implied]
        for group in groups:
            if len(group) == 1:
                claim = group[0]
                text = f"#{claim.pk} {claim.figure_display}"
            else:
                claim = group[0]
                text = f"{len(group):,} figures"
            parts += self._label(text, marks[claim.pk], claim.pk, len(group) == 1)
        for claim in implied:
            implied_at = self.implied[claim.pk]
            amount = format_amount(rounded(implied_at.point), claim.unit)
            parts += self._label(
                f"#{claim.pk} implied earlier: about {amount}",
                self._implied_position(implied_at),
                claim.pk,
            )
        legend, height = self._legend_and_notes()
        parts += legend
        header = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width}" '
            f'height="{height}" viewBox="0 0 {self.width} {height}" role="img" '
            f'font-family={quoteattr(FONT_FAMILY)} font-size="11">'
        )
        title = f"<title>{escape(self.metric.name)}: figures over time</title>"
        background = f'<rect width="{self.width}" height="{height}" fill="#ffffff"/>'
        return "\n".join([header, title, background, *parts, "</svg>"]) + "\n"

    def _groups(self, marks: dict[int, "_Mark"]) -> list[list[Claim]]:
        """Return the drawn claims in groups whose marks fall on the same cell.

        A cell is `cell` pixels square: claims whose bars start, end and sit in
        the same cells would be drawn over each other, so they are one mark with
        their count. The cell starts at MIN_CELL pixels and doubles until the
        groups are at most the layout's max_marks: never more marks than that,
        however many claims (at the size of the plot, a handful of cells).
        """
        cell = MIN_CELL
        while True:
            cells: dict[tuple[int, int, int], list[Claim]] = {}
            for claim in self.drawn:  # in id order
                mark = marks[claim.pk]
                key = (
                    math.floor(mark.x_start / cell),
                    math.floor(mark.x_end / cell),
                    math.floor(mark.y / cell),
                )
                cells.setdefault(key, []).append(claim)
            if len(cells) <= self.layout.max_marks or cell > self.width:
                return sorted(cells.values(), key=lambda group: group[0].pk)
            cell *= 2

    @staticmethod
    def _group_position(members: list["_Mark"]) -> "_Mark":
        """Return the mark of a group: over its members' periods and values."""
        x_start = min(mark.x_start for mark in members)
        x_end = max(mark.x_end for mark in members)
        y_top = min(mark.y for mark in members)
        y_bottom = max(mark.y for mark in members)
        is_point = all(mark.is_point for mark in members)
        return _Mark(
            x_start=x_start,
            x_end=x_end,
            y=(y_top + y_bottom) / 2,
            y_low=y_bottom,
            y_high=y_top,
            is_point=is_point,
            box=(x_start - 6, y_top - 6, x_end + 6, y_bottom + 6),
        )

    def _group_mark(self, group: list[Claim], mark: "_Mark") -> list[str]:
        """Draw claims on the same cell as one mark, with their count."""
        document_ids = {claim.document_id for claim in group}
        colour = GROUP_COLOUR
        if len(document_ids) == 1:
            colour = self._colour(group[0].document_id)
        values = sorted(_value(claim) for claim in group)
        unit = group[0].unit
        # A drawn claim has at least one end of its period (_drawable()).
        starts = [cast(date, c.period_start or c.period_end) for c in group]
        ends = [cast(date, c.period_end or c.period_start) for c in group]
        tooltip = (
            f"{len(group):,} figures from {format_amount(values[0], unit)} to "
            f"{format_amount(values[-1], unit)}, periods from {min(starts)} to "
            f"{max(ends)}; the table under the chart lists each"
        )
        parts = [
            f'<g class="group-mark" data-count="{len(group)}">',
            f"<title>{escape(tooltip)}</title>",
        ]
        x, width = mark.x_start, mark.x_end - mark.x_start
        if width < 9:
            x, width = mark.x_middle - 4.5, 9
        top = mark.y_high - 3
        height = mark.y_low - mark.y_high + 6
        parts += [
            f'<rect x="{_n(x)}" y="{_n(top)}" width="{_n(width)}" '
            f'height="{_n(height)}" rx="3" fill="{colour}" fill-opacity="0.45" '
            f'stroke="{colour}"/>',
            "</g>",
        ]
        return parts

    def _colour(self, document_id: int) -> str:
        return self.colours.get(document_id, OTHER_DOCUMENTS_COLOUR)

    def _lines(self) -> list[str]:
        """Draw each added line as steps, one per period, labelled at its end."""
        parts = []
        for index, line in enumerate(self.lines):
            colour = PALETTE[(index + 3) % len(PALETTE)]
            for start, end, value in line.steps:
                y = _n(self.y(value))
                parts.append(
                    f'<line x1="{_n(self.x(start))}" y1="{y}" '
                    f'x2="{_n(self._x_at(end.toordinal() + 1))}" y2="{y}" '
                    f'stroke="{colour}" stroke-width="2" stroke-dasharray="6 3"/>'
                )
            if line.steps:
                start, end, value = line.steps[-1]
                parts.append(
                    f'<text x="{_n(self.x(start))}" y="{_n(self.y(value) - 4)}" '
                    f'fill="{colour}">{escape(_short(line.label))}</text>'
                )
        return parts

    def _frame(self) -> list[str]:
        parts = [
            *(
                f'<text x="{self.left}" y="{30 + index * TITLE_LINE}" font-size="18" '
                f'font-weight="bold" fill="{TEXT_COLOUR}">{escape(line)}</text>'
                for index, line in enumerate(self.title)
            ),
            *(
                f'<text x="{self.left}" y="{self.subtitle_y + index * LINE}" '
                f'fill="#555555">{escape(line)}</text>'
                for index, line in enumerate(self.subtitle)
            ),
            f'<rect x="{self.left}" y="{self.top}" width="{self.plot_width}" '
            f'height="{self.plot_height}" fill="#fafafa" stroke="#bbbbbb"/>',
        ]
        years = self.last_year - self.first_year + 1
        step = max(1, math.ceil(years / self.layout.year_ticks))
        for year in range(self.first_year, self.last_year + 2, step):
            x = _n(self._x_at(_new_year(year)))
            parts.append(
                f'<line x1="{x}" y1="{self.top}" x2="{x}" y2="{self.bottom}" '
                'stroke="#e2e2e2"/>'
            )
            parts.append(
                f'<text x="{x}" y="{self.bottom + 16}" text-anchor="middle" '
                f'fill="{TEXT_COLOUR}">{year}</text>'
            )
        value = self.y_low
        while value <= self.y_high:
            y = self.y(value)
            parts.append(
                f'<line x1="{self.left}" y1="{_n(y)}" '
                f'x2="{self.left + self.plot_width}" y2="{_n(y)}" stroke="#e2e2e2"/>'
            )
            parts.append(
                f'<text x="{self.left - 8}" y="{_n(y + 4)}" text-anchor="end" '
                f'fill="{TEXT_COLOUR}">{escape(_tick(value / self.divisor))}</text>'
            )
            value += self.step
        middle = _n(self.top + self.plot_height / 2)
        across = self.layout.axis_label_x
        parts.append(
            f'<text class="axis-label" x="{across}" y="{middle}" '
            f'text-anchor="middle" font-size="12" fill="{TEXT_COLOUR}" '
            f'transform="rotate(-90 {across} {middle})">'
            f"{escape(self.unit_label)}</text>"
        )
        parts.append(
            f'<text class="axis-label" x="{_n(self.left + self.plot_width / 2)}" '
            f'y="{self.bottom + 36}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT_COLOUR}">Period the figure covers (years)</text>'
        )
        return parts

    def _mark(self, claim: Claim) -> _Mark:
        # A drawn claim has at least one end of its period (_drawable()).
        start = cast(date, claim.period_start or claim.period_end)
        end = cast(date, claim.period_end or claim.period_start)
        is_point = start == end or None in (claim.period_start, claim.period_end)
        low, _, high, _ = self._interval(claim)
        stated = value = _value(claim)
        if claim.comparator == Comparator.RANGE and claim.value_upper is not None:
            value = (stated + claim.value_upper) / 2
        x_start = self.x(start)
        # A period's last day counts in full: the bar runs to the end of it.
        x_end = x_start if is_point else self.x(end) + self.plot_width / self.days
        y = self.y(value)
        y_low = self.y(low if low.is_finite() else stated)
        y_high = self.y(high if high.is_finite() else stated)
        left, right = x_start - 6, x_end + 6
        left -= TAIL if claim.period_start is None else 0
        right += TAIL if claim.period_end is None else 0
        top, bottom = min(y_high, y) - 6, max(y_low, y) + 6
        if claim.comparator == Comparator.MORE_THAN:
            top -= ARROW
        if claim.comparator == Comparator.LESS_THAN:
            bottom += ARROW
        return _Mark(
            x_start=x_start,
            x_end=x_end,
            y=y,
            y_low=y_low,
            y_high=y_high,
            is_point=is_point,
            box=(left, top, right, bottom),
        )

    def _claim_mark(self, claim: Claim, mark: _Mark) -> list[str]:
        colour = quoteattr(self._colour(claim.document_id))
        tooltip = _short(
            f"#{claim.pk} {claim.figure_display}, "
            f"{claim.period_label or _period_text(claim)} "
            f"({claim.document.title}): {claim.text}",
            TOOLTIP_TEXT,
        )
        parts = [
            f'<g class="claim-mark" data-claim-id="{claim.pk}" data-count="1">',
            f"<title>{escape(tooltip)}</title>",
        ]
        if mark.y_low != mark.y_high:
            x, width = mark.x_start, mark.x_end - mark.x_start
            if mark.is_point:
                x, width = mark.x_start - 5, 10
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(mark.y_high)}" width="{_n(width)}" '
                f'height="{_n(mark.y_low - mark.y_high)}" fill={colour} '
                f'fill-opacity="0.18" stroke={colour} stroke-opacity="0.4"/>'
            )
        y = _n(mark.y)
        if mark.is_point:
            parts.append(
                f'<circle cx="{_n(mark.x_start)}" cy="{y}" r="4.5" fill={colour}/>'
            )
        else:
            parts.append(
                f'<line x1="{_n(mark.x_start)}" y1="{y}" x2="{_n(mark.x_end)}" '
                f'y2="{y}" stroke={colour} stroke-width="3.5"/>'
            )
        if claim.period_start is None or claim.period_end is None:
            direction = -1 if claim.period_start is None else 1
            tip = mark.x_start + direction * TAIL
            parts.append(
                f'<line x1="{_n(mark.x_start)}" y1="{y}" x2="{_n(tip)}" y2="{y}" '
                f'stroke={colour} stroke-width="2" stroke-dasharray="3 3"/>'
            )
            parts.append(_arrowhead(tip, mark.y, direction, 0, colour))
        if claim.comparator in (Comparator.MORE_THAN, Comparator.LESS_THAN):
            direction = -1 if claim.comparator == Comparator.MORE_THAN else 1
            tip = mark.y + direction * ARROW
            middle = _n(mark.x_middle)
            parts.append(
                f'<line x1="{middle}" y1="{y}" x2="{middle}" y2="{_n(tip)}" '
                f"stroke={colour} "
                'stroke-width="2"/>'
            )
            parts.append(_arrowhead(mark.x_middle, tip, 0, direction, colour))
        parts.append("</g>")
        return parts

    def _implied_position(self, implied: _Implied) -> _Mark:
        x_start = self.x(implied.start)
        x_end = self.x(implied.end) + self.plot_width / self.days
        y_low, y_high = self.y(implied.low), self.y(implied.high)
        return _Mark(
            x_start=x_start,
            x_end=x_end,
            y=self.y(implied.point),
            y_low=y_low,
            y_high=y_high,
            is_point=False,
            box=(x_start - 2, y_high - 2, x_end + 2, y_low + 2),
        )

    def _implied_mark(self, claim: Claim, implied: _Implied) -> list[str]:
        colour = quoteattr(self._colour(claim.document_id))
        mark = self._implied_position(implied)
        amount = format_amount(rounded(implied.point), claim.unit)
        tooltip = (
            f"#{claim.pk}: the stated change implies about {amount} for "
            f"{implied.start} to {implied.end}"
        )
        y = _n(mark.y)
        return [
            f'<g class="implied-mark" data-claim-id="{claim.pk}">',
            f"<title>{escape(tooltip)}</title>",
            f'<rect x="{_n(mark.x_start)}" y="{_n(mark.y_high)}" '
            f'width="{_n(mark.x_end - mark.x_start)}" '
            f'height="{_n(mark.y_low - mark.y_high)}" fill={colour} '
            f'fill-opacity="0.06" stroke={colour} stroke-dasharray="4 3"/>',
            f'<line x1="{_n(mark.x_start)}" y1="{y}" x2="{_n(mark.x_end)}" y2="{y}" '
            f'stroke={colour} stroke-width="2" stroke-dasharray="7 4"/>',
            "</g>",
        ]

    def _conflict_marks(self, conflict_pairs, marks: dict[int, _Mark]) -> list[str]:
        """Join conflicting marks by red dashed lines, at most max_conflict_lines.

        One line per pair of marks (a group's claims share its mark), the pairs in
        id order; the rest are counted in a note (self.undrawn_conflicts).
        """
        pairs = sorted({tuple(sorted(pair)) for pair in conflict_pairs})
        lines: dict[tuple[int, int], tuple[int, int]] = {}
        ringed: dict[int, int] = {}  # id(mark) -> the claim it is named by
        total = 0
        for first, second in pairs:
            if first not in marks or second not in marks:
                continue
            total += 1
            one, other = marks[first], marks[second]
            ringed.setdefault(id(one), first)
            ringed.setdefault(id(other), second)
            if one is not other:
                pair = (min(id(one), id(other)), max(id(one), id(other)))
                lines.setdefault(pair, (first, second))
        drawn = list(lines.values())[: self.layout.max_conflict_lines]
        self.undrawn_conflicts = total - len(drawn)
        parts = []
        for first, second in drawn:
            one, other = marks[first], marks[second]
            parts += [
                f'<g class="conflict-mark" data-claim-ids="{first} {second}">',
                f"<title>#{first} and #{second} conflict</title>",
                f'<line x1="{_n(one.x_middle)}" y1="{_n(one.y)}" '
                f'x2="{_n(other.x_middle)}" y2="{_n(other.y)}" '
                f'stroke="{CONFLICT_COLOUR}" stroke-width="1.6" '
                'stroke-dasharray="6 4"/>',
                "</g>",
            ]
        # One ring per mark in conflict, however many lines meet at it (six met
        # at one figure of 2013 and their rings thickened into a blot).
        for claim_id in sorted(ringed.values()):
            mark = marks[claim_id]
            parts.append(
                f'<circle class="conflict-ring" data-claim-id="{claim_id}" '
                f'cx="{_n(mark.x_middle)}" cy="{_n(mark.y)}" r="7" fill="none" '
                f'stroke="{CONFLICT_COLOUR}" stroke-width="1.6"/>'
            )
        return parts

    def _label(
        self, text: str, mark: _Mark, claim_id: int, named_if_left_out: bool = True
    ) -> list[str]:
        """Return the label beside a mark, where it covers no mark or earlier label.

        Where every place near the mark is taken (six figures of one year), no
        label is drawn: the claim is named in a note under the chart instead, and
        its mark's tooltip and the table still give its figure.
        """
        width = len(text) * CHAR_WIDTH
        left, _top, right, _bottom = mark.box
        found = None
        for shift in LABEL_SHIFTS:
            baseline = mark.y + 4 + shift * LABEL_HEIGHT
            if not self.top + LABEL_HEIGHT <= baseline <= self.bottom - 3:
                continue
            for x, anchor, start in (
                (right + 2, "start", right + 2),
                (left - 2, "end", left - 2 - width),
            ):
                if start < self.left + 2 or start + width > (
                    self.left + self.plot_width - 2
                ):
                    continue
                box = (start, baseline - LABEL_HEIGHT + 3, start + width, baseline + 3)
                if not any(_overlap(box, taken) for taken in self.taken):
                    found = (x, anchor, baseline, box)
                    break
            if found is not None:
                break
        if found is None:
            if named_if_left_out and claim_id not in self.unlabelled:
                self.unlabelled.append(claim_id)
            return []
        x, anchor, baseline, box = found
        self.taken.append(box)
        parts = []
        if abs(baseline - (mark.y + 4)) > 1:
            # Moved off its mark: a thin leader says which mark it belongs to.
            end_x = mark.x_end if anchor == "start" else mark.x_start
            parts.append(
                f'<line class="label-leader" x1="{_n(x)}" y1="{_n(baseline - 4)}" '
                f'x2="{_n(end_x)}" y2="{_n(mark.y)}" stroke="#999999" '
                'stroke-width="0.7"/>'
            )
        return [
            *parts,
            f'<text class="claim-label" x="{_n(x)}" y="{_n(baseline)}" '
            f'text-anchor="{anchor}" fill="{TEXT_COLOUR}" stroke="#fafafa" '
            f'stroke-width="3" paint-order="stroke">{escape(text)}</text>',
        ]

    def _legend_and_notes(self) -> tuple[list[str], int]:
        y = self.bottom + 64
        parts = [
            f'<text x="{self.left}" y="{y}" font-weight="bold" '
            f'fill="{TEXT_COLOUR}">Source documents</text>'
        ]
        for document_id, document in self.documents.items():
            y += LINE
            colour = quoteattr(self.colours[document_id])
            when = f" ({document.published_on})" if document.published_on else ""
            title = _wrap(_short(document.title + when), self.plot_width - 26)
            parts += [
                '<g class="legend-entry">',
                f'<rect x="{self.left}" y="{y - 9}" width="18" height="10" '
                f"fill={colour}/>",
                *(
                    f'<text x="{self.left + 26}" y="{y + index * LINE}" '
                    f'fill="{TEXT_COLOUR}">{escape(line)}</text>'
                    for index, line in enumerate(title)
                ),
                "</g>",
            ]
            y += (len(title) - 1) * LINE
        if self.other_documents:
            y += LINE
            parts += [
                '<g class="legend-entry">',
                f'<rect x="{self.left}" y="{y - 9}" width="18" height="10" '
                f'fill="{OTHER_DOCUMENTS_COLOUR}"/>',
                f'<text x="{self.left + 26}" y="{y}" fill="{TEXT_COLOUR}">'
                f"{self.other_documents:,} other documents (the table names each "
                "figure's source)</text>",
                "</g>",
            ]
        y += LINE + 6
        x: float = self.left
        keys = [
            (
                f'<line x1="{{x}}" y1="{{y}}" x2="{{x2}}" y2="{{y}}" '
                f'stroke="{CONFLICT_COLOUR}" stroke-width="1.6" '
                'stroke-dasharray="6 4"/>',
                "figures that conflict",
            ),
            (
                '<rect x="{x}" y="{top}" width="24" height="10" fill="#777777" '
                'fill-opacity="0.18" stroke="#777777" stroke-opacity="0.4"/>',
                "values an approximate figure or range allows",
            ),
            (
                '<line x1="{x}" y1="{y}" x2="{x2}" y2="{y}" stroke="#777777" '
                'stroke-width="2" stroke-dasharray="3 3"/>',
                "period with an open end",
            ),
        ]
        if self.grouped:
            keys.append(
                (
                    f'<rect x="{{x}}" y="{{top}}" width="24" height="10" rx="3" '
                    f'fill="{GROUP_COLOUR}" fill-opacity="0.45" '
                    f'stroke="{GROUP_COLOUR}"/>',
                    "figures drawn on the same spot, counted",
                )
            )
        if self.implied:
            keys.append(
                (
                    '<line x1="{x}" y1="{y}" x2="{x2}" y2="{y}" stroke="#777777" '
                    'stroke-width="2" stroke-dasharray="7 4"/>',
                    "earlier value implied by a stated change",
                )
            )
        for symbol, text in keys:
            width = 32 + len(text) * CHAR_WIDTH + 20
            if x + width > self.width - self.right and x > self.left:
                x, y = self.left, y + LINE
            parts += [
                '<g class="legend-entry">',
                symbol.format(x=_n(x), x2=_n(x + 24), y=_n(y - 4), top=_n(y - 9)),
                f'<text x="{_n(x + 32)}" y="{y}" fill="{TEXT_COLOUR}">'
                f"{escape(text)}</text>",
                "</g>",
            ]
            x += width
        notes = []
        if self.grouped:
            notes.append(
                f"{self.grouped:,} of the {len(self.drawn):,} figures fall on the same "
                "spot as others and are drawn together, with their count (point at a "
                "grey mark)."
            )
        if self.undrawn_conflicts:
            notes.append(
                f"{self.undrawn_conflicts:,} conflicting pairs are not drawn as lines "
                "(they would cover the chart): the table lists each figure's conflicts."
            )
        for text in notes:
            for index, note in enumerate(_wrap(text, self.plot_width)):
                y += LINE if index else LINE + 10
                parts.append(
                    f'<text class="chart-note" x="{self.left}" y="{y}" '
                    f'fill="{TEXT_COLOUR}">{escape(note)}</text>'
                )
        if self.unlabelled:
            y += LINE + 10
            names = ", ".join(f"#{claim_id}" for claim_id in self.unlabelled)
            lines = _wrap(
                f"Labels left out where they would overlap: {names}. Point at a "
                "mark for its figure; the table lists them all.",
                self.plot_width,
            )
            for index, note in enumerate(lines):
                y += LINE if index else 0
                parts.append(
                    f'<text class="chart-note unlabelled" x="{self.left}" y="{y}" '
                    f'fill="{TEXT_COLOUR}">{escape(note)}</text>'
                )
        if self.left_out:
            y += LINE + 10
            parts.append(
                f'<text x="{self.left}" y="{y}" font-weight="bold" '
                f'fill="{TEXT_COLOUR}">Not drawn (no figure or no period):</text>'
            )
            for claim in self.left_out[:MAX_NOTES]:
                figure = claim.figure_display or "no figure"
                note = _short(f"#{claim.pk} {figure}: {claim.text}")
                for line in _wrap(note, self.plot_width):
                    y += LINE
                    parts.append(
                        f'<text class="chart-note" x="{self.left}" y="{y}" '
                        f'fill="{TEXT_COLOUR}">{escape(line)}</text>'
                    )
            if len(self.left_out) > MAX_NOTES:
                y += LINE
                parts.append(
                    f'<text class="chart-note" x="{self.left}" y="{y}" fill="#555555">'
                    f"and {len(self.left_out) - MAX_NOTES} more</text>"
                )
        return parts, y + 20


def _new_year(year: int) -> int:
    """Return the ordinal of 1 January of `year`, of year 10000 too.

    The time axis ends where the year after the last one starts, and a stored period
    may end on 9999-12-31 (a row written before dates were bounded).
    """
    if year == date.max.year + 1:
        return date.max.toordinal() + 1
    return date(year, 1, 1).toordinal()


def _value(claim: Claim) -> Decimal:
    """Return the value of a claim that is drawn: _drawable() holds, so it is set."""
    return cast(Decimal, claim.value)


def _drawable(claim: Claim) -> bool:
    return claim.value is not None and (
        claim.period_start is not None or claim.period_end is not None
    )


def _implied(claim: Claim, tolerance: Decimal) -> _Implied | None:
    if claim.change_percent is None or not (claim.period_start and claim.period_end):
        return None
    row = FigureRow(
        claim_id=claim.pk,
        unit=claim.unit,
        value=_value(claim),
        value_upper=claim.value_upper,
        comparator=claim.comparator,
        period_start=claim.period_start,
        period_end=claim.period_end,
        change_percent=claim.change_percent,
        change_comparator=claim.change_comparator,
    )
    interval = implied_interval(row, tolerance)
    if interval is None:
        return None
    point, low, _, high, _ = interval
    if not (low.is_finite() and high.is_finite()):
        return None  # nothing sensible to draw for an open-ended earlier value
    try:
        start, end = previous_period(claim.period_start, claim.period_end)
    except (ValueError, OverflowError):
        return None
    return _Implied(start, end, point, low, high)


def _period_text(claim: Claim) -> str:
    if claim.period_start and claim.period_end:
        return f"{claim.period_start} to {claim.period_end}"
    if claim.period_end:
        return f"up to {claim.period_end}"
    return f"from {claim.period_start} on"


def _arrowhead(x: float, y: float, dx: int, dy: int, colour: str) -> str:
    """Return a small triangle with its tip at (x, y), pointing along (dx, dy)."""
    size = 7
    back_x, back_y = x - dx * size, y - dy * size
    side_x, side_y = dy * size / 2, dx * size / 2
    points = [(x, y), (back_x + side_x, back_y + side_y)]
    points.append((back_x - side_x, back_y - side_y))
    text = " ".join(f"{_n(px)},{_n(py)}" for px, py in points)
    return f'<polygon points="{text}" fill={colour}/>'


def _overlap(one: tuple, other: tuple) -> bool:
    return not (
        one[2] <= other[0]
        or other[2] <= one[0]
        or one[3] <= other[1]
        or other[3] <= one[1]
    )


def _nice_step(rough: Decimal) -> Decimal:
    if rough <= 0:
        return Decimal(1)
    power = Decimal(10) ** rough.adjusted()
    for factor in (1, 2, 5):
        if rough <= power * factor:
            return power * factor
    return power * 10


def _tick(value: Decimal) -> str:
    text = f"{value.normalize():,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _wrap(text: str, width: float) -> list[str]:
    """Return `text` in lines of at most `width` pixels of 11 px text."""
    return textwrap.wrap(text, max(20, int(width / CHAR_WIDTH))) or [""]


def _short(text: str, most: int = MAX_TEXT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _n(value: float) -> str:
    return f"{value:.1f}"
