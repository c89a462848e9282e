import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from claims.figures import quantities
from claims.figures.formatting import format_figure
from claims.figures.quantities import (
    AmountParseError,
    ParsedAmount,
    find_amounts,
    implied_previous_value,
    parse_amount,
    parse_change,
)
from tests.regex_work import regex_work

D = Decimal
LITTLE_MORE = "a little more than"

# text, value, unit, comparator, value_upper, qualifier, per
AMOUNTS = [
    # The examples the figures in our sources are written as.
    ("$1.5 billion", D("1500000000"), "USD", "exact", None, "", ""),
    ("four billion dollars", D("4000000000"), "USD", "exact", None, "", ""),
    ("5.3 billion dollars", D("5300000000"), "USD", "exact", None, "", ""),
    ("close to 40-percent", D("40"), "percent", "approximately", None, "", ""),
    ("more than 12,000 cars", D("12000"), "cars", "more_than", None, "", ""),
    ("$13,000 to $16,000", D("13000"), "USD", "range", D("16000"), "", ""),
    (
        "hardly passed 3 billion dollars",
        D("3000000000"),
        "USD",
        "approximately",
        None,
        LITTLE_MORE,
        "",
    ),
    (
        "more than one million cars per year",
        D("1000000"),
        "cars",
        "more_than",
        None,
        "",
        "year",
    ),
    # Comparator words.
    ("about $2 billion", D("2000000000"), "USD", "approximately", None, "", ""),
    ("around 5%", D("5"), "percent", "approximately", None, "", ""),
    ("roughly 300 euros", D("300"), "EUR", "approximately", None, "", ""),
    (
        "nearly 5 m barrels a day",
        D("5000000"),
        "barrels",
        "approximately",
        None,
        "",
        "day",
    ),
    ("almost 90 percent", D("90"), "percent", "approximately", None, "", ""),
    ("some 170 delegations", D("170"), "delegations", "approximately", None, "", ""),
    ("approximately 7 per cent", D("7"), "percent", "approximately", None, "", ""),
    ("an estimated 2,000 people", D("2000"), "people", "approximately", None, "", ""),
    ("over 1,390 cars", D("1390"), "cars", "more_than", None, "", ""),
    ("above 3%", D("3"), "percent", "more_than", None, "", ""),
    ("exceeding $1 trillion", D("1000000000000"), "USD", "more_than", None, "", ""),
    ("at least 5%", D("5"), "percent", "more_than", None, "", ""),
    ("3 billion dollars or more", D("3000000000"), "USD", "more_than", None, "", ""),
    ("12,000-plus cars", D("12000"), "cars", "more_than", None, "", ""),
    ("less than 1 percent", D("1"), "percent", "less_than", None, "", ""),
    ("under £50m", D("50000000"), "GBP", "less_than", None, "", ""),
    ("below 2.5%", D("2.5"), "percent", "less_than", None, "", ""),
    ("fewer than 300 trucks", D("300"), "trucks", "less_than", None, "", ""),
    ("up to 20 percent", D("20"), "percent", "less_than", None, "", ""),
    ("just over $4bn", D("4000000000"), "USD", "approximately", None, LITTLE_MORE, ""),
    (
        "slightly more than 2%",
        D("2"),
        "percent",
        "approximately",
        None,
        LITTLE_MORE,
        "",
    ),
    (
        "barely exceeded 1 billion euros",
        D("1000000000"),
        "EUR",
        "approximately",
        None,
        LITTLE_MORE,
        "",
    ),
    (
        "just under 3 million tonnes",
        D("3000000"),
        "tonnes",
        "approximately",
        None,
        "a little less than",
        "",
    ),
    # Ranges.
    ("13,000 to 16,000 dollars", D("13000"), "USD", "range", D("16000"), "", ""),
    ("40-50%", D("40"), "percent", "range", D("50"), "", ""),
    (
        "between 3 and 4 billion dollars",
        D("3000000000"),
        "USD",
        "range",
        D("4000000000"),
        "",
        "",
    ),
    ("from 10% to 12%", D("10"), "percent", "range", D("12"), "", ""),
    ("1500 to 2000 cars", D("1500"), "cars", "range", D("2000"), "", ""),
    (
        "about 3 to 4 billion dollars",
        D("3000000000"),
        "USD",
        "range",
        D("4000000000"),
        "approximately",
        "",
    ),
    # Currencies, always as ISO 4217 codes.
    ("US$2.5bn", D("2500000000"), "USD", "exact", None, "", ""),
    ("USD 5 million", D("5000000"), "USD", "exact", None, "", ""),
    ("€5bn", D("5000000000"), "EUR", "exact", None, "", ""),
    ("£3m", D("3000000"), "GBP", "exact", None, "", ""),
    ("20 pounds", D("20"), "GBP", "exact", None, "", ""),
    ("3.5 trillion rials", D("3500000000000"), "IRR", "exact", None, "", ""),
    ("100 roubles", D("100"), "RUB", "exact", None, "", ""),
    ("250 rubles", D("250"), "RUB", "exact", None, "", ""),
    ("5 yuan", D("5"), "CNY", "exact", None, "", ""),
    ("10 lira", D("10"), "TRY", "exact", None, "", ""),
    ("7 EUR", D("7"), "EUR", "exact", None, "", ""),
    ("a 1.5-billion-dollar deal", D("1500000000"), "USD", "exact", None, "", ""),
    ("5 yen", D("5"), "JPY", "exact", None, "", ""),  # from quantulum3's table
    ("15 swiss francs", D("15"), "CHF", "exact", None, "", ""),
    # Percent and percentage points.
    ("3 percentage points", D("3"), "percentage points", "exact", None, "", ""),
    ("0.5%", D("0.5"), "percent", "exact", None, "", ""),
    ("twenty-five percent", D("25"), "percent", "exact", None, "", ""),
    # Counts, scales and number words.
    ("170 delegations", D("170"), "delegations", "exact", None, "", ""),
    ("one car", D("1"), "cars", "exact", None, "", ""),
    ("a dozen tankers", D("12"), "tankers", "exact", None, "", ""),
    ("one hundred and five cars", D("105"), "cars", "exact", None, "", ""),
    ("a million cars", D("1000000"), "cars", "exact", None, "", ""),
    ("5k cars", D("5000"), "cars", "exact", None, "", ""),
    ("12,000 Iranian cars", D("12000"), "cars", "exact", None, "", ""),
    ("2000 cars", D("2000"), "cars", "exact", None, "", ""),
    ("10 real problems", D("10"), "problems", "exact", None, "", ""),  # not BRL
    ("5 million euros annually", D("5000000"), "EUR", "exact", None, "", "year"),
    ("$5.3 billion (approx.)", D("5300000000"), "USD", "approximately", None, "", ""),
]


