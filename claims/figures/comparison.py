"""Find figures that cannot both be true: the rules of conflict detection, pure.

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

import heapq
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .comparators import Comparator, MetricKind
from .formatting import format_amount, format_figure
from .intervals import (
    FigureRow,
    Interval,
    figure_interval,
    implied_interval,
    previous_period,
    rounded,
)

MAX_LINKS_PER_SIDE = 3
YEAR_MIN_DAYS = 300
YEAR_MAX_DAYS = 430
ANNUAL_MIN_SHARED_DAYS = 182
SAME_SPAN_SLACK_DAYS = 3
# The longest flag a claim stores (Claim.comparison_flag).
FLAG_MAX_LENGTH = 300

_OPEN_START = -(10**9)  # below any date's ordinal
_OPEN_END = 10**9
_CORE_SHRINK = ANNUAL_MIN_SHARED_DAYS // 2


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


def compare_figures(
    rows: Iterable[FigureRow], *, kind: str, tolerance: Decimal
) -> Comparison:
    """Return the conflicting pairs among `rows` and the claims that were not compared.

    Pure: no database. `kind` is the metric's kind (annual, total, level). Each
    unordered pair appears at most once, as (lower id, higher id), in id order.
    """
    if kind not in MetricKind.values:
        raise ValueError(f"Unknown metric kind {kind!r}.")
    figures, flags = _figures(rows, tolerance)
    by_unit: dict[str, list[_Figure]] = defaultdict(list)
    for figure in figures:
        by_unit[figure.row.unit].append(figure)
    found: dict[tuple[int, int], tuple[int, _Figure, _Figure]] = {}
    for unit in sorted(by_unit):
        unit_figures = by_unit[unit]
        if kind == MetricKind.LEVEL:
            groups = [(unit_figures, [_span(figure) for figure in unit_figures])]
        else:
            yearly, other = [], []
            for figure in unit_figures:
                is_yearly = kind == MetricKind.ANNUAL and _is_yearly(figure)
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
    elif kind == MetricKind.TOTAL:
        extent = f"Spans {figure.start} to {figure.end}"
    else:
        extent = f"Covers {figure.start} to {figure.end} ({days} days)"
    if kind == MetricKind.TOTAL:
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
        if len(text) > FLAG_MAX_LENGTH:
            text = text[: FLAG_MAX_LENGTH - 1].rstrip() + "…"
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


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
