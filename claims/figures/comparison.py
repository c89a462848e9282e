"""Find figures that cannot both be true: the rules of conflict detection, pure.

Two claims conflict when they share a metric and a unit, their periods are compared
and the values they allow do not meet. A figure allows an interval
(claims.figures.intervals): exact [v, v]; approximately [v(1-t), v(1+t)] with t the
tolerance; more than (v, +inf); less than (-inf, v); a range [v, upper]. Claims
without a value, or without any period end, are not compared; a period with one end
is open on the other side.

The metric's kind decides which periods are compared (each figure's comparison class
and span, claims.figures.holds):

- level (a price, a share): any overlap.
- annual (a yearly flow such as trade volume): a per-year figure speaks for one year,
  so periods of about a year (300 to 430 days) are compared with each other when they
  share at least half a year (182 days): their cores (the period less 91 days at each
  closed end) overlap. The Iranian year 1391 is compared with the calendar year 2012
  (286 days in common), not with 2013 (79 days). A period open at one end ("in recent
  years, up to 1391") is read as the yearly figure holding in every year it reaches
  back to, and is compared like a one-year period; it cannot be an average over a
  span nobody knows. Any other span (several years, part of a year) may be an average
  or a part-year figure: it is compared only with claims over the same span (both
  ends within SAME_SPAN_SLACK_DAYS); when no claim shares its span but some overlap
  it, its comparison_flag says it was not compared and should be checked by hand.
- total: only the same span (within SAME_SPAN_SLACK_DAYS), flagged the same way.

A relative claim (value v with change_percent c: "a close to 40% drop to $2 billion in
1391") also implies v / (1 + c/100) for the previous period of the same length (the
previous Iranian year, calendar year or run of whole months when the period is one,
else the same number of days ending the day before). The implied interval combines the
value's interval with the change's (a "close to 40%" drop is a drop of 36% to 44%). It
is compared with the other claims' own figures over that previous period, never with
another implied figure; the claim's own figure is compared as usual.

Which conflicts become links. Each figure *holds* the MAX_LINKS_PER_SIDE compared
figures wholly above its interval with the lowest lows, and as many wholly below with
the highest highs (claims.figures.holds): the nearest disagreeing figures, the ones
worth checking first when thousands of figures for one year disagree. Two claims are
linked when a figure of either holds a figure of the other; the link records which
figures hold it (`link_bits`), and its reason describes the most direct pair (own
figure against own figure before an implied one). A figure's holds depend only on the
figures compared with it, so a change to one claim changes the holds of the figures
compared with its old and new figures and nothing else: detection can be incremental
(claims.services.conflicts) and its result is, by construction, the same as a full
run's. Over a whole metric it costs O(n log^2 n).
"""

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .comparators import Comparator, MetricKind
from .formatting import format_amount, format_figure
from .holds import MAX_HELD, SAME, SPAN, YEAR, Held, Key, Point, holds
from .intervals import (
    FigureRow,
    Interval,
    figure_interval,
    implied_interval,
    previous_period,
    rounded,
)

MAX_LINKS_PER_SIDE = MAX_HELD
YEAR_MIN_DAYS = 300
YEAR_MAX_DAYS = 430
ANNUAL_MIN_SHARED_DAYS = 182
SAME_SPAN_SLACK_DAYS = 3
# The longest flag a claim stores (Claim.comparison_flag).
FLAG_MAX_LENGTH = 300

OPEN_START = -(10**9)  # below any date's ordinal
OPEN_END = 10**9
_CORE_SHRINK = ANNUAL_MIN_SHARED_DAYS // 2

# A pair of claims, lower id first.
Pair = tuple[int, int]

