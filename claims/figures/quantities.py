"""Read the figures news text states: "$5.3 billion", "close to 40-percent", ...

(The phrase tables the scanner reads are in claims.figures.phrases. The rest is
more than 600 lines on purpose: the scanner's steps share the patterns and the
item types of one parser, read and changed together.)

`parse_amount` reads one amount phrase and refuses, with an `AmountParseError`, whatever
it cannot read without guessing; `find_amounts` finds every amount in a sentence;
`parse_change` reads "a close to 40-percent drop ... to 2 billion dollars". Values are
`Decimal` in base units end to end: 5.3 billion is built from the digits "5.3" and
10**9, never from a float. `claims.figures.format_figure` writes them back.

quantulum3 supplies the English number words and the names of currencies beyond the
ones listed here. Its `parser.parse` is not used: on news text it reads "$5.3bn" as
dollar-barn-newton, "$5m" as dollar-metre, "5k" as kelvin, drops "rials" and "lira",
returns "$13,000 to $16,000" as 14,500 plus or minus 1,500, garbles "between 3 and 4
billion dollars", misses "one car", and gives floats. Its tables load lazily: the
import costs about 0.07 s, the first currency lookup about 2.5 s more (it imports
inflect), once per process.

`find_amounts` takes time linear in the length of its text: the words before a number
("between", "in", "fell from") are read in the `_LOOK_BEHIND` characters before it,
never by searching the whole text before each number.
"""

import dataclasses
import functools
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .phrases import (
    _AMBIGUOUS_PREFIXES,
    _CHANGE_VERB,
    _COMPARATOR_PHRASES,
    _CURRENCY_WORDS,
    _DATE_WORDS,
    _DROP_WORDS,
    _IRREGULAR_PLURALS,
    _ISO_CODES,
    _LOOK_BEHIND,
    _NOT_COUNT_NOUNS,
    _NOT_CURRENCY_WORDS,
    _PER,
    _PREFIX_CURRENCIES,
    _REACHED_BEFORE_UP_TO,
    _RISE_WORDS,
    _SCALES,
    _TRAILING_COMPARATORS,
    A_LITTLE_LESS,
    A_LITTLE_MORE,
    APPROXIMATELY,
    EXACT,
    LESS_THAN,
    MORE_THAN,
    RANGE,
    UNIT_MAX_LENGTH,
)

# The comparators and the unit length are read from here by the models and the API.
__all__ = [
    "APPROXIMATELY",
    "A_LITTLE_LESS",
    "A_LITTLE_MORE",
    "EXACT",
    "LESS_THAN",
    "MORE_THAN",
    "RANGE",
    "UNIT_MAX_LENGTH",
    "AmountParseError",
    "ParsedAmount",
    "ParsedChange",
    "find_amounts",
    "implied_previous_value",
    "parse_amount",
    "parse_change",
]


class AmountParseError(ValueError):
    """Say which amount could not be read, and why."""


@dataclass(frozen=True)
class ParsedAmount:
    """An amount read from text, in base units, ready to store as a claim's figure."""

    value: Decimal
    unit: str
    comparator: str
    value_upper: Decimal | None
    surface: str
    qualifier: str = ""
    per: str = ""


@dataclass(frozen=True)
class ParsedChange:
    """A relative change read from text: "a close to 40-percent drop to $2 billion"."""

    percent: Decimal
    direction: str
    comparator: str
    to_amount: ParsedAmount | None


@dataclass(frozen=True)
class _Number:
    start: int
    end: int
    value: Decimal
    scale: int  # the power of ten of a trailing scale word, 0 when there is none
    currency: str  # from a prefix such as "$"
    is_plain_year: bool  # four bare digits in 1000..2199 with no prefix or scale
    problem: str


@dataclass(frozen=True)
class _Item:
    start: int
    end: int
    amount: ParsedAmount | None  # None for a year or when `problem` says why not
    is_year: bool = False
    problem: str = ""


