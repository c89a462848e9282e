"""The pure series code: period codes, covering a period, what wording allows."""

from datetime import date
from decimal import Decimal

import pytest

from series.records import compare
from series.records.periods import PeriodCodeError, Point, cover, parse_period_code


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2012", (date(2012, 1, 1), date(2012, 12, 31), "A")),
        ("2012-Q1", (date(2012, 1, 1), date(2012, 3, 31), "Q")),
        ("2012-M02", (date(2012, 2, 1), date(2012, 2, 29), "M")),
        ("201203", (date(2012, 3, 1), date(2012, 3, 31), "M")),
    ],
)
def test_period_codes(code, expected):
    assert parse_period_code(code) == expected


@pytest.mark.parametrize("code", ["2012-13", "2012-Q5", "12", "1850", "last year"])
def test_bad_period_codes_are_refused(code):
    with pytest.raises(PeriodCodeError):
        parse_period_code(code)


@pytest.mark.parametrize(
    ("value", "half"),
    [
        ("1500000000", "50000000"),
        ("1168000000", "500000"),
        ("4000000000", "500000000"),
        ("5300000000", "50000000"),
    ],
)
def test_rounding_is_half_the_last_stated_digit(value, half):
    assert compare.rounding(Decimal(value)) == Decimal(half)


def test_a_quarter_is_covered_by_three_months():
    # Values made up for the test.
    months = [
        Point(date(2012, m, 1), parse_period_code(f"2012-M{m:02d}")[1], Decimal(10))
        for m in (1, 2, 3)
    ]
    coverage = cover(date(2012, 1, 1), date(2012, 3, 31), months)
    assert coverage.value == Decimal(30)
    assert coverage.exact


def test_a_missing_month_leaves_no_figure():
    months = [
        Point(date(2012, m, 1), parse_period_code(f"2012-M{m:02d}")[1], Decimal(10))
        for m in (1, 3)
    ]
    coverage = cover(date(2012, 1, 1), date(2012, 3, 31), months)
    assert coverage.value is None


def test_the_iranian_calendar_note_names_the_year():
    note = compare.calendar_note(date(2013, 3, 21), date(2014, 3, 20), "x", True)
    assert "the Iranian year 1392" in note
    assert compare.calendar_note(date(2013, 1, 1), date(2013, 12, 31), "x", True) == ""