# Which figures hold a link between claims lo < hi, one bit each: the seer's side and
# figure (own or implied) and the held figure's. Implied figures never meet.
LO_OWN_HOLDS_HI_OWN = 1 << 0
HI_OWN_HOLDS_LO_OWN = 1 << 1
LO_OWN_HOLDS_HI_IMPLIED = 1 << 2
HI_IMPLIED_HOLDS_LO_OWN = 1 << 3
LO_IMPLIED_HOLDS_HI_OWN = 1 << 4
HI_OWN_HOLDS_LO_IMPLIED = 1 << 5
DIRECT = LO_OWN_HOLDS_HI_OWN | HI_OWN_HOLDS_LO_OWN
LO_OWN_HI_IMPLIED = LO_OWN_HOLDS_HI_IMPLIED | HI_IMPLIED_HOLDS_LO_OWN
LO_IMPLIED_HI_OWN = LO_IMPLIED_HOLDS_HI_OWN | HI_OWN_HOLDS_LO_IMPLIED


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
class Figure:
    claim_id: int
    row: FigureRow
    implied: bool  # the value before the stated change, over the previous period
    start: date | None
    end: date | None
    interval: Interval
    approximate: bool  # widened by the tolerance somewhere
    exact: bool  # states one value exactly

    @property
    def key(self) -> Key:
        return (self.claim_id, self.implied)


@dataclass(frozen=True)
class Detection:
    """What detection found for the figures it was asked about (the seers)."""

    figures: dict[Key, Figure]  # every figure of the pool
    holds: dict[Key, Held]  # per seer
    flags: dict[int, str]  # per claim of a seer's own figure: "" when none


def figures_of(
    rows: Iterable[FigureRow], tolerance: Decimal
) -> tuple[list[Figure], dict[int, list[str]]]:
    """Return the figures the rows state (own and implied) and row-level flags."""
    return _figures(rows, tolerance)


def point_of(figure: Figure, kind: str) -> Point:
    """Return a figure as the holds computation compares it, by the metric's kind."""
    if kind == MetricKind.LEVEL:
        klass, (first, last) = SPAN, span_of(figure)
    elif kind == MetricKind.ANNUAL and _is_yearly(figure):
        klass, (first, last) = YEAR, _core(figure)
    else:
        klass, (first, last) = SAME, span_of(figure)
    low, low_open, high, high_open = figure.interval
    return Point(
        figure.claim_id,
        figure.implied,
        figure.row.unit,
        klass,
        first,
        last,
        low,
        low_open,
        high,
        high_open,
    )


def detect(
    rows: Iterable[FigureRow],
    *,
    kind: str,
    tolerance: Decimal,
    seers: Collection[Key] | None = None,
) -> Detection:
    """Return what the `seers` figures hold among `rows`, and their claims' flags.

    `rows` must hold every figure compared with a seer (claims.services.conflicts
    reads them by period); `seers` None means every figure of `rows`. A seer that
    is not among the figures (a claim deleted, a change removed) holds nothing.
    """
    if kind not in MetricKind.values:
        raise ValueError(f"Unknown metric kind {kind!r}.")
    figures, row_flags = _figures(rows, tolerance)
    by_key = {figure.key: figure for figure in figures}
    points = [point_of(figure, kind) for figure in figures]
    wanted = set(by_key) if seers is None else set(seers)
    seer_points = [point for point in points if point.key in wanted]
    found = holds(seer_points, points)
    held = {key: found.get(key, Held()) for key in wanted}
    seer_claims = {claim_id for claim_id, implied in wanted if not implied}
    flags = _flags(figures, points, seer_claims, kind, row_flags)
    return Detection(figures=by_key, holds=held, flags=flags)


def link_bits(held: dict[Key, Held]) -> dict[Pair, int]:
    """Return, for every pair of claims some seer holds, which figures hold it."""
    bits: dict[Pair, int] = defaultdict(int)
    for seer, hold in held.items():
        for other in hold.keys():  # noqa: SIM118 - Held is a mapping view, not iterable
            pair, bit = _bit(seer, other)
            bits[pair] |= bit
    return dict(bits)