@pytest.mark.parametrize(
    ("text", "value", "unit", "comparator", "value_upper", "qualifier", "per"), AMOUNTS
)
def test_amount_is_parsed_exactly(
    text, value, unit, comparator, value_upper, qualifier, per
):
    amount = parse_amount(text)
    assert (amount.value, amount.unit, amount.comparator) == (value, unit, comparator)
    assert amount.value_upper == value_upper
    assert (amount.qualifier, amount.per) == (qualifier, per)


@pytest.mark.parametrize(
    ("text", "digits"),
    [("5.3 billion dollars", "5300000000"), ("$0.75", "0.75"), ("€5bn", "5000000000")],
)
def test_value_is_a_decimal_built_from_the_digits_not_a_float(text, digits):
    value = parse_amount(text).value
    assert isinstance(value, Decimal)
    assert str(value) == digits


def test_surface_is_the_amount_as_written():
    amount = parse_amount("Iran-Khodro exported more than 12,000 cars to Russia")
    assert amount.surface == "more than 12,000 cars"


def test_figure_without_a_unit_takes_the_default_unit():
    amount = parse_amount("2.78 million", default_unit="USD")
    assert (amount.value, amount.unit, amount.comparator) == (
        D("2780000"),
        "USD",
        "exact",
    )


def test_year_beside_an_amount_is_not_a_second_amount():
    amount = parse_amount("$5.3 billion in 2013")
    assert (amount.value, amount.surface) == (D("5300000000"), "$5.3 billion")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("lots of money", "Could not find a number"),
        ("$", "Could not find a number"),
        ("12 apples and 4 pears", "Found 2 amounts"),
        ("2.78 million", "no unit"),
        ("3 billion", "no unit"),
        ("in 2013", "reads as a year"),
        ("2013", "reads as a year, not an amount; write '2,013' if it is a count"),
        ("2007 to 2009", "reads as a year"),
        ("¥5 billion", "yen (JPY) or yuan (CNY)"),
        ("$5 euros", "two currencies"),
        ("four twenty cars", "number words"),
        ("$16,000 to $13,000", "Found 2 amounts"),
        ("fell from $5.3 billion to $2 billion", "Found 2 amounts"),
        ("1,5 million dollars", "Could not find a number"),
        ("23.04.2013", "Could not find a number"),
        ("COVID-19", "Could not find a number"),
        ("the 1990s", "Could not find a number"),
        ("5 plus 3 cars", "Found 2 amounts"),
    ],
)
def test_unreadable_amount_is_refused_with_a_reason(text, message):
    with pytest.raises(AmountParseError, match=re.escape(message)):
        parse_amount(text)


