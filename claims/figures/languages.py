"""Read Russian and Persian figures: the one reading extraction and matching share.

Kept long (more than 600 lines) on purpose: the Russian and Persian phrase tables
are data read in order with the rewriting that applies them, changed together.

The figure parser (claims.figures.quantities) reads English. `rewrite` turns the words
a Russian or Persian figure, period or change is written with into English ("около
5,3 млрд долларов" -> "about 5.3 billion dollars", "حدود ۵/۳ میلیارد دلار" -> "about
5.3 billion dollars") and keeps, for every character it writes, the span of the
original it came from, so a figure found in the English is quoted verbatim from the
original. The rest of the text is left alone. The rules, by kind:

- Digits: Persian and Arabic-Indic digits read as 0-9; a number mixing them with
  Latin digits is not read (it is a doubt: bidi reordering can glue two numbers).
  Persian decimals are written "۵٫۳" or "۵/۳" (a slash between one to three digits
  and one or two, not in a date "۱۳۹۱/۰۱/۰۱"); "٬" groups thousands. Russian writes
  the decimal with a comma ("5,3 млрд", "36,4%") and groups thousands with spaces.
- Number words: "полтора миллиарда", "два", "двести", "یک میلیارد و ۱۶۸ میلیون",
  "ده" read as digits when a scale, a unit or "times" follows; "1 млрд 168 млн" and
  "یک میلیارد و ۱۶۸ میلیون" are one number (1.168 billion); "هزار میلیارد" is a
  trillion.
- Units: dollars ("долларов", "долл. США", "دلار"), euros, roubles, rials; tomans
  ("تومان") are their own unit, never dollars, and never converted to rials.
- Comparators: "более", "свыше", "около", "почти", "не менее", "حدود", "بیش از",
  "نزدیک به", ... as the English comparator words the parser knows.
- Periods: "в 2013 году", "за первое полугодие", "январь — октябрь", "۱۳۹۱",
  "سال گذشته" (the past Iranian year), read by `find_period` against a date.
- Changes: "вырос на 36,4%", "کاهش یافت", "в три раза", "ده برابر", "halved",
  "nearly quadrupled", read by `find_change` with their sign.

Pure: no database, no settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .periods import (
    Period,
    PeriodParseError,
    calendar_year,
    parse_period,
    solar_hijri_year,
)
from .quantities import AmountParseError, find_amounts, parse_change

SUPPORTED_LANGUAGES = ("en", "ru", "fa")
LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "fa": "Persian"}

# Marks that only steer the direction of text: dropped before reading.
_BIDI_MARKS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069\ufeff]")
_ZWNJ = "\u200c"
_LATIN_DIGITS = "0123456789"
_EASTERN_DIGITS = "۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩"
_DIGITS = str.maketrans(_EASTERN_DIGITS + "٫٬", _LATIN_DIGITS * 2 + ".,")
_NUMBER_RUN = re.compile(r"\d+(?:[.,٫٬/]\d+)*")
_SPACES = "[ \t\u00a0\u202f\u2009]"


@dataclass(frozen=True)
class Rewritten:
    """A text rewritten in English figure words, mapped back to the original."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    # (start, end, why) in the original: numbers the reader would not read.
    doubts: tuple[tuple[int, int, str], ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Return the span of the original text the rewritten [start, end) came from."""
        return self.starts[start], self.ends[end - 1]


class _Editable:
    """A text being rewritten; each character knows the original span it stands for."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = list(range(len(text)))
        self.ends = list(range(1, len(text) + 1))

    def sub(
        self,
        pattern: re.Pattern[str],
        replacement: str | Callable[[re.Match[str]], str],
    ) -> None:
        pieces: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        last = 0
        for match in pattern.finditer(self.text):
            first, stop = match.span()
            if first == stop:
                continue
            if callable(replacement):
                new = replacement(match)
            else:
                new = match.expand(replacement)
            if new == match.group(0):
                continue
            pieces.append(self.text[last:first])
            starts += self.starts[last:first]
            ends += self.ends[last:first]
            origin_start, origin_end = self.starts[first], self.ends[stop - 1]
            pieces.append(new)
            starts += [origin_start] * len(new)
            ends += [origin_end] * len(new)
            last = stop
        if not pieces:
            return
        pieces.append(self.text[last:])
        starts += self.starts[last:]
        ends += self.ends[last:]
        self.text = "".join(pieces)
        self.starts, self.ends = starts, ends


def _rules(
    table: list[tuple[str, str | Callable[[re.Match[str]], str]]], flags: int = 0
) -> list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]]:
    return [(re.compile(pattern, flags), english) for pattern, english in table]


