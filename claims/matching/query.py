"""Read what a text states: its figures, the period they cover, its entities, words.

The same reading serves a query and a stored claim's text, so the two are compared
on equal terms. Figures come from the figure parser (claims.figures.quantities),
after claims.matching.languages has rewritten Russian and Persian figure words.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ..figures.periods import (
    Period,
    PeriodParseError,
    calendar_year,
    parse_period,
    solar_hijri_year,
    solar_hijri_year_of,
)
from ..figures.quantities import AmountParseError, find_amounts, parse_change
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
_IRANIAN = r"(?:iranian|persian|solar[ -]hijri)"
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
    (
        "relative",
        re.compile(
            rf"\b(?:the )?(?:last|past|previous|this|current) (?:{_IRANIAN} )?"
            r"(?:calendar )?year\b"
        ),
    ),
    (
        "leading_up_to",
        re.compile(
            r"\b(?:the )?(?:(?:past|last|previous) )?\w+ years (?:leading up to|before"
            r"|prior to|preceding) \d{4}"
        ),
    ),
    ("crop_year", re.compile(r"\b(\d{4}) ?[-–/] ?(\d{2})\b(?! ?\d)")),
    (
        "range",
        re.compile(r"\b(?:from )?(\d{4}) ?(?:to|through|until|-|–|—) ?(\d{4})\b"),
    ),
    ("between", re.compile(r"\bbetween (\d{4}) and (\d{4})\b")),
    ("by_year", re.compile(r"\b(?:by|until|up to) (\d{4})\b")),
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
        amounts += [
            found
            for found in find_amounts(english, default_unit=amounts[0][2].unit)
            if found[:2] not in spans
        ]
    figures = [
        (amount.value, unit_key(amount.unit), amount.comparator, amount.value_upper)
        for _, _, amount in amounts
    ]
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
    )


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
        return parse_period(match.group(0), claimed_on)
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
