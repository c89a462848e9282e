"""Read what a text states: its figures, the period they cover, its entities, words.

The same reading serves a query and a stored claim's text, so the two are compared
on equal terms. Figures come from the figure parser (claims.figures.quantities),
after claims.matching.languages has rewritten Russian and Persian figure words.
"""

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..figures.comparators import Comparator
from ..figures.periods import (
    Period,
    PeriodParseError,
    calendar_year,
    parse_period,
    solar_hijri_year,
    solar_hijri_year_of,
)
from ..figures.quantities import (
    AmountParseError,
    ParsedAmount,
    find_amounts,
    parse_change,
)
from .entities import entities_in, is_entity
from .languages import detect_language, to_english_figures

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_BEFORE = re.compile(r"leading up to|before|prior to|preceding")
_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_WEEKDAY = "|".join(_WEEKDAYS)
_IRANIAN = r"(?:iranian|persian|solar[ -]hijri)"
_RELATIVE = re.compile(
    rf"\b(?:the )?(?:last|past|previous|this|current) (?:{_IRANIAN} )?"
    r"(?:calendar )?year\b"
)
# Tried in order; the first that reads gives the period.
_PERIOD_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "iranian_year",
        re.compile(
            rf"\b{_IRANIAN}(?: calendar)? year (1[34]\d\d)\b"
            rf"|\b(1[34]\d\d) ?\(?{_IRANIAN}|\b(1[34]\d\d)\b"
        ),
    ),
    (
        "year_to_march",
        re.compile(
            rf"\b(?:{_IRANIAN} |fiscal )?year (?:to|ending(?: in| on)?|that ended"
            rf"(?: in| on)?) (?:\d{{1,2}} )?march (\d{{4}})\b"
        ),
    ),
    ("relative", _RELATIVE),
    (
        "leading_up_to",
        re.compile(
            r"\b(?:the )?(?:(?:past|last|previous) )?\w+ years (?:leading up to|before"
            r"|prior to|preceding|up to|to) \d{4}"
        ),
    ),
    ("crop_year", re.compile(r"\b(\d{4}) ?[-–/] ?(\d{2})\b(?! ?\d)")),
    (
        "range",
        re.compile(r"\b(?:from )?(\d{4}) ?(?:to|through|until|-|–|—) ?(\d{4})\b"),
    ),
    ("between", re.compile(r"\bbetween (\d{4}) and (\d{4})\b")),
    ("by_year", re.compile(r"\b(?:by|until|up to) (\d{4})\b")),
    (
        "day",
        re.compile(
            rf"\b(\d{{1,2}}) ({_MONTH})\.?,? (\d{{4}})\b"
            rf"|\b({_MONTH})\.? (\d{{1,2}}),? (\d{{4}})\b"
        ),
    ),
    ("weekday", re.compile(rf"\b(?:on|last) ({_WEEKDAY})\b")),
    ("month", re.compile(rf"\b({_MONTH})\.? (\d{{4}})\b")),
    ("year", re.compile(r"\b(19\d\d|20\d\d)\b")),
]
_NUMBER_WORDS = {
    word: str(number)
    for number, words in enumerate(
        [
            ("zero",),
            ("one", "first", "once"),
            ("two", "second", "twice"),
            ("three", "third"),
            ("four", "fourth"),
            ("five", "fifth"),
            ("six", "sixth"),
            ("seven", "seventh"),
            ("eight", "eighth"),
            ("nine", "ninth"),
            ("ten", "tenth"),
            ("eleven", "eleventh"),
            ("twelve", "twelfth"),
        ]
    )
    for word in words
}
_NUMBER = re.compile(
    r"(?<![\w.,])(\d+)(?:st|nd|rd|th|-й|-го|-м)?(?![\w.,]*\d)|\b("
    + "|".join(_NUMBER_WORDS)
    + r")\b",
    re.IGNORECASE,
)
_PROPER = re.compile(r"(?<=[\w,;:)] )[A-Z][a-z]+(?:-[A-Z][a-z]+)?")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
STOPWORDS = frozenset(
    """a an the of in on at to for from by with and or but as is was were be been
    are has have had it its this that these those than then there their they he she
    his her we our you your i not no will would can could should may might about
    over under more less after before between into out up down per year years
    said says say according also which who whom what when where how all any each
    some such only own same so very s t just now new first last past""".split()
)


