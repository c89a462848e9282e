"""Find figures that cannot both be true, and keep the `contradicts` links in step.

Two claims conflict when they share a metric and a unit, their periods overlap and the
values they allow do not meet. A figure allows an interval: exact [v, v];
approximately [v(1-t), v(1+t)] with t = FACTCHECK_APPROXIMATE_TOLERANCE; more than
(v, +inf); less than (-inf, v); a range [v, upper]. Claims without a value, or without
any period end, are not compared; a period with one end is open on the other side.

The metric's kind decides which periods are compared:

- level (a price, a share): any overlap.
- annual (a yearly flow such as trade volume): a per-year figure speaks for one year,
  so periods of about a year (300 to 430 days) are compared with each other when they
  share at least half a year (182 days): the Iranian year 1391 is compared with the
  calendar year 2012 (286 days in common), not with 2013 (79 days). A period open at
  one end ("in recent years, up to 1391") is read as the yearly figure holding in every
  year it reaches back to, and is compared like a one-year period; it cannot be an
  average over a span nobody knows. Any other span (several years, part of a year) may
  be an average or a part-year figure: it is compared only with claims over the same
  span (both ends within SAME_SPAN_SLACK_DAYS); when no claim shares its span but some
  overlap it, its comparison_flag says it was not compared and should be checked by
  hand.
- total: only the same span (within SAME_SPAN_SLACK_DAYS), flagged the same way.

A relative claim (value v with change_percent c: "a close to 40% drop to $2 billion in
1391") also implies v / (1 + c/100) for the previous period of the same length (the
previous Iranian year, calendar year or run of whole months when the period is one,
else the same number of days ending the day before). The implied interval combines the
value's interval with the change's (a "close to 40%" drop is a drop of 36% to 44%). It
is compared with the other claims' own figures over that previous period, never with
another implied figure; the claim's own figure is compared as usual. When a pair
conflicts both directly and through an implied figure, the direct reason is kept.

Cost, and the cap on links. Per metric and unit (and per comparison class: one-year
periods, same spans) the figures are swept in order of period start. The running ones
(period not yet over) sit in two sorted lists of integer keys, by the low and by the
high end of their interval; the ends are ranked once beforehand, so the sweep compares
small integers. An entering figure finds by bisection the running figures wholly above
and wholly below its interval. A second sweep over the reversed time axis (equal spans
in the reverse order) shows it the figures that end after it, so between the two a
figure sees every figure overlapping it except those whose period lies strictly inside
its own (they see it instead). Of what it saw, each figure keeps the MAX_LINKS_PER_SIDE
nearest disagreeing figures above its interval and as many below: at most
2 * MAX_LINKS_PER_SIDE links start from a figure, O(n) links in all, and the work is
sorting and bisection, O(n log n), plus list insertions whose memory moves grow with
the running window but stay cheap next to the rest. bench/conflicts.py times 10,000
and 100,000 one-year claims over 20 years on one metric.

The cap is a design decision: when thousands of figures for one year disagree, every
pair would be millions of links nobody reads, while the nearest disagreeing figures
above and below are the ones worth checking first. While no more than
MAX_LINKS_PER_SIDE figures disagree with a claim on a side, all those conflicts are
found; a conflict is left out only when the claim that saw the other already has
MAX_LINKS_PER_SIDE nearer disagreeing figures on that side, and the other, if it saw
the first, too.
"""

import calendar
import heapq
import json
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history
from tqdm import tqdm

from factcheck.db import lift_statement_timeout
from sources.models import Document

from .figures import format_amount, format_figure
from .models import Claim, ClaimLink, Comparator, Metric
from .periods import solar_hijri_year, solar_hijri_year_of

MAX_LINKS_PER_SIDE = 3
YEAR_MIN_DAYS = 300
YEAR_MAX_DAYS = 430
ANNUAL_MIN_SHARED_DAYS = 182
SAME_SPAN_SLACK_DAYS = 3