def owned_bits(seer: Key, pair: Pair) -> int:
    """Return the bits of `pair` that the figure `seer` can hold (one claim of it)."""
    claim_id, implied = seer
    if claim_id == pair[0]:
        return (
            LO_IMPLIED_HOLDS_HI_OWN
            if implied
            else (LO_OWN_HOLDS_HI_OWN | LO_OWN_HOLDS_HI_IMPLIED)
        )
    return (
        HI_IMPLIED_HOLDS_LO_OWN
        if implied
        else (HI_OWN_HOLDS_LO_OWN | HI_OWN_HOLDS_LO_IMPLIED)
    )


def _bit(seer: Key, held: Key) -> tuple[Pair, int]:
    (seer_id, seer_implied), (held_id, held_implied) = seer, held
    pair = (min(seer_id, held_id), max(seer_id, held_id))
    lo = seer_id == pair[0]
    if not seer_implied and not held_implied:
        bit = LO_OWN_HOLDS_HI_OWN if lo else HI_OWN_HOLDS_LO_OWN
    elif not seer_implied:
        bit = LO_OWN_HOLDS_HI_IMPLIED if lo else HI_OWN_HOLDS_LO_IMPLIED
    else:
        bit = LO_IMPLIED_HOLDS_HI_OWN if lo else HI_IMPLIED_HOLDS_LO_OWN
    return pair, bit


def figures_of_link(pair: Pair, bits: int) -> tuple[Key, Key]:
    """Return the figure pair a link's reason describes: the most direct one held."""
    lo, hi = pair
    if bits & DIRECT:
        return (lo, False), (hi, False)
    if bits & LO_OWN_HI_IMPLIED:
        return (lo, False), (hi, True)
    return (lo, True), (hi, False)


class Reasons:
    """Write the reasons of links, describing each figure once however often asked."""

    def __init__(self, tolerance: Decimal):
        self._descriptions = _Descriptions(tolerance)

    def reason(self, pair: Pair, bits: int, figures: dict[Key, Figure]) -> str | None:
        """Return the reason of a link, or None when a figure it names is unknown."""
        first, second = figures_of_link(pair, bits)
        if first not in figures or second not in figures:
            return None
        return self._descriptions.reason(figures[first], figures[second])


def compare_figures(
    rows: Iterable[FigureRow], *, kind: str, tolerance: Decimal
) -> Comparison:
    """Return every conflict among `rows` and the claims that were not compared.

    Pure: no database. `kind` is the metric's kind (annual, total, level). Each pair
    appears once, as (lower id, higher id), in id order.
    """
    found = detect(rows, kind=kind, tolerance=tolerance)
    reasons = Reasons(tolerance)
    conflicts = []
    for pair, bits in sorted(link_bits(found.holds).items()):
        reason = reasons.reason(pair, bits, found.figures)
        if reason is None:  # every held figure is in the pool
            raise LookupError(f"no reason for the held pair {pair}")
        conflicts.append(Conflict(pair[0], pair[1], reason))
    flags = {claim_id: flag for claim_id, flag in found.flags.items() if flag}
    return Comparison(conflicts=conflicts, flags=flags)


def _flags(
    figures: list[Figure],
    points: list[Point],
    claims: set[int],
    kind: str,
    row_flags: dict[int, list[str]],
) -> dict[int, str]:
    """Return each claim's flag: why (part of) its figure was not compared."""
    reasons: dict[int, list[str]] = {
        claim_id: list(row_flags.get(claim_id, [])) for claim_id in claims
    }
    own = [
        (figure, point)
        for figure, point in zip(figures, points, strict=True)
        if not figure.implied
    ]
    by_unit: dict[str, list[tuple[int, int]]] = defaultdict(list)
    same_spans: dict[tuple[str, int, int], int] = defaultdict(int)
    for figure, point in own:
        by_unit[point.unit].append(span_of(figure))
        if point.klass == SAME:
            same_spans[(point.unit, point.first, point.last)] += 1
    starts = {
        unit: sorted(start for start, _ in spans) for unit, spans in by_unit.items()
    }
    ends = {unit: sorted(end for _, end in spans) for unit, spans in by_unit.items()}
    slack = range(-SAME_SPAN_SLACK_DAYS, SAME_SPAN_SLACK_DAYS + 1)
    for figure, point in own:
        if figure.claim_id not in claims or point.klass != SAME:
            continue
        unit = point.unit
        alike = sum(
            same_spans.get((unit, point.first + before, point.last + after), 0)
            for before in slack
            for after in slack
        )
        start, end = span_of(figure)
        ending_before = bisect_left(ends[unit], start)
        starting_after = len(starts[unit]) - bisect_right(starts[unit], end)
        overlapping = len(starts[unit]) - ending_before - starting_after - 1
        if alike == 1 and overlapping > 0:
            reasons[figure.claim_id].append(_span_flag(figure, kind))
    return {claim_id: _joined_one(found) for claim_id, found in reasons.items()}