def test_amount_parse_error_is_a_value_error():
    with pytest.raises(ValueError, match="Could not find a number"):
        parse_amount("lots of money")


@pytest.mark.parametrize(
    ("value", "unit", "comparator", "value_upper"),
    [
        (D("5300000000"), "USD", "approximately", None),
        (D("12000"), "cars", "more_than", None),
        (D("40"), "percent", "exact", None),
        (D("13000"), "USD", "range", D("16000")),
        (D("7"), "EUR", "less_than", None),
    ],
)
def test_what_the_formatter_writes_parses_back(value, unit, comparator, value_upper):
    amount = parse_amount(format_figure(value, unit, comparator, value_upper))
    assert (amount.value, amount.unit) == (value, unit)
    assert (amount.comparator, amount.value_upper) == (comparator, value_upper)


def test_find_amounts_ignores_years():
    text = "Iran-Khodro exported more than 12,000 cars to Russia from 2007 to 2009"
    found = find_amounts(text)
    assert len(found) == 1
    start, end, amount = found[0]
    assert text[start:end] == "more than 12,000 cars"
    assert (amount.value, amount.unit, amount.comparator) == (
        D("12000"),
        "cars",
        "more_than",
    )


def test_find_amounts_gives_every_amount_with_its_span():
    text = (
        "Trade hardly passed 3 billion dollars in 2012, down from $4 billion in 2011; "
        "between 2007 and 2009 some 170 delegations came."
    )
    found = find_amounts(text)
    assert [text[start:end] for start, end, _ in found] == [
        "hardly passed 3 billion dollars",
        "$4 billion",
        "some 170 delegations",
    ]
    assert [amount.value for _, _, amount in found] == [
        D("3000000000"),
        D("4000000000"),
        D("170"),
    ]


def test_find_amounts_skips_dates_durations_and_bare_numbers():
    text = (
        "On 23.04.2013 the four years leading up to 2013 were reviewed by one of "
        "12 ministers, 40% of them new."
    )
    found = find_amounts(text)
    assert [(amount.value, amount.unit) for _, _, amount in found] == [
        (D("12"), "ministers"),
        (D("40"), "percent"),
    ]


def test_find_amounts_reads_bare_numbers_with_a_default_unit():
    found = find_amounts("Exports reached 2.78 million in 2012.", default_unit="USD")
    assert [(amount.value, amount.unit) for _, _, amount in found] == [
        (D("2780000"), "USD")
    ]


def test_find_amounts_does_not_take_a_bare_year_for_a_default_unit_amount():
    found = find_amounts("2013 was a good year: 2.78 million.", default_unit="USD")
    assert [amount.surface for _, _, amount in found] == ["2.78 million"]


def test_find_amounts_on_text_without_amounts_is_empty():
    assert find_amounts("Lots of money changed hands in 2013.") == []


def figure_clauses(count: int) -> str:
    """Return `count` clauses with years, ranges, changes and dates, no full stop."""
    clauses = [
        "in {year} exports rose from ${n} billion to ${m} billion",
        "between {year} and {next} there were {n},{m}00 cars",
        "prices went up to {n} percent",
        "on 23.04.{year} some {n} delegations came",
        "about {n} to {m} percent of {year} workers",
    ]
    return ", ".join(
        clauses[i % len(clauses)].format(
            year=1990 + i % 30, next=1991 + i % 30, n=i % 9 + 1, m=i % 9 + 3
        )
        for i in range(count)
    )