# Number words, as digits: each word's value; a run adds up ("двести тридцать пять").
_RUSSIAN_NUMBER_WORDS: dict[str, Decimal] = {}
for _value, _forms in [
    ("1", "один одна одно одного одной одному"),
    ("2", "два две двух двум"),
    ("3", "три трех трёх трем трём"),
    ("4", "четыре четырех четырёх"),
    ("5", "пять пяти"),
    ("6", "шесть шести"),
    ("7", "семь семи"),
    ("8", "восемь восьми"),
    ("9", "девять девяти"),
    ("10", "десять десяти"),
    ("11", "одиннадцать одиннадцати"),
    ("12", "двенадцать двенадцати"),
    ("15", "пятнадцать пятнадцати"),
    ("20", "двадцать двадцати"),
    ("30", "тридцать тридцати"),
    ("40", "сорок сорока"),
    ("50", "пятьдесят пятидесяти"),
    ("60", "шестьдесят шестидесяти"),
    ("70", "семьдесят семидесяти"),
    ("80", "восемьдесят восьмидесяти"),
    ("90", "девяносто девяноста"),
    ("100", "сто ста"),
    ("200", "двести двухсот"),
    ("300", "триста трехсот трёхсот"),
    ("400", "четыреста четырехсот четырёхсот"),
    ("500", "пятьсот пятисот"),
    ("1.5", "полтора полторы полутора"),
]:
    for _form in _forms.split():
        _RUSSIAN_NUMBER_WORDS[_form] = Decimal(_value)
_PERSIAN_NUMBER_WORDS: dict[str, Decimal] = {}
for _value, _forms in [
    ("1", "یک"),
    ("2", "دو"),
    ("3", "سه"),
    ("4", "چهار"),
    ("5", "پنج"),
    ("6", "شش"),
    ("7", "هفت"),
    ("8", "هشت"),
    ("9", "نه"),
    ("10", "ده"),
    ("11", "یازده"),
    ("12", "دوازده"),
    ("13", "سیزده"),
    ("14", "چهارده"),
    ("15", "پانزده"),
    ("16", "شانزده"),
    ("17", "هفده"),
    ("18", "هجده هیجده"),
    ("19", "نوزده"),
    ("20", "بیست"),
    ("30", "سی"),
    ("40", "چهل"),
    ("50", "پنجاه"),
    ("60", "شصت"),
    ("70", "هفتاد"),
    ("80", "هشتاد"),
    ("90", "نود"),
    ("100", "صد یکصد"),
    ("200", "دویست"),
    ("300", "سیصد"),
    ("400", "چهارصد"),
    ("500", "پانصد"),
    ("1.5", "یک‌ونیم"),
]:
    for _form in _forms.split():
        _PERSIAN_NUMBER_WORDS[_form] = Decimal(_value)