def parse_amount(text: str, *, default_unit: str = "") -> ParsedAmount:
    """Return the one amount `text` states; raise AmountParseError if it is unclear."""
    if not text or not text.strip():
        raise AmountParseError("No amount given: the text is empty.")
    items = _scan(text)
    if not items:
        raise AmountParseError(f"Could not find a number in {text.strip()!r}.")
    amounts = [item for item in items if not item.is_year]
    if not amounts:
        year = text[items[0].start : items[0].end]
        hint = (
            f"; write '{year[0]},{year[1:]}' if it is a count" if year.isdigit() else ""
        )
        raise AmountParseError(f"{year!r} reads as a year, not an amount{hint}.")
    if len(amounts) > 1:
        found = ", ".join(repr(text[item.start : item.end]) for item in amounts)
        raise AmountParseError(
            f"Found {len(amounts)} amounts in {text.strip()!r} ({found}); "
            "give one amount at a time."
        )
    item = amounts[0]
    if item.problem:
        raise AmountParseError(item.problem)
    if item.amount is None:  # a parsed item has an amount or a problem
        raise AmountParseError("No amount found.")
    if item.amount.unit:
        return item.amount
    if default_unit:
        return dataclasses.replace(item.amount, unit=default_unit)
    raise AmountParseError(
        f"{item.amount.surface!r} has no unit: write a currency, 'percent' or what is "
        "counted ('cars'), or pass default_unit."
    )


def find_amounts(
    text: str, *, default_unit: str = ""
) -> list[tuple[int, int, ParsedAmount]]:
    """Return every amount in `text` with its (start, end) span, skipping years."""
    found = []
    for item in _scan(text):
        if item.is_year or item.problem or item.amount is None:
            continue
        amount = item.amount
        if not amount.unit:
            if not default_unit:
                continue
            amount = dataclasses.replace(amount, unit=default_unit)
        found.append((item.start, item.end, amount))
    return found


def parse_change(text: str) -> ParsedChange:
    """Return the percentage change `text` states and the amount it changed to."""
    amounts = find_amounts(text)
    percents = [
        (start, end, amount)
        for start, end, amount in amounts
        if amount.unit == "percent" and amount.comparator != RANGE
    ]
    if not percents:
        raise AmountParseError(f"Could not find a percentage change in {text!r}.")
    start, end, change = percents[0]
    after = re.match(
        rf"[ \t-]*(?:[a-z]+[ \t]+)?({_DROP_WORDS}|{_RISE_WORDS})\b",
        text[end:],
        re.IGNORECASE,
    )
    before = re.search(
        rf"\b({_DROP_WORDS}|{_RISE_WORDS})(?:[ \t]+(?:of|by))?[ \t]+(?:a[ \t]+)?$",
        text[:start],
        re.IGNORECASE,
    )
    direction_word = after or before
    if direction_word is None:
        raise AmountParseError(
            f"{change.surface!r} in {text!r} is not said to be a drop or a rise."
        )
    is_drop = re.fullmatch(_DROP_WORDS, direction_word.group(1), re.IGNORECASE)
    direction = "drop" if is_drop else "rise"
    to_amount = next(
        (
            amount
            for begin, _, amount in amounts
            if begin >= end and amount.unit != "percent"
        ),
        None,
    )
    return ParsedChange(
        percent=change.value,
        direction=direction,
        comparator=change.comparator,
        to_amount=to_amount,
    )


def implied_previous_value(change: ParsedChange) -> Decimal:
    """Return the value before the change: $2 billion after a 40% drop was $3.33bn."""
    # Unrounded (28 significant digits): the caller rounds. The result is as
    # approximate as the change's comparator says.
    if change.to_amount is None:
        raise ValueError("The change does not say what amount it led to.")
    if change.to_amount.comparator == RANGE:
        raise ValueError("The change led to a range; give a single amount.")
    fraction = change.percent / 100
    factor = 1 - fraction if change.direction == "drop" else 1 + fraction
    if factor <= 0:
        raise ValueError(f"A drop of {change.percent}% leaves nothing to divide by.")
    return change.to_amount.value / factor


@functools.cache
def _quantulum() -> Any:
    # quantulum3's parser warns at import that its optional scikit-learn classifier
    # (which disambiguates units we do not ask it about) is missing. The modules used
    # here do not import the parser today; the guard keeps the warning out if they do.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="Classifier dependencies not installed",
            category=UserWarning,
        )
        from quantulum3 import load
        from quantulum3 import regex as quantulum_regex
    return load, quantulum_regex