@dataclass(frozen=True)
class Facts:
    """What a text states, read for matching."""

    text: str
    language: str
    figures: tuple[tuple[Decimal, str, str, Decimal | None], ...]
    change_percent: Decimal | None
    change_comparator: str
    period: Period | None
    period_is_open_start: bool
    countries: frozenset[str]
    organisations: frozenset[str]
    topics: frozenset[str]
    names: frozenset[str]
    words: frozenset[str]
    numbers: frozenset[str] = frozenset()
    proper_names: frozenset[str] = frozenset()
    # Numbers the figure parser read only in part or could read two ways ("5/3"
    # read as 3, "1,5" as 15): a figure it is unsure of is never `same`.
    figure_doubts: tuple[str, ...] = ()
    # Durations ("for the first time in five years"), compared with figures in years.
    durations: tuple[Decimal, ...] = ()
    # A change from one figure to another ("shrank from $4bn to $1.5bn"): the first
    # is the figure at the start of the period, the second at its end.
    change_span: tuple[Decimal, Decimal] | None = None
    # A relative period ("last year") in a text without a date: read at the date
    # of the claim it is compared with.
    relative_period: str = ""

    @property
    def subjects(self) -> frozenset[str]:
        return self.countries | self.organisations

    @property
    def has_figure(self) -> bool:
        return bool(self.figures) or self.change_percent is not None


def stem(word: str) -> str:
    """Return a crude English stem: lower case, without plural or verb endings."""
    word = word.lower().replace("’", "'")
    word = word.removesuffix("'s")
    for suffix, keep in (("ies", 3), ("ing", 5), ("ed", 4), ("es", 4), ("s", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            word = word[: -len(suffix)]
            break
    return word


def words_of(text: str) -> frozenset[str]:
    """Return the content words of `text`, stemmed."""
    return frozenset(
        stem(word)
        for word in _WORD.findall(text)
        if word.lower() not in STOPWORDS and len(word) > 1
    )


_UNIT_SYNONYMS = {
    "vehicles": "cars",
    "vehicle": "cars",
    "car": "cars",
    "tourists": "visitors",
    "bpd": "barrels",
    "tons": "tonnes",
}
# A count of "units" may count any thing (cars, tonnes are not units of money).
ANY_COUNT = "units"


def unit_key(unit: str, per: str = "") -> str:
    """Return a unit in the form two figures are compared by."""
    unit = unit.strip().lower()
    unit = unit.removesuffix(" per day").removesuffix(" a day").split(" ")[-1]
    return _UNIT_SYNONYMS.get(unit, unit)


def read_facts(
    text: str, *, claimed_on: date | None = None, language: str = ""
) -> Facts:
    """Return the facts `text` states; relative periods are read against claimed_on."""
    language = language or detect_language(text)
    english = to_english_figures(text, language)
    amounts = find_amounts(english)
    if amounts and re.fullmatch(r"[A-Z]{3}", amounts[0][2].unit):
        # "from four billion dollars to 1.5 billion": the second shares the currency.
        spans = {(start, end) for start, end, _ in amounts}
        # Only a figure with a scale word: "4 years" is not $4.
        amounts += [
            found
            for found in find_amounts(english, default_unit=amounts[0][2].unit)
            if found[:2] not in spans and _SCALE.search(english[found[0] : found[1]])
        ]
    figures = [
        (amount.value, unit_key(amount.unit), amount.comparator, amount.value_upper)
        for _, _, amount in amounts
    ]
    change_span = _change_span(english, amounts)
    if change_span is not None:
        # A change parsed as a range ("rose from $1.5bn to $4bn") is two figures.
        figures = [f for f in figures if f[2] != Comparator.RANGE or f[3] is None]
        unit = unit_key(amounts[0][2].unit)
        for value in change_span:
            if not any(f[0] == value and f[1] == unit for f in figures):
                figures.append((value, unit, Comparator.EXACT, None))
    change_percent, change_comparator = None, "exact"
    if any(unit == "percent" for _, unit, _, _ in figures):
        try:
            change = parse_change(english)
        except AmountParseError:
            pass
        else:
            sign = -1 if change.direction == "drop" else 1
            change_percent = sign * change.percent
            change_comparator = change.comparator
    period, open_start = read_period(english, claimed_on)
    relative = ""
    if period is None and claimed_on is None:
        found = _RELATIVE.search(" ".join(english.lower().split()))
        relative = found.group(0) if found else ""
    entities = entities_in(text)
    numbers = set()
    for digits, word in _NUMBER.findall(english):
        if digits:
            numbers.add(str(int(digits)))
        elif word:
            numbers.add(_NUMBER_WORDS[word.lower()])
    return Facts(
        text=text,
        language=language,
        figures=tuple(figures),
        change_percent=change_percent,
        change_comparator=change_comparator,
        period=period,
        period_is_open_start=open_start,
        countries=entities["country"],
        organisations=entities["organisation"],
        topics=entities["topic"],
        names=entities["name"],
        words=words_of(english) | entities["topic"] | entities["name"],
        numbers=frozenset(numbers),
        proper_names=frozenset(
            name.lower()
            for name in _PROPER.findall(text)
            if name.lower() not in STOPWORDS and not is_entity(name)
        ),
        figure_doubts=figure_doubts(english, [(a, b) for a, b, _ in amounts]),
        durations=durations_in(english),
        change_span=change_span,
        relative_period=relative,
    )


_SCALE = re.compile(r"thousand|million|billion|trillion|\d ?(?:bn|m|k)\b")
# A number as written, with its separators: what the parser should have read whole.
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,/]\d+)*")
# A comma followed by one or two digits: a decimal comma ("1,5") or a typo, never a
# thousands separator.
_AMBIGUOUS_COMMA = re.compile(r"\d,\d{1,2}(?!\d)")