INFINITY = Decimal("Infinity")
_OPEN_START = -(10**9)  # below any date's ordinal
_OPEN_END = 10**9
_CORE_SHRINK = ANNUAL_MIN_SHARED_DAYS // 2
_FLAG_MAX_LENGTH = Claim._meta.get_field("comparison_flag").max_length
_CONTRADICTS = ClaimLink.Relation.CONTRADICTS
_DELETE_BATCH = 500

# An interval of allowed values: (low, low is open, high, high is open).
Interval = tuple[Decimal, bool, Decimal, bool]


@dataclass(frozen=True)
class FigureRow:
    """The figure a claim states, as conflict detection reads it."""

    claim_id: int
    unit: str
    value: Decimal
    value_upper: Decimal | None
    comparator: str
    period_start: date | None
    period_end: date | None
    change_percent: Decimal | None
    change_comparator: str


@dataclass(frozen=True)
class Conflict:
    """Two claims whose figures cannot both hold; claim_id < other_id."""

    claim_id: int
    other_id: int
    reason: str


@dataclass(frozen=True)
class Comparison:
    conflicts: list[Conflict]
    flags: dict[int, str]  # claim id -> why (part of) its figure was not compared


@dataclass(frozen=True)
class DetectionSummary:
    created: int = 0
    removed: int = 0
    flagged: int = 0

    def __add__(self, other: "DetectionSummary") -> "DetectionSummary":
        return DetectionSummary(
            self.created + other.created,
            self.removed + other.removed,
            self.flagged + other.flagged,
        )


@dataclass(frozen=True, slots=True)
class _Figure:
    claim_id: int
    row: FigureRow
    implied: bool  # the value before the stated change, over the previous period
    start: date | None
    end: date | None
    interval: Interval
    approximate: bool  # widened by the tolerance somewhere
    exact: bool  # states one value exactly


def rows_for_metric(metric_id: int) -> list[FigureRow]:
    """Return the figures stated about `metric_id`, in claim order, in one query."""
    rows = (
        Claim.objects.filter(metric_id=metric_id, value__isnull=False)
        .order_by("id")
        .values_list(
            "id",
            "unit",
            "value",
            "value_upper",
            "comparator",
            "period_start",
            "period_end",
            "change_percent",
            "change_comparator",
        )
    )
    return [FigureRow(*row) for row in rows]


def figure_interval(
    value: Decimal, comparator: str, value_upper: Decimal | None, tolerance: Decimal
) -> Interval:
    """Return the values a figure allows as (low, low open, high, high open)."""
    if comparator == Comparator.APPROXIMATELY:
        low, high = sorted((value * (1 - tolerance), value * (1 + tolerance)))
        return (low, False, high, False)
    if comparator == Comparator.MORE_THAN:
        return (value, True, INFINITY, True)
    if comparator == Comparator.LESS_THAN:
        return (-INFINITY, True, value, True)
    if comparator == Comparator.RANGE and value_upper is not None:
        return (value, False, value_upper, False)
    return (value, False, value, False)


def implied_interval(
    row: FigureRow, tolerance: Decimal
) -> tuple[Decimal, Decimal, bool, Decimal, bool] | None:
    """Return (point, low, low open, high, high open) of the value before the change.

    The point is v / (1 + c/100); the bounds take every value the figure allows with
    every change its comparator allows. None when no change is stated, or when every
    allowed change is a drop of 100% or more.
    """
    if row.change_percent is None:
        return None
    v_low, v_low_open, v_high, v_high_open = figure_interval(
        row.value, row.comparator, row.value_upper, tolerance
    )
    # A change has no upper value, so a "range" change is read as exact.
    change_comparator = (
        Comparator.EXACT
        if row.change_comparator == Comparator.RANGE
        else row.change_comparator
    )
    c_low, c_low_open, c_high, c_high_open = figure_interval(
        row.change_percent, change_comparator, None, tolerance
    )
    f_low, f_high = 1 + c_low / 100, 1 + c_high / 100
    if f_high <= 0:
        return None
    f_low_open = c_low_open or f_low <= 0
    f_low = max(f_low, Decimal(0))
    corners = []
    for value, value_open in ((v_low, v_low_open), (v_high, v_high_open)):
        for factor, factor_open in ((f_low, f_low_open), (f_high, c_high_open)):
            quotient = _quotient(value, factor)
            if quotient is not None:
                corners.append((quotient, value_open or factor_open))
    low = min(quotient for quotient, _ in corners)
    high = max(quotient for quotient, _ in corners)
    low_open = all(is_open for quotient, is_open in corners if quotient == low)
    high_open = all(is_open for quotient, is_open in corners if quotient == high)
    point = row.value / (1 + row.change_percent / 100)
    return (point, low, low_open, high, high_open)