@functools.cache
def _number_words() -> dict[str, tuple[int, int]]:
    """Return English number words as word -> (scale, increment), in integers."""
    _, quantulum_regex = _quantulum()
    words: dict[str, tuple[int, int]] = {}
    for value, word in enumerate(quantulum_regex.units("en_US")):
        if word:
            words[word] = (1, value)
    for value, word in enumerate(quantulum_regex.tens("en_US")):
        if word:
            words[word] = (1, value * 10)
    for index, word in enumerate(quantulum_regex.scales("en_US")):
        words[word] = (10 ** (index * 3 or 2), 0)
    words["dozen"] = (12, 0)
    return words


@functools.cache
def _quantulum_currencies() -> dict[str, str]:
    """Return quantulum3's currency names (lowercase) that name one ISO 4217 code."""
    load, _ = _quantulum()
    surfaces = load.units("en_US").surfaces_lower
    currencies = {}
    for name, units in surfaces.items():
        codes = {unit.currency_code for unit in units if unit.currency_code}
        if len(codes) == 1 and name not in _NOT_CURRENCY_WORDS:
            currencies[name] = codes.pop()
    return currencies


def _phrase_pattern(phrases: Iterable[str]) -> str:
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(phrase).replace(r"\ ", r"[ \t]+") for phrase in ordered)


@dataclass(frozen=True)
class _Patterns:
    number: re.Pattern[str]
    dates: re.Pattern[str]
    money_or_percent: re.Pattern[str]
    range_separator: re.Pattern[str]
    per: re.Pattern[str]
    trailing_comparator: re.Pattern[str]
    comparator: re.Pattern[str]
    date_word: re.Pattern[str]
    between_or_from: re.Pattern[str]
    change_verb_before_from: re.Pattern[str]
    word: re.Pattern[str]
    plus: re.Pattern[str]


@functools.cache
def _patterns() -> _Patterns:
    number_words = _number_words()
    scale_words = [w for w, (scale, _) in number_words.items() if scale >= 12]
    first_words = [w for w, (scale, _) in number_words.items() if scale == 1]
    any_word = "|".join(sorted(number_words, key=len, reverse=True))
    # "and" joins number words only after a scale word: "one hundred and five", but
    # "between three and four billion" is two numbers.
    after_scale = "|".join(f"(?<={word})" for word in scale_words)
    next_word = rf"(?:[ \t]+|-)(?:{any_word})\b"
    and_word = rf"(?:{after_scale})[ \t]+and[ \t]+(?:{any_word})\b"
    words = (
        rf"(?:\b(?:a|an)[ \t]+(?:{'|'.join(scale_words)})\b"
        rf"|\b(?:{'|'.join(sorted(first_words, key=len, reverse=True))})\b)"
        rf"(?:{next_word}|{and_word})*"
    )
    prefixes = _phrase_pattern([*_PREFIX_CURRENCIES, *_AMBIGUOUS_PREFIXES])
    codes = "|".join(sorted(_ISO_CODES))
    number = rf"""
        (?<![\w.,])(?<![A-Za-z]-)
        (?:(?P<prefix>(?-i:{prefixes})|(?-i:{codes})(?=[ \t]?\d))[ \t]?)?
        (?:
            (?P<digits>(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?)
            (?:[ \t-]*(?P<scale>{"|".join(_SCALES)})\b)?
            (?![\w]|[.,]\d)
          | (?P<words>{words})
        )
    """
    percent = r"%|percent|per[ \t]*cent|pct"
    money_or_percent = rf"""
        [ \t-]*(?:
            (?P<points>percentage[ \t]+points?|per[ \t]*cent(?:age)?[ \t]+points?
                |%[ \t]*points?)(?![A-Za-z])
          | (?P<percent>{percent})(?![A-Za-z])
          | (?P<currency>{_phrase_pattern(_CURRENCY_WORDS)})(?![A-Za-z])
          | (?P<code>(?-i:{codes}))(?![A-Za-z])
        )
    """
    comparator = rf"(?<![\w])(?P<phrase>{_phrase_pattern(_COMPARATOR_PHRASES)})[ \t]+$"
    return _Patterns(
        number=re.compile(number, re.IGNORECASE | re.VERBOSE),
        dates=re.compile(
            r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{1,2}:\d{2}\b"
        ),
        money_or_percent=re.compile(money_or_percent, re.IGNORECASE | re.VERBOSE),
        range_separator=re.compile(
            r"[ \t]*(?P<separator>to|through|and|-|–|—)[ \t]*", re.IGNORECASE
        ),
        per=re.compile(
            r"[ \t]+(?:per|a|an|each|every)[ \t]+"
            r"(?P<per>year|annum|month|week|day|quarter)\b"
            r"|[ \t]*/[ \t]*(?P<slash>year|yr|month|week|day)\b"
            r"|,?[ \t]+(?P<adverb>annually|yearly|monthly|weekly|daily|quarterly)\b",
            re.IGNORECASE,
        ),
        trailing_comparator=re.compile(
            rf"[ \t]+or[ \t]+(?P<word>{'|'.join(_TRAILING_COMPARATORS)})\b"
            r"|[ \t]*\((?P<approx>approx\.?|approximately)\)",
            re.IGNORECASE,
        ),
        comparator=re.compile(comparator, re.IGNORECASE),
        date_word=re.compile(
            rf"(?<![\w])(?:{'|'.join(_DATE_WORDS)})[ \t]+$", re.IGNORECASE
        ),
        between_or_from=re.compile(
            r"(?<![\w])(?P<word>between|from)[ \t]+$", re.IGNORECASE
        ),
        change_verb_before_from=re.compile(
            rf"(?<![\w]){_CHANGE_VERB}(?:[ \t]+\w+){{0,2}}[ \t]+from[ \t]+$",
            re.IGNORECASE,
        ),
        word=re.compile(r"[ \t]+(?P<word>[A-Za-z][A-Za-z'’-]*)"),
        plus=re.compile(r"(?:[ \t]*-?[ \t]*plus\b|\+)(?![ \t]*\d)", re.IGNORECASE),
    )