def figure_doubts(english: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """Return the numbers of the figures at `spans` that the parser may have misread.

    A number the parser read only in part ("5/3 billion" read as 3 billion), or one
    with a slash or a comma before one or two digits, which it could read two ways.
    """
    doubts = []
    for token in _NUMBER_TOKEN.finditer(english):
        for start, end in spans:
            if token.end() <= start or end <= token.start():
                continue
            partial = token.start() < start or token.end() > end
            number = token.group(0)
            if partial or "/" in number or _AMBIGUOUS_COMMA.search(number):
                doubts.append(number)
    return tuple(dict.fromkeys(doubts))


_CARDINALS = "one two three four five six seven eight nine ten eleven twelve".split()
_DURATION_NUMBER = rf"(\d+|{'|'.join(_CARDINALS)})"
_DURATIONS = [
    # A gap: "for the first time in five years", "the first shipment in 5 years",
    # "after five years", "after a five-year break". Not "in five years" (a date
    # to come) nor "for five years" (how long something lasts).
    re.compile(r"\bfirst (?:\w+ )?in " + _DURATION_NUMBER + r"[- ]years?\b"),
    re.compile(
        r"\bafter (?:a |an )?"
        + _DURATION_NUMBER
        + r"(?: years?\b(?! (?:leading|before|prior|preceding|to|up to|ago|old))"
        r"|[- ]year (?:break|gap|hiatus|pause|absence|halt))"
    ),
    re.compile(
        r"\b" + _DURATION_NUMBER + r"[- ]year (?:break|gap|hiatus|pause|absence|halt)"
    ),
]


def durations_in(english: str) -> tuple[Decimal, ...]:
    """Return the spans of years `english` states ("in five years": 5)."""
    lowered = english.lower()
    found: list[Decimal] = []
    for pattern in _DURATIONS:
        for match in pattern.finditer(lowered):
            number = match.group(1)
            found.append(Decimal(number if number.isdigit() else _NUMBER_WORDS[number]))
    return tuple(dict.fromkeys(found))


# "from $4 billion to $1.5 billion", "с 4 млрд до 1,5 млрд", "از ۴ ... به ۱.۵ ...".
_FROM = re.compile(r"(?:\bfrom|(?<!\w)(?:с|со|از))\s*$")
_TO = re.compile(r"\s*(?:to|до|به)\s*")
_CHANGE_WORDS = re.compile(
    r"(?:rose|grew|increased|climbed|jumped|risen|grown|fell|fallen|dropped|declined"
    r"|shrank|shrunk|plunged|plummeted|collapsed|slumped|sank|went|changed)"
    r"(?:\s+\w+)?\s+from\s*$"
)


def _change_span(
    english: str, amounts: list[tuple[int, int, ParsedAmount]]
) -> tuple[Decimal, Decimal] | None:
    """Return (from, to) when the text states a change from one figure to another."""
    amounts = sorted(amounts, key=lambda found: found[0])
    for (start, end, first), (second_start, _, second) in itertools.pairwise(amounts):
        if (
            unit_key(first.unit) == unit_key(second.unit)
            and _FROM.search(english[max(0, start - 12) : start])
            and _TO.fullmatch(english[end:second_start])
        ):
            return first.value, second.value
    for start, _, amount in amounts:
        # A change read as a range: "rose from $1.5 billion to $4 billion".
        if (
            amount.comparator == Comparator.RANGE
            and amount.value_upper is not None
            and _CHANGE_WORDS.search(english[max(0, start - 40) : start])
        ):
            return amount.value, amount.value_upper
    return None


def read_period(
    text: str, claimed_on: date | None = None
) -> tuple[Period | None, bool]:
    """Return the period `text` names first (by the patterns' order), and if open."""
    lowered = " ".join(text.lower().split()).replace("’", "'")
    for kind, pattern in _PERIOD_PATTERNS:
        for match in pattern.finditer(lowered):
            try:
                period = _period(kind, match, claimed_on)
            except (PeriodParseError, ValueError):
                continue
            if period is not None:
                return period, kind == "by_year"
    return None, False


def _period(kind: str, match: re.Match[str], claimed_on: date | None) -> Period | None:
    groups = [group for group in match.groups() if group]
    if kind == "iranian_year":
        return solar_hijri_year(int(groups[0]))
    if kind == "year_to_march":
        return solar_hijri_year(solar_hijri_year_of(date(int(groups[0]), 3, 1)))
    if kind in ("relative", "leading_up_to"):
        if kind == "relative" and claimed_on is None:
            return None
        label = match.group(0)
        if kind == "leading_up_to" and not _BEFORE.search(label):
            # "the four years to 2013": the years before it, as "leading up to".
            label = re.sub(r" years (?:up )?to ", " years leading up to ", label)
        return parse_period(label, claimed_on)
    if kind == "day":
        if groups[0].isdigit():
            day, month, year = int(groups[0]), _MONTHS[groups[1]], int(groups[2])
        else:
            month, day, year = _MONTHS[groups[0]], int(groups[1]), int(groups[2])
        named = date(year, month, day)
        return Period(named, named, match.group(0))
    if kind == "weekday":
        # "On Sunday", said on Monday 30 June 2014: the last Sunday up to that day.
        if claimed_on is None:
            return None
        back = (claimed_on.weekday() - _WEEKDAYS.index(groups[0])) % 7
        named = claimed_on - timedelta(days=back)
        return Period(named, named, f"{match.group(0)} ({named.isoformat()})")
    if kind == "crop_year":
        first, second = int(groups[0]), int(groups[1])
        if (first + 1) % 100 != second:
            return None
        return Period(date(first, 7, 1), date(first + 1, 6, 30), match.group(0))
    if kind in ("range", "between"):
        first, last = int(groups[0]), int(groups[1])
        if not 1800 <= first < last <= 2200:
            return None
        return Period(date(first, 1, 1), date(last, 12, 31), match.group(0))
    if kind == "by_year":
        year = int(groups[0])
        return Period(date(year, 1, 1), date(year, 12, 31), match.group(0))
    if kind == "month":
        month, year = _MONTHS[groups[0]], int(groups[1])
        start = date(year, month, 1)
        end = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
        return Period(start, end, match.group(0))
    if kind == "year":
        return calendar_year(int(groups[0]))
    return None