def _quotient(value: Decimal, factor: Decimal) -> Decimal | None:
    # The factor is >= 0; at 0 it stands for "approaching 0 from above".
    if factor == 0:
        return Decimal(0) if value == 0 else INFINITY.copy_sign(value)
    if factor.is_infinite():
        return None if value.is_infinite() else Decimal(0)
    return value / factor


def previous_period(start: date, end: date) -> tuple[date, date]:
    """Return the period of the same length that ends the day before `start`.

    An Iranian year gives the Iranian year before (1391 -> 1390), a run of whole
    months the same number of months before (a calendar year, a quarter), anything
    else the same number of days. Raises ValueError when that period would begin
    before 0001-01-01.
    """
    try:
        iranian_year = solar_hijri_year_of(start)
        iranian = solar_hijri_year(iranian_year)
    except (ValueError, OverflowError):
        iranian = None  # beyond what the Iranian calendar converts (near year 9999)
    try:
        if iranian is not None and (iranian.start, iranian.end) == (start, end):
            before = solar_hijri_year(iranian_year - 1)
            return before.start, before.end
        day_before = start - timedelta(days=1)
        # Not end + 1 day: past date.max for a period ending on 9999-12-31.
        ends_a_month = end.day == calendar.monthrange(end.year, end.month)[1]
        if start.day == 1 and ends_a_month:
            months = (end.year - start.year) * 12 + end.month - start.month + 1
            first = start.year * 12 + start.month - 1 - months
            return date(first // 12, first % 12 + 1, 1), day_before
        return day_before - (end - start), day_before
    except OverflowError as error:
        raise ValueError(f"The period before {start} begins before year 1.") from error


def compare_figures(
    rows: Iterable[FigureRow], *, kind: str, tolerance: Decimal
) -> Comparison:
    """Return the conflicting pairs among `rows` and the claims that were not compared.

    Pure: no database. `kind` is the metric's kind (annual, total, level). Each
    unordered pair appears at most once, as (lower id, higher id), in id order.
    """
    if kind not in Metric.Kind.values:
        raise ValueError(f"Unknown metric kind {kind!r}.")
    figures, flags = _figures(rows, tolerance)
    by_unit: dict[str, list[_Figure]] = defaultdict(list)
    for figure in figures:
        by_unit[figure.row.unit].append(figure)
    found: dict[tuple[int, int], tuple[int, _Figure, _Figure]] = {}
    for unit in sorted(by_unit):
        unit_figures = by_unit[unit]
        if kind == Metric.Kind.LEVEL:
            groups = [(unit_figures, [_span(figure) for figure in unit_figures])]
        else:
            yearly, other = [], []
            for figure in unit_figures:
                is_yearly = kind == Metric.Kind.ANNUAL and _is_yearly(figure)
                (yearly if is_yearly else other).append(figure)
            clusters = _same_span_clusters(other)
            groups = [
                (yearly, [_core(figure) for figure in yearly]),
                (other, [(cluster, cluster) for cluster in clusters]),
            ]
            _flag_uncompared(unit_figures, other, clusters, kind, flags)
        for group, spans in groups:
            for earlier, later in _nearest_conflicts(group, spans):
                _record(found, group[earlier], group[later])
    describe = _Descriptions(tolerance)
    conflicts = []
    for pair in sorted(found):
        _, first, second = found[pair]
        conflicts.append(Conflict(pair[0], pair[1], describe.reason(first, second)))
    return Comparison(conflicts=conflicts, flags=_joined(flags))


def _figures(
    rows: Iterable[FigureRow], tolerance: Decimal
) -> tuple[list[_Figure], dict[int, list[str]]]:
    figures = []
    flags: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        if row.value is None or (row.period_start is None and row.period_end is None):
            continue
        approximate = row.comparator == Comparator.APPROXIMATELY
        interval = figure_interval(
            row.value, row.comparator, row.value_upper, tolerance
        )
        figures.append(
            _Figure(
                row.claim_id,
                row,
                False,
                row.period_start,
                row.period_end,
                interval,
                approximate,
                row.comparator == Comparator.EXACT,
            )
        )
        if row.change_percent is None:
            continue
        if row.period_start is None or row.period_end is None:
            flags[row.claim_id].append(
                "States a change, but its period has an open end, so the period "
                "before it is unknown; check the change by hand."
            )
            continue
        implied = implied_interval(row, tolerance)
        if implied is None:
            continue
        try:
            start, end = previous_period(row.period_start, row.period_end)
        except (ValueError, OverflowError):
            continue  # before the calendars' first days: nothing to compare with
        approximate = approximate or row.change_comparator == Comparator.APPROXIMATELY
        figures.append(
            _Figure(
                row.claim_id, row, True, start, end, implied[1:], approximate, False
            )
        )
    return figures, flags


def _days(figure: _Figure) -> int | None:
    if figure.start is None or figure.end is None:
        return None
    return (figure.end - figure.start).days + 1


def _is_yearly(figure: _Figure) -> bool:
    days = _days(figure)
    return days is None or YEAR_MIN_DAYS <= days <= YEAR_MAX_DAYS


def _span(figure: _Figure) -> tuple[int, int]:
    start = figure.start.toordinal() if figure.start else _OPEN_START
    end = figure.end.toordinal() if figure.end else _OPEN_END
    return start, end


def _core(figure: _Figure) -> tuple[int, int]:
    # Cores overlap exactly when the periods share ANNUAL_MIN_SHARED_DAYS or more.
    start, end = _span(figure)
    if figure.start:
        start += _CORE_SHRINK
    if figure.end:
        end -= _CORE_SHRINK
    return start, end


def _same_span_clusters(figures: list[_Figure]) -> list[int]:
    """Return a cluster number per figure: figures over the same span share one."""
    anchors: dict[tuple[int, int], int] = {}
    cluster_of_span: dict[tuple[int, int], int] = {}
    slack = range(-SAME_SPAN_SLACK_DAYS, SAME_SPAN_SLACK_DAYS + 1)
    for span in sorted({_span(figure) for figure in figures}):
        start, end = span
        near = [
            (start + before, end + after)
            for before in slack
            for after in slack
            if (start + before, end + after) in anchors
        ]
        if near:
            cluster_of_span[span] = anchors[min(near)]
        else:
            cluster_of_span[span] = anchors[span] = len(anchors)
    return [cluster_of_span[_span(figure)] for figure in figures]


def _flag_uncompared(
    unit_figures: list[_Figure],
    same_span: list[_Figure],
    clusters: list[int],
    kind: str,
    flags: dict[int, list[str]],
) -> None:
    """Flag the same-span figures that overlap others but share their span with none."""
    own = [_span(figure) for figure in unit_figures if not figure.implied]
    starts = sorted(start for start, _ in own)
    ends = sorted(end for _, end in own)
    members: dict[int, int] = defaultdict(int)
    for figure, cluster in zip(same_span, clusters, strict=True):
        if not figure.implied:
            members[cluster] += 1
    for figure, cluster in zip(same_span, clusters, strict=True):
        if figure.implied:
            continue
        start, end = _span(figure)
        ending_before = bisect_left(ends, start)
        starting_after = len(starts) - bisect_left(starts, end + 1)
        overlapping = len(own) - ending_before - starting_after - 1
        if members[cluster] == 1 and overlapping > 0:
            flags[figure.claim_id].append(_span_flag(figure, kind))


def _span_flag(figure: _Figure, kind: str) -> str:
    days = _days(figure)
    if days is None:
        extent = f"Spans {_period_words(figure.start, figure.end)} (one end open)"
    elif days > YEAR_MAX_DAYS:
        years = f"{round(days / 365.2425, 1):g}"
        extent = f"Spans {figure.start} to {figure.end} ({years} years)"
    elif kind == Metric.Kind.TOTAL:
        extent = f"Spans {figure.start} to {figure.end}"
    else:
        extent = f"Covers {figure.start} to {figure.end} ({days} days)"
    if kind == Metric.Kind.TOTAL:
        what = "a total"
    elif days is not None and days > YEAR_MAX_DAYS:
        what = "a per-year figure over several years"
    else:
        what = "a per-year figure over part of a year"
    return (
        f"{extent}: {what} is compared only with claims over the same span; "
        "check it by hand."
    )


def _nearest_conflicts(
    figures: list[_Figure], spans: list[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """Yield (other, figure) index pairs: each figure with its nearest disagreeing ones.

    A forward sweep shows each figure the ones that started before it and still run;
    a sweep over the reversed time axis the ones that end after it. Of those whose
    interval lies wholly above (below) its own, the MAX_LINKS_PER_SIDE with the lowest
    low (highest high) end are kept.
    """
    count = len(figures)
    # Interval ends become ranks once, so that the sweeps compare small integers:
    # key = rank * count + index orders by value, then by index. Lows sort closed
    # before open, highs open before closed, so "wholly above" and "wholly below" are
    # each one bisection.
    lows = [(f.interval[0], 1 if f.interval[1] else 0) for f in figures]
    highs = [(f.interval[2], 0 if f.interval[3] else 1) for f in figures]
    low_values, high_values = sorted(set(lows)), sorted(set(highs))
    low_rank = {value: rank for rank, value in enumerate(low_values)}
    high_rank = {value: rank for rank, value in enumerate(high_values)}
    keys = _Keys(
        low=[low_rank[low] * count + i for i, low in enumerate(lows)],
        high=[high_rank[high] * count + i for i, high in enumerate(highs)],
        above_from=[],
        below_to=[],
    )
    for figure in figures:
        low, low_open, high, high_open = figure.interval
        above = (high,) if high_open else (high, 1)
        below = (low, 2) if low_open else (low, 1)
        keys.above_from.append(bisect_left(low_values, above) * count)
        keys.below_to.append(bisect_left(high_values, below) * count)
    above_keys: list[list[int]] = [[] for _ in figures]
    below_keys: list[list[int]] = [[] for _ in figures]
    # Equal spans enter in index order forward and the other way backward, so that
    # figures over the same period all see each other.
    _sweep(figures, spans, 1, keys, above_keys, below_keys)
    reversed_spans = [(-end, -start) for start, end in spans]
    _sweep(figures, reversed_spans, -1, keys, above_keys, below_keys)
    cap = MAX_LINKS_PER_SIDE
    for index in range(count):
        for key in sorted(set(above_keys[index]))[:cap]:
            yield key % count, index
        for key in sorted(set(below_keys[index]))[-cap:]:
            yield key % count, index


@dataclass
class _Keys:
    low: list[int]
    high: list[int]
    above_from: list[int]  # the smallest low key wholly above figure i
    below_to: list[int]  # the smallest high key not wholly below figure i


def _sweep(
    figures: list[_Figure],
    spans: list[tuple[int, int]],
    tie: int,
    keys: _Keys,
    above: list[list[int]],
    below: list[list[int]],
) -> None:
    """Add the nearest running figures wholly above (below) each entering figure."""
    cap = MAX_LINKS_PER_SIDE
    # Running figures, own and implied apart: implied ones only meet own ones.
    by_low: dict[bool, list[int]] = {False: [], True: []}
    by_high: dict[bool, list[int]] = {False: [], True: []}
    running: list[tuple[int, int]] = []
    order = sorted(range(len(figures)), key=lambda index: (spans[index], tie * index))
    for index in order:
        start, end = spans[index]
        while running and running[0][0] < start:
            _, done = heapq.heappop(running)
            implied = figures[done].implied
            del by_low[implied][bisect_left(by_low[implied], keys.low[done])]
            del by_high[implied][bisect_left(by_high[implied], keys.high[done])]
        implied = figures[index].implied
        for running_implied in (False,) if implied else (False, True):
            lows = by_low[running_implied]
            first = bisect_left(lows, keys.above_from[index])
            above[index] += lows[first : first + cap]
            highs = by_high[running_implied]
            last = bisect_left(highs, keys.below_to[index])
            below[index] += highs[max(0, last - cap) : last]
        insort(by_low[implied], keys.low[index])
        insort(by_high[implied], keys.high[index])
        heapq.heappush(running, (end, index))


def _record(
    found: dict[tuple[int, int], tuple[int, _Figure, _Figure]],
    one: _Figure,
    other: _Figure,
) -> None:
    if one.claim_id == other.claim_id:
        return
    first, second = (one, other) if one.claim_id < other.claim_id else (other, one)
    pair = (first.claim_id, second.claim_id)
    rank = int(first.implied) + int(second.implied)  # a direct conflict explains best
    if pair not in found or rank < found[pair][0]:
        found[pair] = (rank, first, second)


def _joined(flags: dict[int, list[str]]) -> dict[int, str]:
    joined = {}
    for claim_id, reasons in sorted(flags.items()):
        text = " ".join(dict.fromkeys(reasons))
        if len(text) > _FLAG_MAX_LENGTH:
            text = text[: _FLAG_MAX_LENGTH - 1].rstrip() + "…"
        joined[claim_id] = text
    return joined


def _period_words(start: date | None, end: date | None) -> str:
    if start and end:
        return str(start) if start == end else f"{start}–{end}"
    if end:
        return f"up to {end}"
    return f"from {start} on"


def _describe(figure: _Figure, tolerance: Decimal) -> tuple[str, str]:
    """Return (what the figure says, over which period) in words."""
    row = figure.row
    if not figure.implied:
        text = format_figure(row.value, row.unit, row.comparator, row.value_upper)
        period = _period_words(figure.start, figure.end)
        if figure.start and figure.end:
            preposition = "on" if figure.start == figure.end else "over"
            period = f"{preposition} {period}"
        return text, period
    point = implied_interval(row, tolerance)[0]
    stated = format_figure(row.value, row.unit, row.comparator, row.value_upper)
    text = (
        f"implied earlier value of about {format_amount(rounded(point), row.unit)} "
        f"(from {_change_words(row)} to {stated})"
    )
    return text, f"for {_period_words(figure.start, figure.end)}"


class _Descriptions:
    """Write conflict reasons, describing each figure once however often it appears."""

    def __init__(self, tolerance: Decimal):
        self.tolerance = tolerance
        self.cache: dict[int, tuple[str, str]] = {}
        self.beyond_tolerance = (
            f"the figures differ by more than the {_plain(tolerance * 100)}% tolerance"
        )

    def reason(self, first: _Figure, second: _Figure) -> str:
        first_text, first_period = self.describe(first)
        second_text, second_period = self.describe(second)
        if second_period == first_period and second_period.startswith("over "):
            second_period = "over the same period"
        if first.approximate or second.approximate:
            why = self.beyond_tolerance
        elif first.implied or second.implied or not first.exact or not second.exact:
            why = "the values they allow do not overlap"
        else:
            why = "the figures differ"
        return f"{first_text} {first_period} vs {second_text} {second_period}: {why}"

    def describe(self, figure: _Figure) -> tuple[str, str]:
        # Figures live as long as the comparison, so their identity is a safe key.
        words = self.cache.get(id(figure))
        if words is None:
            words = self.cache[id(figure)] = _describe(figure, self.tolerance)
        return words


def _change_words(row: FigureRow) -> str:
    change = row.change_percent
    direction = "drop" if change < 0 else "rise"
    size = f"{_plain(abs(change))}%"
    return {
        Comparator.APPROXIMATELY: f"a {direction} of about {size}",
        Comparator.MORE_THAN: f"a {direction} of more than {size}",
        Comparator.LESS_THAN: f"a {direction} of less than {size}",
    }.get(row.change_comparator, f"a {size} {direction}")


def rounded(value: Decimal) -> Decimal:
    """Return `value` to two significant digits: 3333333333.3 -> 3300000000."""
    if value == 0 or not value.is_finite():
        return value
    exponent = value.adjusted() - 1
    return value.scaleb(-exponent).quantize(Decimal(1)).scaleb(exponent)


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def tolerance_setting() -> Decimal:
    """Return FACTCHECK_APPROXIMATE_TOLERANCE as a Decimal (0.10 for 10%)."""
    return Decimal(settings.FACTCHECK_APPROXIMATE_TOLERANCE)


def detect_metric_conflicts(metric_id: int) -> DetectionSummary:
    """Compare the figures about a metric and bring its detected links up to date.

    Creates a detected `contradicts` link (lower id -> higher id, the reason as its
    note) for each new conflict, unless the pair already has a `contradicts` link
    either way; deletes the detected links that no longer hold; sets or clears the
    claims' comparison flags. Editors' own links (detected=False) are never touched.
    Runs on one metric at a time: the metric row is locked until the end.
    """
    with transaction.atomic():
        # Started by a web request once its write committed, but not what it answers:
        # cut off by the request's statement timeout, the links would stay stale.
        lift_statement_timeout()
        metric = Metric.objects.select_for_update().get(pk=metric_id)
        # Lock its claims too: a claim deleted during the run would get a link to a
        # missing row (a foreign key violation at commit). Edits wait for the run.
        claims = Claim.objects.select_for_update().filter(metric_id=metric.pk)
        list(claims.values_list("pk", flat=True))
        comparison = compare_figures(
            rows_for_metric(metric.pk), kind=metric.kind, tolerance=tolerance_setting()
        )
        created, removed = _sync_links(metric.pk, comparison.conflicts)
        flagged = _sync_flags(metric.pk, comparison.flags)
    return DetectionSummary(created=created, removed=removed, flagged=flagged)


def _sync_links(metric_id: int, conflicts: list[Conflict]) -> tuple[int, int]:
    wanted = {(c.claim_id, c.other_id): c for c in conflicts}
    # Links from the metric's claims, then links to them: each side is read through
    # its own index. (One OR across both joined claims scans every link and claim,
    # once per metric.)
    contradicts = ClaimLink.objects.filter(relation=_CONTRADICTS).order_by()
    metric_claims = Claim.objects.filter(metric_id=metric_id).values("pk")
    links = contradicts.filter(from_claim__in=metric_claims).union(
        contradicts.filter(to_claim__in=metric_claims)
    )
    linked: set[tuple[int, int]] = set()
    stale: list[int] = []
    renoted: list[ClaimLink] = []
    for link in links.order_by("id"):
        pair = tuple(sorted((link.from_claim_id, link.to_claim_id)))
        linked.add(pair)
        if not link.detected:
            continue
        if pair not in wanted:
            stale.append(link.pk)
        elif link.note != wanted[pair].reason:
            link.note = wanted[pair].reason
            renoted.append(link)
    if renoted:
        bulk_update_with_history(renoted, ClaimLink, ["note"], batch_size=500)
    for first in range(0, len(stale), _DELETE_BATCH):
        ClaimLink.objects.filter(pk__in=stale[first : first + _DELETE_BATCH]).delete()
    new_links = [
        ClaimLink(
            from_claim_id=conflict.claim_id,
            to_claim_id=conflict.other_id,
            relation=_CONTRADICTS,
            note=conflict.reason,
            detected=True,
        )
        for pair, conflict in wanted.items()
        if pair not in linked
    ]
    if new_links:
        bulk_create_with_history(new_links, ClaimLink, batch_size=500)
    return len(new_links), len(stale)


def _sync_flags(metric_id: int, flags: dict[int, str]) -> int:
    changed = [
        Claim(pk=claim_id, comparison_flag=flags.get(claim_id, ""))
        for claim_id, flag in Claim.objects.filter(metric_id=metric_id)
        .order_by("id")
        .values_list("id", "comparison_flag")
        if flag != flags.get(claim_id, "")
    ]
    if changed:
        # A derived field: no new version, no history row, no updated_at bump.
        Claim.objects.bulk_update(changed, ["comparison_flag"], batch_size=500)
    return len(flags)


def detect_all_conflicts(progress: bool = False) -> DetectionSummary:
    """Run `detect_metric_conflicts` on every metric that has claims; return totals."""
    metric_ids = list(
        Metric.objects.filter(claims__isnull=False)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )
    total = DetectionSummary()
    unanalyzed = 0
    for metric_id in tqdm(metric_ids, disable=not progress, unit="metric"):
        summary = detect_metric_conflicts(metric_id)
        total += summary
        unanalyzed += summary.created + summary.removed
        if unanalyzed >= ANALYZE_EVERY_LINKS:
            _analyze_links()
            unanalyzed = 0
    return total


# A first run over a large database writes links by the million; with statistics of
# the empty table, PostgreSQL would read a metric's links by scanning them all.
ANALYZE_EVERY_LINKS = 20_000


def _analyze_links() -> None:
    """Refresh PostgreSQL's statistics of the links table (autovacuum may lag)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ClaimLink._meta.db_table}")


def conflicts_of(claim_ids: list[int]) -> dict[int, list[dict]]:
    """Return each claim's `contradicts` links, both ways, in one query.

    Every id asked for is a key; each link is described from that claim's side:
    the other claim, its figure and period label, its document's title, the link's
    note as the reason and whether detection made it.
    """
    ids = set(claim_ids)
    result: dict[int, list[dict]] = {claim_id: [] for claim_id in claim_ids}
    if not ids:
        return result
    with connection.cursor() as cursor:
        cursor.execute(_conflicts_sql(), _conflicts_params(sorted(ids)))
        links = cursor.fetchall()
    for note, detected, *sides in links:
        width = len(sides) // 2
        for this, other in (
            (sides[:width], sides[width:]),
            (sides[width:], sides[:width]),
        ):
            if this[0] in ids:
                other_id, value, unit, comparator, upper, period_label, title = other
                result[this[0]].append(
                    {
                        "claim": other_id,
                        "figure": format_figure(
                            _decimal(value), unit, comparator, _decimal(upper)
                        ),
                        "period_label": period_label,
                        "document": title,
                        "reason": note,
                        "detected": bool(detected),
                    }
                )
    return result


# The query of every list page and detail, written out: the ORM took longer to build
# it than PostgreSQL to run it. One statement text for any number of ids (an array,
# or JSON on SQLite), so it is prepared once per connection.
_CONFLICTS_SQL = """
SELECT link.note, link.detected,
       a.id, a.value, a.unit, a.comparator, a.value_upper, a.period_label, ad.title,
       b.id, b.value, b.unit, b.comparator, b.value_upper, b.period_label, bd.title
FROM {link} link
JOIN {claim} a ON a.id = link.from_claim_id
JOIN {document} ad ON ad.id = a.document_id
JOIN {claim} b ON b.id = link.to_claim_id
JOIN {document} bd ON bd.id = b.document_id
WHERE link.relation = %s
  AND (link.from_claim_id {members} OR link.to_claim_id {members})
ORDER BY link.id
"""


def _conflicts_sql() -> str:
    if connection.vendor == "postgresql":
        members = "= ANY(%s)"
    else:
        members = "IN (SELECT value FROM json_each(%s))"
    return _CONFLICTS_SQL.format(
        link=ClaimLink._meta.db_table,
        claim=Claim._meta.db_table,
        document=Document._meta.db_table,
        members=members,
    )


def _conflicts_params(ids: list[int]) -> list:
    members = ids if connection.vendor == "postgresql" else json.dumps(ids)
    return [_CONTRADICTS, members, members]


def _decimal(value) -> Decimal | None:
    # SQLite hands back a decimal column as a float or an int.
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))