def _alternatives(words: dict[str, Decimal]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


# A number word is read only before what a figure is counted in: a scale, a unit, a
# share, or "times"; "один из крупнейших" (one of the largest) stays a word.
_RUSSIAN_FOLLOWERS = (
    r"(?:млрд|млн|трлн|тыс|миллиард|миллион|триллион|тысяч|процент|доллар|долл|евро|"
    r"рубл|тонн|раз)"
)
_PERSIAN_FOLLOWERS = r"(?:میلیارد|میلیون|هزار|درصد|دلار|یورو|تومان|ریال|تن\b|برابر)"


def _word_number(
    words: dict[str, Decimal], joiner: str
) -> Callable[[re.Match[str]], str]:
    def read(match: re.Match[str]) -> str:
        total = Decimal(0)
        for word in re.split(joiner, match.group("run")):
            total += words[word.lower()]
        return f"{total.normalize():f}"

    return read


def _number_word_rule(words: dict[str, Decimal], joiner: str, followers: str) -> str:
    word = rf"(?:{_alternatives(words)})"
    return rf"(?<!\w)(?P<run>{word}(?:{joiner}{word})*)(?=\s+{followers})"


_SCALE_EXPONENTS = {"thousand": 3, "million": 6, "billion": 9, "trillion": 12}
_COMPOUND = re.compile(
    r"(?<![\d.])(?P<first>\d+(?:\.\d+)?)\s+(?P<big>trillion|billion|million)"
    r"\s+(?:(?:and|و|и)\s+)?(?P<second>\d{1,3}(?:\.\d+)?)\s+"
    r"(?P<small>billion|million|thousand)\b"
)
_STACKED = re.compile(r"\bthousand\s+(billion|million)\b")


def _compound(match: re.Match[str]) -> str:
    big = _SCALE_EXPONENTS[match.group("big")]
    small = _SCALE_EXPONENTS[match.group("small")]
    if small >= big:
        return match.group(0)
    value = Decimal(match.group("first")) + Decimal(match.group("second")).scaleb(
        small - big
    )
    return f"{value.normalize():f} {match.group('big')}"


_RUSSIAN_MONTHS = [
    "январ",
    "феврал",
    "март",
    "апрел",
    "ма[йея]",
    "июн",
    "июл",
    "август",
    "сентябр",
    "октябр",
    "ноябр",
    "декабр",
]
_ENGLISH_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_RUSSIAN_MONTH = "|".join(rf"{stem}\w*" for stem in _RUSSIAN_MONTHS)


def _russian_month(word: str) -> str:
    for stem, english in zip(_RUSSIAN_MONTHS, _ENGLISH_MONTHS, strict=True):
        if re.match(stem, word.lower()):
            return english
    return word


def _month_range(match: re.Match[str]) -> str:
    first = _russian_month(match.group("first"))
    last = _russian_month(match.group("last"))
    return f" {first} to {last} "


_RUSSIAN: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    # The decimal comma: "5,3 млрд", "36,4%". Russian groups thousands with spaces.
    (r"(?<![\d,])(\d+),(\d+)(?![\d,])", r"\1.\2"),
    # 1 234 567 -> 1,234,567: spaces (also no-break and thin) between thousands.
    (
        rf"(?<![\d.,])(\d{{1,3}})(?:{_SPACES})(\d{{3}})(?:{_SPACES})(\d{{3}})(?!\d)",
        r"\1,\2,\3",
    ),
    (rf"(?<![\d.,])(\d{{1,3}})(?:{_SPACES})(\d{{3}})(?![\d,])", r"\1,\2"),
    (
        _number_word_rule(_RUSSIAN_NUMBER_WORDS, r"\s+", _RUSSIAN_FOLLOWERS),
        _word_number(_RUSSIAN_NUMBER_WORDS, r"\s+"),
    ),
    (r"\bпо иранскому календарю\b", ""),
    # "на 11% больше, чем годом ранее": a change said as a comparison.
    (
        r"\bна\s+(\d+(?:\.\d+)?)\s*(?:%|процент\w*)\s+(?:больше|выше)\b",
        r"rose by \1 percent",
    ),
    (
        r"\bна\s+(\d+(?:\.\d+)?)\s*(?:%|процент\w*)\s+(?:меньше|ниже)\b",
        r"fell by \1 percent",
    ),
    # Periods.
    (
        rf"\b(?:в|за)?\s*(?P<first>{_RUSSIAN_MONTH})\s*[–—-]\s*(?P<last>{_RUSSIAN_MONTH})",
        _month_range,
    ),
    (r"\b(?:за|в)\s+перв(?:ое|ом)\s+полугоди\w*", " in the first half "),
    (r"\b(?:за|во)\s+втор(?:ое|ом)\s+полугоди\w*", " in the second half "),
    (r"\bв (\d{4})\s*[–—-]\s*(\d{4}) годах\b", r"from \1 to \2"),
    (r"\bв (\d{4}) иранском году\b", r"in the iranian year \1"),
    # "за 4 года, предшествовавшие 2013 году" (issue #26: a two-figure change's span)
    (
        r"\bза (\d+) (?:года?|лет),? предшествовавш\w* (\d{4})(?:-?м[уи]?)?(?: году)?",
        r"in the \1 years leading up to \2",
    ),
    (r"\b(?:в|за|по итогам) (\d{4})(?:-м)? год[ау]?\b", r"in \1"),
    (r"\bк (\d{4})(?:-му)? году\b", r"by \1"),
    (r"\b(\d{4}) г(?:ода|\.)(?!\w)", r"\1"),
    (r"\b(?:в|за) прошл(?:ом|ый) году?\b", "last year"),
    (r"\bв этом году\b", "this year"),
    (r"\bгодом ранее\b", "a year earlier"),
    # "50 российских компаний": adjectives between a number and what it counts (in
    # the genitive plural after numbers from five) are left out of the reading.
    (
        r"(?<=\d)\s+(?:[а-яё]+(?:ых|их)\s+){1,2}(?=(?:соглашени|компани|баррел|"
        r"контейнер|вагон|грузовик|декларац|автомобил|делегаци)\w*)",
        " ",
    ),
    # Multiplicative changes: "в три раза" (threefold), "вдвое".
    (r"\bв (\d+(?:\.\d+)?) раза?\b", r"\1-fold"),
    (r"\bвдвое\b", "twofold"),
    (r"\bвтрое\b", "threefold"),
    (r"\bвчетверо\b", "fourfold"),
    # Scales and units.
    (r"\bтысяч\w*\s+(?=млрд|миллиард)", "thousand "),
    (r"(?<!\w)млрд\.?|\bмиллиард\w*", "billion"),
    (r"(?<!\w)млн\.?|\bмиллион\w*", "million"),
    (r"(?<!\w)трлн\.?|\bтриллион\w*", "trillion"),
    (r"(?<!\w)тыс\.|\bтысяч\w*", "thousand"),
    (r"\b(?:долл\.|доллар\w*)(?:\s+США)?", "dollars"),
    (r"\bевро\b", "euros"),
    (r"\bрубл\w*|(?<!\w)руб\.", "rubles"),
    (r"\bюан\w*", "yuan"),
    (r"\bриал\w*", "rials"),
    (r"\bавтомобил\w*|\bмашин\w*", "cars"),
    (r"\bпункт\w*(?=\s+(?:соглашени|договор|меморандум|документ))", "paragraphs"),
    (r"\bделегаци\w*", "delegations"),
    (r"\bтонн\w*", "tonnes"),
    (r"\bмешк\w*", "bags"),
    (r"\bпроцентн\w*\s+пункт\w*|(?<!\w)п\.\s?п\.", "percentage points"),
    (r"\bпроцент\w*", "percent"),
    (r"(?<=\d)\s*%", " percent"),
    # "почти на 40%": by about 40 percent (the hedge is on the change).
    (r"\b(?:почти|около|примерно|приблизительно) на\s+(?=\d)", "by about "),
    (r"\b(?:более чем|свыше чем|свыше) на\s+(?=\d)", "by more than "),
    (r"\bсоглашени\w*", "agreements"),
    (r"\bкомпани\w*", "companies"),
    (r"\bбаррел\w*", "barrels"),
    (r"\bконтейнер\w*", "containers"),
    (r"\bвагон\w*", "wagons"),
    (r"\bгрузовик\w*", "trucks"),
    (r"\bдекларац\w*", "declarations"),
    (r"\bкубометр\w*|\bкуб\.\s*м(?:етр\w*)?", "cubic-metres"),
    # Comparators ("не менее" before "менее").
    (r"\bне менее\b|\bне меньше\b|\bкак минимум\b", "at least"),
    (r"\bне более\b|\bне больше\b", "at most"),
    (r"\bоколо\b|\bпочти\b|\bпримерно\b|\bпорядка\b|\bприблизительно\b", "about"),
    (r"\bприближается к\b|\bблизко к\b", "about"),
    (r"\bболее\b|\bбольше\b|\bсвыше\b|\bпревыси\w*|\bпревыша\w*", "more than"),
    (r"\bменее\b|\bменьше\b", "less than"),
    # Changes, with their direction.
    (
        r"\b(?:сократил\w*|упал\w*|снизил\w*|уменьшил\w*|сниз\w*ся|"
        r"сокращени\w*|снижени\w*|падени\w*)",
        "fell",
    ),
    (r"\b(?:вырос\w*|увеличил\w*|возрос\w*|рост\w*|увеличени\w*|прирост\w*)", "rose"),
    (r"\b(?:на)\s+(?=(?:about\s+|more than\s+)?\d+(?:\.\d+)?\s+percent)", "by "),
    (r"\bпротив\b", "against"),
    (r"\bот\s+(?=\d)", "from "),
    (r"(?<!\w)с\s+(?=\d)", "from "),
    (r"\bдо\b", "to"),
]

