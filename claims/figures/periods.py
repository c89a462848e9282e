"""Read the period a figure refers to: "2013", "from 2007 to 2009", "last year", ...

Iranian (Solar Hijri) years run from Nowruz to Nowruz and are converted with
jdatetime. Relative labels ("last year", "past Iranian calendar year") are resolved
against the claim's date, and the resolution is recorded so an editor can check it.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

import jdatetime

_COUNT_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
}
_IRANIAN = r"(?:iranian|persian|solar[ -]hijri)"
_RELATIVE_OFFSETS = {
    "last": -1,
    "past": -1,
    "previous": -1,
    "this": 0,
    "current": 0,
    "next": 1,
    "coming": 1,
}
_YEAR = re.compile(r"(?:the )?(?:calendar |gregorian )?(?:year )?(\d{4})")
_YEAR_RANGE = re.compile(
    r"(?:from )?(\d{4}) ?(?:to|through|until|till|-|–|—) ?(\d{4})"
    r"|between (\d{4}) and (\d{4})"
)
_LEADING_UP_TO = re.compile(
    r"(?:the )?(?:(?:past|last|previous) )?(\w+) years (?:leading up to|before|prior to"
    r"|preceding) (\d{4})"
)
_SOLAR_HIJRI = re.compile(
    rf"(?:the )?{_IRANIAN} (?:calendar )?year (\d{{4}})"
    rf"|(\d{{4}}) ?\({_IRANIAN}(?: calendar)?(?: year)?\)"
    r"|(\d{4}) (?:sh|ap)"
)
_RELATIVE = re.compile(
    rf"(?:the )?(?P<when>{'|'.join(_RELATIVE_OFFSETS)}) (?P<iranian>{_IRANIAN} )?"
    r"(?:calendar )?year"
)
_LEADING_WORDS = re.compile(r"^(?:in|during|for|over|of|throughout) ")


class PeriodParseError(ValueError):
    """Say which period label could not be read, and why."""


@dataclass(frozen=True)
class Period:
    """The days a figure covers, both ends included, with the label it was read from."""

    start: date
    end: date
    label: str
    resolution: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise PeriodParseError(
                f"The period {self.label!r} ends ({self.end}) before it starts "
                f"({self.start})."
            )


def calendar_year(year: int) -> Period:
    """Return the Gregorian year `year`, 1 January to 31 December."""
    return Period(date(year, 1, 1), date(year, 12, 31), str(year))


def year_range(first: int, last: int) -> Period:
    """Return the calendar years `first` to `last`, both included."""
    if last < first:
        raise PeriodParseError(f"The range {first} to {last} ends before it starts.")
    return Period(date(first, 1, 1), date(last, 12, 31), f"{first} to {last}")


def years_leading_up_to(count: int, year: int) -> Period:
    """Return the `count` whole calendar years before `year`, not including `year`.

    "The four years leading up to 2013" is 2009-01-01 to 2012-12-31: 2013 is the year
    being led up to, so it is not one of the four.
    """
    if count < 1:
        raise PeriodParseError(f"Cannot take {count} years leading up to {year}.")
    return Period(
        date(year - count, 1, 1),
        date(year - 1, 12, 31),
        f"the {count} years leading up to {year}",
    )


def solar_hijri_year(year: int) -> Period:
    """Return the Iranian (Solar Hijri) year `year`, Nowruz to the eve of Nowruz."""
    start = jdatetime.date(year, 1, 1).togregorian()
    end = jdatetime.date(year + 1, 1, 1).togregorian() - timedelta(days=1)
    return Period(start, end, f"Iranian calendar year {year}")


def solar_hijri_year_of(day: date) -> int:
    """Return the Iranian (Solar Hijri) year `day` falls in."""
    year: int = jdatetime.date.fromgregorian(date=day).year
    return year


def parse_period(label: str, reference: date | None = None) -> Period:
    """Return the period `label` names, resolving relative labels against `reference`.

    `reference` is the claim's date. Plain "last year" (and "the past year") is read
    as the previous Gregorian calendar year, and `resolution` says to check it: in the
    Iranian sources "last year" is usually the Iranian year, which editors correct by
    hand. "Past/last Iranian calendar year" is the Iranian year before the one
    `reference` falls in: 1391 for 2013-04-23. A bare year below 1500 is refused, as it
    is most likely an Iranian year written without saying so.
    """
    written = " ".join(label.split()).strip(" .,;:")
    if not written:
        raise PeriodParseError("The period is empty.")
    text = _LEADING_WORDS.sub("", written.lower()).replace("’", "'")
    if match := _SOLAR_HIJRI.fullmatch(text):
        year = int(next(group for group in match.groups() if group))
        return _relabel(solar_hijri_year(year), written)
    if match := _YEAR_RANGE.fullmatch(text):
        first, last = (int(group) for group in match.groups() if group)
        _check_gregorian(first, written)
        _check_gregorian(last, written)
        return _relabel(year_range(first, last), written)
    if match := _LEADING_UP_TO.fullmatch(text):
        count = _count(match.group(1), written)
        year = int(match.group(2))
        _check_gregorian(year, written)
        return _relabel(years_leading_up_to(count, year), written)
    if match := _YEAR.fullmatch(text):
        year = int(match.group(1))
        _check_gregorian(year, written)
        return _relabel(calendar_year(year), written)
    if match := _RELATIVE.fullmatch(text):
        return _relative(
            written,
            offset=_RELATIVE_OFFSETS[match.group("when")],
            iranian=bool(match.group("iranian")),
            reference=reference,
        )
    raise PeriodParseError(
        f"Could not read the period {written!r}: write a year ('2013'), a range "
        "('2007 to 2009'), an Iranian year ('Iranian calendar year 1391') or a label "
        "relative to the claim date ('last year')."
    )


def _relative(
    written: str, *, offset: int, iranian: bool, reference: date | None
) -> Period:
    if reference is None:
        raise PeriodParseError(
            f"{written!r} is relative: give the claim's date to resolve it."
        )
    iranian_year = solar_hijri_year_of(reference) + offset
    iranian_period = solar_hijri_year(iranian_year)
    iranian_text = (
        f"the Iranian year {iranian_year} "
        f"({iranian_period.start} to {iranian_period.end})"
    )
    intro = f"{written!r} resolved against the claim date {reference} as"
    if iranian:
        return Period(
            iranian_period.start,
            iranian_period.end,
            written,
            resolution=f"{intro} {iranian_text}",
        )
    period = calendar_year(reference.year + offset)
    return Period(
        period.start,
        period.end,
        written,
        resolution=(
            f"{intro} the calendar year {period.label} ({period.start} to "
            f"{period.end}); an editor should check whether the speaker meant "
            f"{iranian_text}"
        ),
    )


def _relabel(period: Period, written: str) -> Period:
    return Period(period.start, period.end, written, period.resolution)


def _count(word: str, written: str) -> int:
    if word.isdigit():
        return int(word)
    if word in _COUNT_WORDS:
        return _COUNT_WORDS[word]
    raise PeriodParseError(f"Could not read how many years {written!r} means.")


def _check_gregorian(year: int, written: str) -> None:
    if 1300 <= year < 1500:
        raise PeriodParseError(
            f"{year} in {written!r} looks like an Iranian year: write "
            f"'Iranian calendar year {year}' or '{year} (Iranian calendar)'."
        )
    if not 1500 <= year <= 2199:
        raise PeriodParseError(
            f"{year} in {written!r} is not a year this service reads."
        )
