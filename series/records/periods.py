"""Periods of official series: reading their codes, and covering a claim's period.

A claim's period (a calendar year, a quarter, an Iranian year from 21 March, "the
four years leading up to 2013") is covered by a series' observations exactly when
they tile it; an Iranian year is summed from the monthly values of the whole months
nearest to it; where only annual data overlaps part of it, the overlap is said and
no figure is given.
"""

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from claims.figures import periods as claims_periods


class PeriodCodeError(ValueError):
    """A period code that does not parse."""


_ANNUAL = re.compile(r"(\d{4})(?:-A1?)?")
_QUARTER = re.compile(r"(\d{4})-?Q([1-4])")
_MONTH = re.compile(r"(\d{4})-?M?(\d{2})")


def month(year: int, number: int) -> tuple[date, date]:
    """Return the first and last day of month `number` of `year`."""
    if not 1 <= number <= 12:
        raise PeriodCodeError(f"There is no month {number}.")
    last = calendar.monthrange(year, number)[1]
    return date(year, number, 1), date(year, number, last)


def parse_period_code(code: str) -> tuple[date, date, str]:
    """Return (start, end, frequency) of "2012", "2012-Q1", "2012-M03", "201203"."""
    text = code.strip().upper()
    if match := _ANNUAL.fullmatch(text):
        year = _year(match.group(1), code)
        return date(year, 1, 1), date(year, 12, 31), "A"
    if match := _QUARTER.fullmatch(text):
        year = _year(match.group(1), code)
        quarter = int(match.group(2))
        start = date(year, 3 * quarter - 2, 1)
        return start, month(year, 3 * quarter)[1], "Q"
    if match := _MONTH.fullmatch(text):
        year = _year(match.group(1), code)
        number = int(match.group(2))
        if not 1 <= number <= 12:
            raise PeriodCodeError(f"{code!r}: there is no month {number}.")
        start, end = month(year, number)
        return start, end, "M"
    raise PeriodCodeError(
        f"{code!r} is not a period: write 2012, 2012-Q1, 2012-M03 or 201203."
    )


def comtrade_period(ref_year: object, ref_month: object) -> tuple[date, date, str]:
    """Return the period of a Comtrade record: refMonth 52 is the whole year."""
    if not isinstance(ref_year, int) or isinstance(ref_year, bool):
        raise PeriodCodeError(f"refYear {ref_year!r} is not a year.")
    year = _year(str(ref_year), str(ref_year))
    if ref_month == 52:
        return date(year, 1, 1), date(year, 12, 31), "A"
    if isinstance(ref_month, int) and 1 <= ref_month <= 12:
        start, end = month(year, ref_month)
        return start, end, "M"
    raise PeriodCodeError(f"refMonth {ref_month!r} is neither 1-12 nor 52 (annual).")


def _year(text: str, code: str) -> int:
    year = int(text)
    if not 1900 <= year <= 2199:
        raise PeriodCodeError(f"{code!r}: {year} is not a year of official data.")
    return year


def previous_period(start: date, end: date) -> tuple[date, date]:
    """Return the period a change over start..end is measured against.

    The Iranian year before an Iranian year; the same calendar years shifted back
    for whole calendar years; else the span of the same length just before.
    """
    year = solar_hijri_year_of(start)
    if solar_hijri_year(year) == (start, end):
        return solar_hijri_year(year - 1)
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        years = end.year - start.year + 1
        return date(start.year - years, 1, 1), date(end.year - years, 12, 31)
    length = end - start
    before_end = start - timedelta(days=1)
    return before_end - length, before_end


def solar_hijri_year(year: int) -> tuple[date, date]:
    """Return the first and last day of the Iranian (Solar Hijri) year `year`."""
    period = claims_periods.solar_hijri_year(year)
    return period.start, period.end


def solar_hijri_year_of(day: date) -> int:
    """Return the Iranian year `day` falls in."""
    return claims_periods.solar_hijri_year_of(day)


def days(start: date, end: date) -> int:
    """Return the days from `start` to `end`, both included."""
    return (end - start).days + 1


def overlap_days(a: tuple[date, date], b: tuple[date, date]) -> int:
    """Return how many days two periods share."""
    return max(0, (min(a[1], b[1]) - max(a[0], b[0])).days + 1)


@dataclass(frozen=True)
class Point:
    """An observation as the comparison sees it."""

    start: date
    end: date
    value: Decimal | None
    estimated: bool = False
    preliminary: bool = False
    not_reported: bool = False
    vintage: int = 0

    @property
    def frequency(self) -> str:
        length = days(self.start, self.end)
        if length <= 31:
            return "M"
        if length <= 92:
            return "Q"
        return "A"