_PERSIAN: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (
        _number_word_rule(_PERSIAN_NUMBER_WORDS, r"\s+و\s+", _PERSIAN_FOLLOWERS),
        _word_number(_PERSIAN_NUMBER_WORDS, r"\s+و\s+"),
    ),
    (r"تقویم شمسی|هجری شمسی", ""),
    # "۳۰ درصد بیشتر": a change said as a comparison.
    (r"(\d+(?:\.\d+)?)\s*(?:درصد|%)\s+(?:بیشتر|بالاتر)", r" rose by \1 percent "),
    (r"(\d+(?:\.\d+)?)\s*(?:درصد|%)\s+(?:کمتر|کم‌تر|پایین‌تر)", r" fell by \1 percent "),
    (r"(?:از )?سال ?(\d{4}) تا (\d{4})", r" from \1 to \2 "),
    (r"بین سال[\u200c ]?های (\d{4}) تا (\d{4})", r" from \1 to \2 "),
    (r"(?:در )?(\d+) سال منتهی به (\d{4})", r" in the \1 years leading up to \2 "),
    (r"(?:در )?سال (1[34]\d\d)\b", r" in the iranian year \1 "),
    (r"(?<!year )(?<![\d/])(1[34]\d\d)(?![\d/])", r" iranian year \1 "),
    (r"تا سال (\d{4})", r" by \1 "),
    (r"(?:در )?سال (\d{4})", r" in \1 "),
    (r"(?:در )?سال گذشته|(?:در )?سال قبل|(?:در )?سال پیش", " last iranian year "),
    (r"(?:در )?سال جاری|(?:در )?امسال", " this iranian year "),
    (
        r"(?:در )?نیمه نخست|(?:در )?نیمه اول|(?:در )?شش ماه (?:نخست|اول)",
        " in the first half ",
    ),
    (r"بین (\d+(?:\.\d+)?) تا (\d+(?:\.\d+)?)", r" between \1 and \2 "),
    (r"(?<=\d) تا (?=\d)", " to "),
    (r"هزار(?=[\s\u200c]+میلیارد)", " thousand "),
    (r"میلیارد", " billion "),
    (r"میلیون", " million "),
    (r"هزار", " thousand "),
    (r"دلار(?:[\s\u200c]+آمریکا)?", " dollars "),
    (r"یورو", " euros "),
    (r"ریال", " rials "),
    (r"تومان", " tomans "),
    (r"یوان", " yuan "),
    (r"روبل", " rubles "),
    (r"واحد درصد", " percentage points "),
    (r"درصد", " percent "),
    (r"(?<=\d)\s*%", " percent"),
    (r"دستگاه خودرو|خودروهای|خودرو(?=\s*(?:از|به))", " cars "),
    (r"(?<=\d) بند", " paragraphs "),
    (r"(?<=\d) هیئت", " delegations "),
    (r"کیسه", " bags "),
    (r"(?<=[\d\s])قرارداد(?!\w)", " contracts "),
    (r"(?<=[\d\s])(?:سند|تفاهم[\s\u200c]?نامه)(?!\w)", " memoranda "),
    (r"(?<=[\d\s])شرکت(?!\w)", " companies "),
    (r"(?<=[\d\s])بشکه(?!\w)", " barrels "),
    (r"(?<=[\d\s])کانتینر(?!\w)", " containers "),
    (r"(?<=[\d\s])واگن(?!\w)", " wagons "),
    (r"(?<=[\d\s])تن(?!\w)", " tonnes "),
    # Comparators.
    (r"نزدیک به|قریب به|حدود|حدوداً|حدودا|تقریباً|تقریبا|در حدود", " about "),
    (r"کمی بیش از|اندکی بیش از", " just over "),
    (r"بیش از|بیشتر از|افزون بر|بالغ بر|فراتر از", " more than "),
    (r"کمتر از|کم‌تر از", " less than "),
    (r"دست‌کم|دست کم|حداقل", " at least "),
    (r"حداکثر", " at most "),
    # Changes, with their direction.
    (r"(\d+(?:\.\d+)?) برابر", r" \1-fold "),
    (r"کاهش\s*(?:یافت|یافته|داشت|داشته)|کاهش|افت", " fell "),
    (r"افزایش\s*(?:یافت|یافته|داشت|داشته)|افزایش|رشد", " rose "),
    (r"(?<=rose )\s*(\d)", r" by \1"),
    (r"(?<=fell )\s*(\d)", r" by \1"),
]

