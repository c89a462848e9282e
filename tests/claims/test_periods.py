import re
from datetime import date

import pytest

from claims.figures.periods import (
    Period,
    PeriodParseError,
    calendar_year,
    parse_period,
    solar_hijri_year,
    solar_hijri_year_of,
    year_range,
    years_leading_up_to,
)

BLOG_DATE = date(2013, 4, 23)


def test_calendar_year_runs_from_january_to_december():
    assert calendar_year(2013) == Period(date(2013, 1, 1), date(2013, 12, 31), "2013")


def test_year_range_includes_both_years():
    period = year_range(2007, 2009)
    assert (period.start, period.end) == (date(2007, 1, 1), date(2009, 12, 31))


def test_year_range_that_ends_before_it_starts_is_refused():
    with pytest.raises(PeriodParseError, match="ends before it starts"):
        year_range(2009, 2007)


def test_years_leading_up_to_a_year_do_not_include_that_year():
    period = years_leading_up_to(4, 2013)
    assert (period.start, period.end) == (date(2009, 1, 1), date(2012, 12, 31))


def test_period_that_ends_before_it_starts_cannot_be_built():
    with pytest.raises(PeriodParseError, match="ends"):
        Period(date(2013, 1, 2), date(2013, 1, 1), "backwards")


@pytest.mark.parametrize(
    ("year", "start", "end"),
    [
        (1390, date(2011, 3, 21), date(2012, 3, 19)),
        (1391, date(2012, 3, 20), date(2013, 3, 20)),
        (1392, date(2013, 3, 21), date(2014, 3, 20)),
        (1403, date(2024, 3, 20), date(2025, 3, 20)),
    ],
)
def test_solar_hijri_year_runs_nowruz_to_nowruz(year, start, end):
    period = solar_hijri_year(year)
    assert (period.start, period.end) == (start, end)
    assert period.label == f"Iranian calendar year {year}"


def test_solar_hijri_leap_year_has_366_days_and_ordinary_year_365():
    leap, ordinary = solar_hijri_year(1391), solar_hijri_year(1392)
    assert (leap.end - leap.start).days + 1 == 366  # 30 Esfand 1391 = 2013-03-20
    assert (ordinary.end - ordinary.start).days + 1 == 365


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2013, 3, 20), 1391),  # 30 Esfand, the leap day
        (date(2013, 3, 21), 1392),  # Nowruz
        (date(2013, 4, 23), 1392),
        (date(2012, 3, 19), 1390),
        (date(2012, 3, 20), 1391),
    ],
)
def test_solar_hijri_year_of_a_day(day, year):
    assert solar_hijri_year_of(day) == year


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2013", date(2013, 1, 1), date(2013, 12, 31)),
        ("in 2013", date(2013, 1, 1), date(2013, 12, 31)),
        ("the year 2012", date(2012, 1, 1), date(2012, 12, 31)),
        ("from 2007 to 2009", date(2007, 1, 1), date(2009, 12, 31)),
        ("2007-2009", date(2007, 1, 1), date(2009, 12, 31)),
        ("2007–2009", date(2007, 1, 1), date(2009, 12, 31)),
        ("between 2007 and 2009", date(2007, 1, 1), date(2009, 12, 31)),
        ("the four years leading up to 2013", date(2009, 1, 1), date(2012, 12, 31)),
        ("the 3 years before 2013", date(2010, 1, 1), date(2012, 12, 31)),
        ("Iranian calendar year 1390", date(2011, 3, 21), date(2012, 3, 19)),
        ("the Iranian year 1391", date(2012, 3, 20), date(2013, 3, 20)),
        ("1390 (Iranian calendar)", date(2011, 3, 21), date(2012, 3, 19)),
        ("1392 SH", date(2013, 3, 21), date(2014, 3, 20)),
    ],
)
def test_absolute_period_labels(label, start, end):
    period = parse_period(label)
    assert (period.start, period.end) == (start, end)
    assert period.label == label
    assert period.resolution == ""


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("last year", date(2012, 1, 1), date(2012, 12, 31)),
        ("the past year", date(2012, 1, 1), date(2012, 12, 31)),
        ("this year", date(2013, 1, 1), date(2013, 12, 31)),
        ("next year", date(2014, 1, 1), date(2014, 12, 31)),
        ("past Iranian calendar year", date(2012, 3, 20), date(2013, 3, 20)),
        ("last Iranian calendar year", date(2012, 3, 20), date(2013, 3, 20)),
        ("in the past Iranian calendar year", date(2012, 3, 20), date(2013, 3, 20)),
        ("this Iranian year", date(2013, 3, 21), date(2014, 3, 20)),
    ],
)
def test_relative_labels_resolve_against_the_claim_date(label, start, end):
    period = parse_period(label, reference=BLOG_DATE)
    assert (period.start, period.end) == (start, end)
    assert period.label == label


def test_past_iranian_year_resolution_says_how_it_was_read():
    period = parse_period("past Iranian calendar year", reference=BLOG_DATE)
    assert period.resolution == (
        "'past Iranian calendar year' resolved against the claim date 2013-04-23 as "
        "the Iranian year 1391 (2012-03-20 to 2013-03-20)"
    )


def test_plain_last_year_is_gregorian_and_asks_an_editor_to_check():
    period = parse_period("last year", reference=BLOG_DATE)
    assert "the calendar year 2012 (2012-01-01 to 2012-12-31)" in period.resolution
    assert "editor should check" in period.resolution
    assert "the Iranian year 1391 (2012-03-20 to 2013-03-20)" in period.resolution


def test_relative_label_resolves_against_the_claim_date_not_today():
    period = parse_period("last Iranian calendar year", reference=date(2014, 1, 1))
    assert (period.start, period.end) == (date(2012, 3, 20), date(2013, 3, 20))


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("lately", "Could not read the period 'lately'"),
        ("2009 to 2007", "ends before it starts"),
        ("1390", "looks like an Iranian year"),
        ("between 1389 and 1391", "looks like an Iranian year"),
        ("3013", "not a year"),
        ("the many years leading up to 2013", "how many years"),
        ("the 0 years leading up to 2013", "Cannot take 0 years"),
        ("Q3 2013", "Could not read"),
    ],
)
def test_unreadable_period_is_refused_with_a_reason(label, message):
    with pytest.raises(PeriodParseError, match=re.escape(message)):
        parse_period(label, reference=BLOG_DATE)


@pytest.mark.parametrize("label", ["last year", "past Iranian calendar year"])
def test_relative_label_without_a_claim_date_is_refused(label):
    with pytest.raises(PeriodParseError, match="relative: give the claim's date"):
        parse_period(label)


def test_period_parse_error_is_a_value_error():
    with pytest.raises(ValueError, match="Could not read the period 'lately'"):
        parse_period("lately")