def _scan(text: str) -> list[_Item]:
    """Return every number in `text` read as an amount, a year or a problem."""
    patterns = _patterns()
    numbers = _numbers(text)
    items: list[_Item] = []
    index = 0
    while index < len(numbers):
        first = numbers[index]
        following = numbers[index + 1] if index + 1 < len(numbers) else None
        item = _range_item(text, first, following)
        if item is not None:
            items.append(item)
            index += 2
            continue
        index += 1
        if first.problem:
            items.append(_Item(first.start, first.end, None, problem=first.problem))
            continue
        unit, end = _money_or_percent(text, first.end)
        if first.is_plain_year and _ends_before(patterns.date_word, text, first.start):
            items.append(_Item(first.start, first.end, None, is_year=True))
            continue
        if first.currency and unit and first.currency != unit:
            problem = f"{text[first.start : end]!r} names two currencies."
            items.append(_Item(first.start, end, None, problem=problem))
            continue
        plus = patterns.plus.match(text, end)
        if plus:
            end = plus.end()
            if not unit:
                unit, end = _money_or_percent(text, end)
        unit = unit or first.currency
        if not unit:
            unit, end = _unit_word(text, end, is_one=first.value == 1)
            if first.is_plain_year and not unit:
                items.append(_Item(first.start, first.end, None, is_year=True))
                continue
        per, end = _per(text, end)
        start, comparator, qualifier = _comparator_before(text, first.start)
        if comparator == EXACT:
            comparator, end = _comparator_after(text, end)
        if plus and comparator == EXACT:
            comparator = MORE_THAN  # "12,000-plus cars"
        amount = ParsedAmount(
            value=_tidy(first.value),
            unit=unit,
            comparator=comparator,
            value_upper=None,
            surface=text[start:end],
            qualifier=qualifier,
            per=per,
        )
        items.append(_Item(start, end, amount))
    return items