_ENGLISH: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"\bbpd\b", "barrels per day"),
]

_COMPILED = {
    "en": _rules(_ENGLISH),
    "ru": _rules(_RUSSIAN, re.IGNORECASE),
    "fa": _rules(_PERSIAN),
}
# Applied in every language, after the language's own rules.
_COMMON = _rules(
    [
        (_COMPOUND.pattern, _compound),
        (_COMPOUND.pattern, _compound),
        (r"(?<![\d.])(\d+(?:\.\d+)?)\s+thousand\s+billion\b", r"\1 trillion"),
        # "۱۲ هزار و ۵۰۰": 12,500.
        (
            r"(?<![\d.])(\d{1,3})\s+thousand\s+(?:and|و|и)\s+(\d{3})\b(?!\s*(?:million|billion))",
            lambda m: f"{int(m.group(1)) * 1000 + int(m.group(2))}",
        ),
    ]
)
_PERSIAN_DECIMAL = re.compile(r"(?<![\d/.])(\d{1,3})/(\d{1,2})(?![\d/])")

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")


def detect_language(text: str) -> str:
    """Return "ru", "fa" or "en": the script most of the letters are written in."""
    cyrillic = len(_CYRILLIC.findall(text))
    arabic = len(_ARABIC_SCRIPT.findall(text))
    if arabic > cyrillic and arabic >= 3:
        return "fa"
    if cyrillic >= 3:
        return "ru"
    return "en"