@dataclass
class Coverage:
    """What a series says for a claim's period: a value and how it was reached."""

    value: Decimal | None
    points: list[Point] = field(default_factory=list)
    basis: str = ""
    gaps: list[str] = field(default_factory=list)
    exact: bool = True


def cover(start: date, end: date, points: Sequence[Point]) -> Coverage:
    """Return the series' value for start..end from the points, or why there is none.

    Tried in turn: annual, quarterly, then monthly points that tile the period
    exactly; monthly points of the whole months nearest to it (an Iranian year:
    the months whose greater part lies in it); else no value, with the calendar
    years that overlap and by how much.
    """
    by_frequency: dict[str, list[Point]] = {"A": [], "Q": [], "M": []}
    for point in points:
        by_frequency[point.frequency].append(point)
    for frequency in ("A", "Q", "M"):
        tiles = _tiling(start, end, by_frequency[frequency])
        if tiles is not None:
            return _summed(tiles, _basis_exact(frequency, tiles))
    monthly = _nearest_months(start, end, by_frequency["M"])
    if monthly is not None:
        outside = sum(
            days(p.start, p.end) - overlap_days((p.start, p.end), (start, end))
            for p in monthly
        )
        missed = days(start, end) - sum(
            overlap_days((p.start, p.end), (start, end)) for p in monthly
        )
        coverage = _summed(
            monthly,
            f"summed from the {len(monthly)} monthly values "
            f"{monthly[0].start:%Y-%m} to {monthly[-1].start:%Y-%m}, the whole "
            f"months nearest to {start} to {end} ({outside} days outside it, "
            f"{missed} of its days left out)",
        )
        coverage.exact = False
        return coverage
    overlaps = [
        point
        for point in sorted(points, key=lambda p: (p.start, p.end))
        if overlap_days((point.start, point.end), (start, end))
        and point.frequency == "A"
    ]
    total = days(start, end)
    gaps = [
        f"{point.start.year}: {_amount(point.value)} for the calendar year, which "
        f"covers {overlap_days((point.start, point.end), (start, end))} of the "
        f"period's {total} days "
        f"({overlap_days((point.start, point.end), (start, end)) * 100 // total}%)"
        for point in overlaps
    ]
    if not gaps:
        gaps = [f"No observation of this series covers {start} to {end}."]
    return Coverage(value=None, gaps=gaps, exact=False)


def _tiling(start: date, end: date, points: Sequence[Point]) -> list[Point] | None:
    inside = sorted(
        (p for p in points if p.start >= start and p.end <= end),
        key=lambda p: p.start,
    )
    if not inside or inside[0].start != start or inside[-1].end != end:
        return None
    for before, after in pairwise(inside):
        if after.start != before.end + timedelta(days=1):
            return None
    return inside


def _nearest_months(
    start: date, end: date, points: Sequence[Point]
) -> list[Point] | None:
    """Return the points of the months mostly inside start..end, if all are there."""
    if days(start, end) < 28:
        return None
    wanted: list[tuple[date, date]] = []
    year, number = start.year, start.month
    while date(year, number, 1) <= end:
        span = month(year, number)
        if overlap_days(span, (start, end)) * 2 > days(*span):
            wanted.append(span)
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    by_start = {p.start: p for p in points if p.frequency == "M"}
    chosen = [by_start.get(span[0]) for span in wanted]
    if not chosen or any(point is None for point in chosen):
        return None
    return [point for point in chosen if point is not None]


def _summed(points: list[Point], basis: str) -> Coverage:
    missing = [p for p in points if p.value is None]
    if missing:
        return Coverage(
            value=None,
            points=points,
            basis=basis,
            gaps=[f"{p.start} to {p.end}: no value (not reported)" for p in missing],
            exact=False,
        )
    total = sum((p.value for p in points if p.value is not None), Decimal(0))
    return Coverage(value=total, points=points, basis=basis)


def _basis_exact(frequency: str, points: list[Point]) -> str:
    name = {"A": "annual", "Q": "quarterly", "M": "monthly"}[frequency]
    if len(points) == 1:
        return f"the {name} value for {points[0].start} to {points[0].end}"
    return (
        f"the sum of {len(points)} {name} values, {points[0].start} to {points[-1].end}"
    )


def _amount(value: Decimal | None) -> str:
    return "no value" if value is None else f"{value:,.0f}"