def _range_item(text: str, first: _Number, upper: _Number | None) -> _Item | None:
    """Return "X to Y", "X-Y", "between X and Y" or "from X to Y" as one item."""
    if upper is None or first.problem or upper.problem:
        return None
    patterns = _patterns()
    unit_first, end_first = _money_or_percent(text, first.end)
    separator = patterns.range_separator.match(text, end_first)
    if separator is None or separator.end() != upper.start:
        return None
    opener = _ends_before(patterns.between_or_from, text, first.start)
    opener_word = opener.group("word").lower() if opener else ""
    if (separator.group("separator").lower() == "and") != (opener_word == "between"):
        return None
    if opener_word == "from" and _ends_before(
        patterns.change_verb_before_from, text, first.start
    ):
        return None  # "fell from $5.3 billion to $2 billion" is a change, not a range
    unit_upper, end = _money_or_percent(text, upper.end)
    if unit_first and not (unit_upper or upper.currency):
        return None  # "fell 10% to 12,000 cars": a percentage, then an amount
    units = {u for u in (first.currency, unit_first, upper.currency, unit_upper) if u}
    if len(units) > 1:
        return None
    unit = units.pop() if units else ""
    lower_value = first.value
    if first.scale == 0 and upper.scale >= 3:
        lower_value = first.value.scaleb(upper.scale)  # "3 to 4 billion"
    if lower_value >= upper.value:
        return None
    start = opener.start("word") if opener else first.start
    if first.is_plain_year and upper.is_plain_year and not unit:
        noun, noun_end = _unit_word(text, end, is_one=False)
        if not noun or _ends_before(patterns.date_word, text, first.start):
            return _Item(start, upper.end, None, is_year=True)
        unit, end = noun, noun_end
    elif not unit:
        unit, end = _unit_word(text, end, is_one=False)
    per, end = _per(text, end)
    hedge_start, comparator, _ = _comparator_before(text, start)
    qualifier = ""
    if comparator == APPROXIMATELY:
        start, qualifier = hedge_start, APPROXIMATELY  # "about 3 to 4 billion"
    amount = ParsedAmount(
        value=_tidy(lower_value),
        unit=unit,
        comparator=RANGE,
        value_upper=_tidy(upper.value),
        surface=text[start:end],
        qualifier=qualifier,
        per=per,
    )
    return _Item(start, end, amount)


def _numbers(text: str) -> list[_Number]:
    """Return the numbers written in `text`, in digits or words, with their scale."""
    patterns = _patterns()
    dates = [match.span() for match in patterns.dates.finditer(text)]
    # Dates and numbers both come in order: the dates that end before a number are
    # passed once, and only the next one can overlap it.
    next_date = 0
    numbers = []
    for match in patterns.number.finditer(text):
        start, end = match.span()
        while next_date < len(dates) and dates[next_date][1] <= start:
            next_date += 1
        if next_date < len(dates) and dates[next_date][0] < end:
            continue  # part of "2013-04-23" or "23.04.2013"
        prefix = match.group("prefix") or ""
        currency = _PREFIX_CURRENCIES.get(prefix, prefix)
        problem = ""
        if prefix in _AMBIGUOUS_PREFIXES:
            problem = (
                f"{match.group(0)!r}: {prefix!r} can mean "
                f"{_AMBIGUOUS_PREFIXES[prefix]}; write the currency's name or code."
            )
        digits = match.group("digits")
        if digits:
            scale_word = match.group("scale")
            scale = _SCALES[scale_word.lower()] if scale_word else 0
            value = Decimal(digits.replace(",", "")).scaleb(scale)
            is_plain_year = bool(
                not prefix
                and not scale_word
                and re.fullmatch(r"\d{4}", digits)
                and 1000 <= int(digits) <= 2199
            )
        else:
            value, scale, words_problem = _words_value(match.group("words"))
            problem = problem or words_problem
            is_plain_year = False
        numbers.append(
            _Number(start, end, value, scale, currency, is_plain_year, problem)
        )
    return numbers


def _words_value(words: str) -> tuple[Decimal, int, str]:
    """Return (value, exponent of the trailing scale word, problem) for number words."""
    lexicon = _number_words()
    total = current = 0
    trailing_scale = 0
    for word in re.split(r"[ \t-]+", words.lower()):
        if word in ("a", "an"):
            current = 1
            continue
        if word == "and":
            continue
        scale, increment = lexicon[word]
        if scale == 1:
            # "twenty four" is 24; "four twenty" and "twelve four" are not numbers.
            if current % (100 if increment >= 10 else 10):
                return Decimal(0), 0, f"Could not read the number words {words!r}."
            current += increment
            trailing_scale = 0
        elif scale < 1000:
            current = (current or 1) * scale
            trailing_scale = 0
        else:
            total += (current or 1) * scale
            current = 0
            trailing_scale = len(str(scale)) - 1
    return Decimal(total + current), trailing_scale, ""


