"""The values a figure allows, and the period before a stated change.

A figure allows an interval: exact [v, v]; approximately [v(1-t), v(1+t)] with t the
tolerance (FACTCHECK_APPROXIMATE_TOLERANCE, passed in); more than (v, +inf); less
than (-inf, v); a range [v, upper]. A relative claim ("a close to 40% drop to $2
billion") also implies the value before the change, over the previous period.
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .comparators import Comparator
from .periods import solar_hijri_year, solar_hijri_year_of

INFINITY = Decimal("Infinity")

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


def rounded(value: Decimal) -> Decimal:
    """Return `value` to two significant digits: 3333333333.3 -> 3300000000."""
    if value == 0 or not value.is_finite():
        return value
    exponent = value.adjusted() - 1
    return value.scaleb(-exponent).quantize(Decimal(1)).scaleb(exponent)