def _figures(
    rows: Iterable[FigureRow], tolerance: Decimal
) -> tuple[list[Figure], dict[int, list[str]]]:
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
            Figure(
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
            Figure(row.claim_id, row, True, start, end, implied[1:], approximate, False)
        )
    return figures, flags


def _days(figure: Figure) -> int | None:
    if figure.start is None or figure.end is None:
        return None
    return (figure.end - figure.start).days + 1


def _is_yearly(figure: Figure) -> bool:
    days = _days(figure)
    return days is None or YEAR_MIN_DAYS <= days <= YEAR_MAX_DAYS


def span_of(figure: Figure) -> tuple[int, int]:
    """Return a figure's period in days (ordinals), open ends far out."""
    start = figure.start.toordinal() if figure.start else OPEN_START
    end = figure.end.toordinal() if figure.end else OPEN_END
    return start, end


def _core(figure: Figure) -> tuple[int, int]:
    # Cores overlap exactly when the periods share ANNUAL_MIN_SHARED_DAYS or more.
    start, end = span_of(figure)
    if figure.start:
        start += _CORE_SHRINK
    if figure.end:
        end -= _CORE_SHRINK
    return start, end


def _span_flag(figure: Figure, kind: str) -> str:
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


def _joined_one(reasons: list[str]) -> str:
    text = " ".join(dict.fromkeys(reasons))
    if len(text) > FLAG_MAX_LENGTH:
        text = text[: FLAG_MAX_LENGTH - 1].rstrip() + "…"
    return text


def _period_words(start: date | None, end: date | None) -> str:
    if start and end:
        return str(start) if start == end else f"{start}–{end}"
    if end:
        return f"up to {end}"
    return f"from {start} on"


def _describe(figure: Figure, tolerance: Decimal) -> tuple[str, str]:
    """Return (what the figure says, over which period) in words."""
    row = figure.row
    if not figure.implied:
        text = format_figure(row.value, row.unit, row.comparator, row.value_upper)
        period = _period_words(figure.start, figure.end)
        if figure.start and figure.end:
            preposition = "on" if figure.start == figure.end else "over"
            period = f"{preposition} {period}"
        return text, period
    implied = implied_interval(row, tolerance)
    if implied is None:  # an implied figure exists only when this is not None
        raise ValueError(f"claim {row.claim_id} has no implied interval")
    point = implied[0]
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

    def reason(self, first: Figure, second: Figure) -> str:
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

    def describe(self, figure: Figure) -> tuple[str, str]:
        # Figures live as long as the comparison, so their identity is a safe key.
        words = self.cache.get(id(figure))
        if words is None:
            words = self.cache[id(figure)] = _describe(figure, self.tolerance)
        return words


def _change_words(row: FigureRow) -> str:
    change = row.change_percent
    if change is None:  # only implied figures, which have a change, get here
        raise ValueError(f"claim {row.claim_id} states no change")
    direction = "drop" if change < 0 else "rise"
    size = f"{_plain(abs(change))}%"
    return {
        Comparator.APPROXIMATELY: f"a {direction} of about {size}",
        Comparator.MORE_THAN: f"a {direction} of more than {size}",
        Comparator.LESS_THAN: f"a {direction} of less than {size}",
    }.get(Comparator(row.change_comparator), f"a {size} {direction}")


def _plain(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