def test_find_amounts_on_a_text_twice_as_long_reads_twice_as_much(monkeypatch):
    # The characters the regular expressions read are counted, not timed: a search
    # of the whole text before every number reads four times as much when it doubles.
    work = regex_work(monkeypatch, quantities)
    text = figure_clauses(200)  # 9 KB without a full stop

    find_amounts(text)
    once = work.characters
    work.reset()
    find_amounts(f"{text}, {text}")
    twice = work.characters

    assert twice <= 2 * once + 1_000  # the words read across the join


def test_find_amounts_reads_a_text_twice_over_as_it_reads_it_once():
    text = figure_clauses(600)  # 27 KB: the words before each number are read
    found = find_amounts(text)  # near it, wherever it is in the text
    shift = len(text) + 2

    twice = find_amounts(f"{text}, {text}")

    assert len(found) > 600
    assert twice == found + [
        (start + shift, end + shift, amount) for start, end, amount in found
    ]


BLOG_SENTENCE = (
    "Iran-Russia trade saw a close to 40-percent drop in the past Iranian calendar "
    "year to hit a bottom low of 2 billion dollars"
)


def test_change_reads_percent_direction_and_the_amount_reached():
    change = parse_change(BLOG_SENTENCE)
    assert (change.percent, change.direction, change.comparator) == (
        D("40"),
        "drop",
        "approximately",
    )
    assert change.to_amount is not None
    assert (change.to_amount.value, change.to_amount.unit) == (D("2000000000"), "USD")


def test_implied_previous_value_undoes_a_drop():
    previous = implied_previous_value(parse_change(BLOG_SENTENCE))
    assert previous.quantize(D("0.01")) == D("3333333333.33")


@pytest.mark.parametrize(
    ("text", "percent", "direction", "to_value", "previous"),
    [
        (
            "trade fell 40 percent to $2 billion",
            D("40"),
            "drop",
            D("2e9"),
            D("3333333333"),
        ),
        ("a 25% rise to 5 billion dollars", D("25"), "rise", D("5e9"), D("4000000000")),
        (
            "exports dropped by 10% to 12,000 cars",
            D("10"),
            "drop",
            D("12000"),
            D("13333"),
        ),
        ("up 50% to $3bn", D("50"), "rise", D("3e9"), D("2000000000")),
    ],
)
def test_change_phrases(text, percent, direction, to_value, previous):
    change = parse_change(text)
    assert (change.percent, change.direction) == (percent, direction)
    assert change.to_amount is not None
    assert change.to_amount.value == to_value
    assert implied_previous_value(change).quantize(D("1")) == previous


def test_change_without_a_direction_is_refused():
    with pytest.raises(AmountParseError, match="drop or a rise"):
        parse_change("40 percent of cars")


def test_change_without_a_percentage_is_refused():
    with pytest.raises(AmountParseError, match="percentage change"):
        parse_change("trade fell to $2 billion")


def test_previous_value_needs_the_amount_reached():
    with pytest.raises(ValueError, match="what amount"):
        implied_previous_value(parse_change("a close to 40-percent drop"))


def test_previous_value_of_a_total_drop_is_refused():
    with pytest.raises(ValueError, match="nothing to divide by"):
        implied_previous_value(parse_change("a 100% drop to $0"))


def test_parsed_amount_is_immutable():
    amount = parse_amount("$1.5 billion")
    assert isinstance(amount, ParsedAmount)
    with pytest.raises(AttributeError):
        amount.value = D("1")


def test_quantulum3_classifier_warning_is_not_shown():
    # In a fresh interpreter, so quantulum3 is imported here and not by an earlier test;
    # -W error turns the warning, if it escaped, into a failure.
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-c",
            "from claims.figures.quantities import parse_amount; parse_amount('5 yen')",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_add_up_to_states_a_total_not_a_cap():
    [(_, _, amount)] = find_amounts(
        "trade between Moscow and Beijing adds up to 100 billion dollars a year"
    )
    assert (amount.value, amount.unit, amount.comparator) == (
        Decimal("100000000000"),
        "USD",
        "exact",
    )
    assert parse_amount("up to 100 billion dollars").comparator == "less_than"