def rewrite(text: str, language: str = "") -> Rewritten:
    """Return `text` with figure, period and change words in English, mapped back."""
    language = language or detect_language(text)
    editable = _Editable(text)
    doubts = []
    editable.sub(_BIDI_MARKS, "")
    editable.sub(re.compile(_ZWNJ), " ")
    for run in _NUMBER_RUN.finditer(editable.text):
        digits = [c for c in run.group(0) if c.isdigit()]
        latin = sum(c in _LATIN_DIGITS for c in digits)
        if 0 < latin < len(digits):
            start, end = editable.starts[run.start()], editable.ends[run.end() - 1]
            doubts.append((start, end, "digits of several scripts in one number"))
    if doubts:
        # Not read at all: "۱2۳" may be two numbers glued by a change of direction.
        editable.sub(
            _NUMBER_RUN,
            lambda match: (
                "#" * len(match.group(0))
                if any(c in _LATIN_DIGITS for c in match.group(0))
                and any(c.isdigit() and c not in _LATIN_DIGITS for c in match.group(0))
                else match.group(0)
            ),
        )
    persian_digits = any(c in _EASTERN_DIGITS for c in editable.text)
    editable.sub(
        re.compile(f"[{_EASTERN_DIGITS}٫٬]+"), lambda m: m.group(0).translate(_DIGITS)
    )
    if language == "fa" or persian_digits:
        editable.sub(_PERSIAN_DECIMAL, r"\1.\2")
    for pattern, english in _COMPILED.get(language, []):
        editable.sub(pattern, english)
    if language in ("ru", "fa"):
        for pattern, english in _COMMON:
            editable.sub(pattern, english)
    return Rewritten(
        text=editable.text,
        starts=tuple(editable.starts),
        ends=tuple(editable.ends),
        doubts=tuple(doubts),
    )