def _money_or_percent(text: str, pos: int) -> tuple[str, int]:
    """Return the currency code or percent unit written at `pos`, and where it ends."""
    match = _patterns().money_or_percent.match(text, pos)
    if match is None:
        return "", pos
    if match.group("points"):
        return "percentage points", match.end()
    if match.group("percent"):
        return "percent", match.end()
    if match.group("code"):
        return match.group("code"), match.end()
    phrase = " ".join(match.group("currency").lower().split())
    return _CURRENCY_WORDS[phrase], match.end()


def _unit_word(text: str, pos: int, *, is_one: bool) -> tuple[str, int]:
    """Return a currency quantulum3 knows, or the counted noun, written at `pos`."""
    patterns = _patterns()
    words: list[tuple[str, int]] = []
    cursor = pos
    for _ in range(3):
        match = patterns.word.match(text, cursor)
        if match is None:
            break
        word = match.group("word").lower().strip("'’-")
        if word in _NOT_COUNT_NOUNS or word in _number_words() or word in _SCALES:
            break
        words.append((word, match.end()))
        cursor = match.end()
    if not words:
        return "", pos
    currencies = _quantulum_currencies()
    for size in (3, 2, 1):
        if len(words) >= size:
            phrase = " ".join(word for word, _ in words[:size])
            if phrase in currencies:
                return currencies[phrase], words[size - 1][1]
    candidates = words[:2]
    for word, end in candidates:
        if _looks_plural(word):
            return word, end
    if is_one:
        word, end = candidates[0]
        return _pluralise(word), end
    return "", pos


def _looks_plural(word: str) -> bool:
    if word in _IRREGULAR_PLURALS:
        return True
    return (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "ous", "'s", "’s"))
    )


@functools.cache
def _pluralise(noun: str) -> str:
    try:
        import inflect
    except ImportError:
        return noun
    return _inflect_engine(inflect).plural_noun(noun) or noun


@functools.cache
def _inflect_engine(inflect: Any) -> Any:
    return inflect.engine()


def _per(text: str, pos: int) -> tuple[str, int]:
    """Return the period a rate is given per ("year" for "per annum"), and its end."""
    match = _patterns().per.match(text, pos)
    if match is None:
        return "", pos
    word = match.group("per") or match.group("slash") or match.group("adverb")
    return _PER[word.lower()], match.end()


def _comparator_before(text: str, start: int) -> tuple[int, str, str]:
    """Return (hedge start, comparator, qualifier) from the words before `start`."""
    match = _patterns().comparator.search(text, max(0, start - 40), start)
    if match is None:
        return start, EXACT, ""
    phrase = " ".join(match.group("phrase").lower().split())
    if phrase == "up to" and _ends_before(_REACHED_BEFORE_UP_TO, text, match.start()):
        return start, EXACT, ""
    comparator, qualifier = _COMPARATOR_PHRASES[phrase]
    return match.start("phrase"), comparator, qualifier


def _ends_before(pattern: re.Pattern[str], text: str, end: int) -> re.Match[str] | None:
    """Return the match of `pattern` (anchored by $) that ends at `end`, if any."""
    return pattern.search(text, max(0, end - _LOOK_BEHIND), end)


def _comparator_after(text: str, pos: int) -> tuple[str, int]:
    """Return the comparator after a figure ("or more", "(approx.)") and its end."""
    match = _patterns().trailing_comparator.match(text, pos)
    if match is None:
        return EXACT, pos
    if match.group("approx"):
        return APPROXIMATELY, match.end()  # as claims.figures.format_figure writes it
    return _TRAILING_COMPARATORS[match.group("word").lower()], match.end()


def _tidy(value: Decimal) -> Decimal:
    """Return 5.3E+9 as 5300000000 and 2.50 as 2.5, keeping the value exact."""
    if value == value.to_integral_value():
        return Decimal(int(value))
    return value.normalize()