def to_english_figures(text: str, language: str = "") -> str:
    """Return `text` with its figure and period words rewritten in English."""
    language = language or detect_language(text)
    english = rewrite(text, language).text
    if language == "ru":
        english = english.lower()
    return " ".join(english.split())


@dataclass(frozen=True)
class Change:
    """A change a text states: signed percent (-50 for "halved"), and how it is said."""

    percent: Decimal | None
    factor: Decimal | None
    comparator: str
    words: str

    @property
    def direction(self) -> str:
        value = self.percent if self.percent is not None else Decimal(0)
        return "drop" if value < 0 else "rise"

    def describe(self) -> str:
        """Return the change in words: "rise of 36.4%", "drop of 50% (halved)"."""
        hedge = {"approximately": "about ", "more_than": "more than "}.get(
            self.comparator, ""
        )
        if self.percent is None:
            return f"change: {self.words}"
        size = f"{abs(self.percent).normalize():f}%"
        said = f" ({self.words})" if self.factor is not None else ""
        return f"{self.direction} of {hedge}{size}{said}"


_FACTORS = {
    "twofold": Decimal(2),
    "doubled": Decimal(2),
    "doubling": Decimal(2),
    "threefold": Decimal(3),
    "tripled": Decimal(3),
    "trebled": Decimal(3),
    "fourfold": Decimal(4),
    "quadrupled": Decimal(4),
    "fivefold": Decimal(5),
    "tenfold": Decimal(10),
    "halved": Decimal("0.5"),
    "in half": Decimal("0.5"),
}
_HEDGES = r"(?P<hedge>nearly|almost|about|roughly|around|more than|over)\s+"
_FACTOR = re.compile(
    rf"(?:{_HEDGES})?(?:(?P<digits>\d+(?:\.\d+)?)-fold"
    rf"|\b(?P<word>{'|'.join(sorted(_FACTORS, key=len, reverse=True))})\b)",
    re.IGNORECASE,
)
_FALL_WORDS = re.compile(
    r"\b(?:fell|fall|drop\w*|declin\w*|decreas\w*|shr[ai]nk\w*|cut|less|lower|"
    r"reduc\w*)\b",
    re.IGNORECASE,
)


# Where a clause ends: a fall word beyond one is about another figure ("fell 12
# percent, but steel exports doubled").
_CLAUSE_END = re.compile(
    r"[,;،؛]|\b(?:but|while|whereas)\b|(?<!\w)(?:اما|ولی|но|а)(?!\w)"
)


def _clause_around(english: str, start: int, end: int) -> str:
    """Return up to 60 characters before and 20 after [start, end), in its clause."""
    before = english[max(0, start - 60) : start]
    cuts = list(_CLAUSE_END.finditer(before))
    if cuts:
        before = before[cuts[-1].end() :]
    after = english[end : end + 20]
    cut = _CLAUSE_END.search(after)
    if cut:
        after = after[: cut.start()]
    return before + english[start:end] + after


def change_spans(english: str) -> list[tuple[int, int]]:
    """Return where a rewritten text states a change by a factor ("doubled")."""
    return [match.span() for match in _FACTOR.finditer(english)]


def find_change(english: str) -> Change | None:
    """Return the change a rewritten text states: a percentage or a factor, signed."""
    factor_match = _FACTOR.search(english)
    if factor_match:
        if factor_match.group("digits"):
            factor = Decimal(factor_match.group("digits"))
        else:
            factor = _FACTORS[factor_match.group("word").lower()]
        window = _clause_around(english, factor_match.start(), factor_match.end())
        falling = factor < 1 or bool(_FALL_WORDS.search(window))
        if falling and factor > 1:
            factor = 1 / factor  # "fell threefold": a third of what it was
        hedge = (factor_match.group("hedge") or "").lower()
        comparator = {"more than": "more_than", "over": "more_than"}.get(
            hedge, "approximately" if hedge else "exact"
        )
        percent = ((factor - 1) * 100).quantize(Decimal("0.1")).normalize()
        return Change(percent, factor, comparator, factor_match.group(0).strip())
    if "percent" not in english:
        return None
    try:
        change = parse_change(english)
    except AmountParseError:
        return None
    sign = -1 if change.direction == "drop" else 1
    return Change(sign * change.percent, None, change.comparator, "")


# Periods a rewritten text names, read against the document's date.
_IRANIAN_YEAR = re.compile(r"\b(?:the )?iranian year (1[34]\d\d)\b")
_RELATIVE_PERIOD = re.compile(r"\b(?:last|this) (?:iranian )?year\b")
_HALF = re.compile(r"\bin the (first|second) half(?: of)?(?: (\d{4}))?")
_MONTH_RANGE = re.compile(
    rf"\b(?P<first>{'|'.join(_ENGLISH_MONTHS)}) to "
    rf"(?P<last>{'|'.join(_ENGLISH_MONTHS)})"
    r"(?: (?:of )?(?P<year>\d{4}))?"
)
_IN_YEAR = re.compile(r"\b(?:in|for|of|by) ((?:19|20|21)\d\d)\b|\b((?:19|20|21)\d\d)\b")


def find_period(english: str, reference: date | None = None) -> Period | None:
    """Return the period a rewritten text names, relative ones against `reference`."""
    lowered = " ".join(english.lower().split())
    try:
        if match := _IRANIAN_YEAR.search(lowered):
            return solar_hijri_year(int(match.group(1)))
        if match := _MONTH_RANGE.search(lowered):
            return _months(match, reference)
        if match := _HALF.search(lowered):
            return _half(match, reference)
        if match := _IN_YEAR.search(lowered):
            return calendar_year(int(match.group(1) or match.group(2)))
        if (match := _RELATIVE_PERIOD.search(lowered)) and reference is not None:
            return parse_period(match.group(0), reference)
    except (PeriodParseError, ValueError):
        return None
    return None


def _months(match: re.Match[str], reference: date | None) -> Period | None:
    first = _ENGLISH_MONTHS.index(match.group("first")) + 1
    last = _ENGLISH_MONTHS.index(match.group("last")) + 1
    if last < first:
        return None
    if match.group("year"):
        year = int(match.group("year"))
    elif reference is not None:
        # The latest such months that ended before the document: "January to
        # October" said in December 2023 is 2023's, said in May 2024 it is 2023's too.
        year = reference.year if reference.month > last else reference.year - 1
    else:
        return None
    end = date(year + last // 12, last % 12 + 1, 1) - timedelta(days=1)
    resolution = "" if match.group("year") else f"read against {reference}"
    return Period(date(year, first, 1), end, match.group(0), resolution)


def _half(match: re.Match[str], reference: date | None) -> Period | None:
    first = match.group(1) == "first"
    if match.group(2):
        year = int(match.group(2))
    elif reference is not None:
        ended = reference.month > 6 if first else False
        year = reference.year if ended else reference.year - 1
    else:
        return None
    start, end = (
        (date(year, 1, 1), date(year, 6, 30))
        if first
        else (
            date(year, 7, 1),
            date(year, 12, 31),
        )
    )
    resolution = "" if match.group(2) else f"read against {reference}"
    return Period(start, end, match.group(0), resolution)


__all__ = [
    "LANGUAGE_NAMES",
    "SUPPORTED_LANGUAGES",
    "Change",
    "Rewritten",
    "change_spans",
    "detect_language",
    "find_amounts",
    "find_change",
    "find_period",
    "rewrite",
    "to_english_figures",
]
