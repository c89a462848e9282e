"""One published review, read from whichever shape it came in, as a ReviewRecord."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from claims.figures.quantities import find_amounts
from claims.matching.languages import detect_language, to_english_figures
from claims.matching.query import read_period

CLAIM_REVIEWED_MAX = 2000
TEXT_MAX = 500


class RecordError(ValueError):
    """An item that cannot be stored, with why (shown with its position)."""


@dataclass(frozen=True)
class Figure:
    """The figure a review's claim states, read with our parser."""

    value: Decimal
    unit: str
    comparator: str
    value_upper: Decimal | None
    period_start: date | None
    period_end: date | None
    period_label: str


@dataclass(frozen=True)
class ReviewRecord:
    """What a published review says, in our field names."""

    kind: str  # "claim" or "media"
    claim_reviewed: str
    url: str
    publisher_name: str
    publisher_site: str
    author_name: str = ""
    date_published: date | None = None
    date_modified: datetime | None = None
    language: str = ""
    textual_rating: str = ""
    rating_value: Decimal | None = None
    best_rating: Decimal | None = None
    worst_rating: Decimal | None = None
    claimant_name: str = ""
    claimant_same_as: str = ""
    claim_date: date | None = None
    appearances: tuple[str, ...] = ()
    first_appearance: str = ""
    media_category: str = ""
    media_urls: tuple[str, ...] = ()
    original: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        """The identity of a review: its url, what it reviews, and who published it."""
        return (self.url, self.claim_reviewed, self.publisher_site)


def site_of(url: str) -> str:
    """Return the host of a URL without `www.`, lower case ('' if none)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().removeprefix("www.")


_DAY_FIRST = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
# ISO 8601 dates of a year or a month's precision ("2014", "2014-05").
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def read_datetime(value: object) -> datetime | None:
    """Read a date or date-time in the shapes feeds use; None if absent.

    ISO 8601 with or without time and zone, `2021-03-04 10:00:00`, `04.03.2021`
    (day first), or epoch seconds. Raises RecordError for an unreadable one.
    """
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError) as error:
            raise RecordError(f"date out of range: {value!r}") from error
    if not isinstance(value, str):
        raise RecordError(f"not a date: {value!r}")
    text = value.strip()
    day_first = _DAY_FIRST.match(text)
    partial = _PARTIAL.match(text)
    try:
        if partial:
            moment = datetime(int(partial[1]), int(partial[2] or 1), 1, tzinfo=UTC)
        elif day_first:
            day, month, year = (int(part) for part in day_first.groups())
            moment = datetime(year, month, day, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise RecordError(f"not a date: {value!r}") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def read_date(value: object) -> date | None:
    moment = read_datetime(value)
    return moment.date() if moment else None


def read_number(value: object, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{name}: not a number: {value!r}")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation as error:
        raise RecordError(f"{name}: not a number: {value!r}") from error
    if not number.is_finite():
        raise RecordError(f"{name}: not a number: {value!r}")
    return number


def text_of(value: object, limit: int = TEXT_MAX) -> str:
    """Return a plain string of a field that may be a string, number or list."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or ""
    return " ".join(str(value).split())[:limit]


def url_of(value: object) -> str:
    """Return the URL of an appearance: a string, or an object with `url`."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return text_of(value.get("url") or value.get("contentUrl") or "", 1000)
    return ""


def urls_of(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    return tuple(url for url in (url_of(item) for item in items) if url)


def _organisation(value: object) -> tuple[str, str]:
    """Return (name, url) of an author or publisher: object, list or string."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return text_of(value.get("name")), text_of(
            value.get("url") or value.get("site"), 1000
        )
    if isinstance(value, str):
        return text_of(value), ""
    return "", ""


def figure_of(
    claim_reviewed: str, *, claim_date: date | None, language: str
) -> Figure | None:
    """Return the first figure the reviewed claim states, read as our claims are.

    The same steps as claims.matching.query.read_facts (Russian and Persian figure
    words rewritten in English, then our amount parser), keeping the unit as a
    claim stores it (USD, not the matcher's lower-case key).
    """
    code = language.split("-")[0].lower() or detect_language(claim_reviewed)
    english = to_english_figures(claim_reviewed, code)
    amounts = find_amounts(english)
    if not amounts:
        return None
    amount = amounts[0][2]
    period, _ = read_period(english, claim_date)
    return Figure(
        value=amount.value,
        unit=amount.unit,
        comparator=str(amount.comparator),
        value_upper=amount.value_upper,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        period_label=period.label if period else "",
    )


def _require_url(url: str, name: str) -> str:
    if not url:
        raise RecordError(f"{name} is missing")
    if urlsplit(url).scheme not in {"http", "https"} or not site_of(url):
        raise RecordError(f"{name} is not an http(s) URL: {url[:200]!r}")
    if len(url) > 1000:
        raise RecordError(f"{name} is longer than 1,000 characters")
    return url


def record_of_claim_review(
    item: dict[str, Any], *, publisher: object = None, language: str = ""
) -> ReviewRecord:
    """Read a schema.org ClaimReview or MediaReview object (JSON-LD).

    `publisher` is the feed's own publisher, used when the item names none.
    Raises RecordError when the item cannot be stored.
    """
    if not isinstance(item, dict):
        raise RecordError("not an object")
    types = item.get("@type", "ClaimReview")
    types = types if isinstance(types, list) else [types]
    kind = "media" if "MediaReview" in types else "claim"
    if kind == "claim" and "ClaimReview" not in types:
        raise RecordError(f"not a ClaimReview or MediaReview: @type {types!r}")
    url = _require_url(text_of(item.get("url"), 2000), "url")
    reviewed = item.get("itemReviewed")
    if isinstance(reviewed, list):
        reviewed = reviewed[0] if reviewed else None
    reviewed = reviewed if isinstance(reviewed, dict) else {}
    claim_reviewed = text_of(item.get("claimReviewed"), CLAIM_REVIEWED_MAX + 1)
    if kind == "media" and not claim_reviewed:
        claim_reviewed = text_of(
            item.get("name") or item.get("headline") or reviewed.get("name"),
            CLAIM_REVIEWED_MAX,
        )
    if not claim_reviewed:
        raise RecordError("claimReviewed is missing")
    if len(claim_reviewed) > CLAIM_REVIEWED_MAX:
        raise RecordError("claimReviewed is longer than 2,000 characters")
    author_name, author_url = _organisation(item.get("author"))
    publisher_name, publisher_url = _organisation(
        item.get("publisher") or item.get("sdPublisher") or publisher
    )
    # The reviewer is the author organisation in most feeds, the publisher in some.
    name = publisher_name or author_name
    site = site_of(publisher_url or author_url) or site_of(url)
    rating = item.get("reviewRating")
    if isinstance(rating, list):
        rating = rating[0] if rating else None
    rating = rating if isinstance(rating, dict) else {}
    textual = text_of(rating.get("alternateName") or rating.get("name"), 200)
    claimant_name, claimant_same_as = "", ""
    claimant = reviewed.get("author")
    if isinstance(claimant, list):
        claimant = claimant[0] if claimant else None
    if isinstance(claimant, dict):
        claimant_name = text_of(claimant.get("name"), 200)
        claimant_same_as = text_of(claimant.get("sameAs"), 1000)
    elif isinstance(claimant, str):
        claimant_name = text_of(claimant, 200)
    language = text_of(item.get("inLanguage"), 35) or language
    if isinstance(item.get("inLanguage"), dict):
        language = text_of(item["inLanguage"].get("alternateName"), 35) or language
    claim_date = read_date(reviewed.get("datePublished"))
    media_urls: tuple[str, ...] = ()
    category = ""
    if kind == "media":
        category = text_of(item.get("mediaAuthenticityCategory"), 60)
        media_urls = urls_of(
            [reviewed.get("contentUrl"), reviewed.get("originalMediaLink")]
        )
    return ReviewRecord(
        kind=kind,
        claim_reviewed=claim_reviewed,
        url=url,
        publisher_name=(name or site)[:200],
        publisher_site=site,
        author_name=author_name[:200],
        date_published=read_date(item.get("datePublished")),
        date_modified=read_datetime(item.get("dateModified")),
        language=language[:35],
        textual_rating=textual,
        rating_value=read_number(rating.get("ratingValue"), "ratingValue"),
        best_rating=read_number(rating.get("bestRating"), "bestRating"),
        worst_rating=read_number(rating.get("worstRating"), "worstRating"),
        claimant_name=claimant_name,
        claimant_same_as=claimant_same_as,
        claim_date=claim_date,
        appearances=urls_of(reviewed.get("appearance"))[:50],
        first_appearance=url_of(reviewed.get("firstAppearance"))[:1000],
        media_category=category,
        media_urls=media_urls[:20],
        original=item,
    )


def record_of_google_review(
    claim: dict[str, Any], review: dict[str, Any]
) -> ReviewRecord:
    """Read one `claimReview` of a Google Fact Check Tools `claims:search` claim."""
    if not isinstance(review, dict):
        raise RecordError("claimReview is not an object")
    url = _require_url(text_of(review.get("url"), 2000), "url")
    claim_reviewed = text_of(claim.get("text"), CLAIM_REVIEWED_MAX + 1)
    if not claim_reviewed:
        raise RecordError("text (the claim) is missing")
    if len(claim_reviewed) > CLAIM_REVIEWED_MAX:
        raise RecordError("text is longer than 2,000 characters")
    name, site = _organisation(review.get("publisher"))
    site = site_of(site if "//" in site else f"https://{site}") if site else ""
    site = site or site_of(url)
    return ReviewRecord(
        kind="claim",
        claim_reviewed=claim_reviewed,
        url=url,
        publisher_name=(name or site)[:200],
        publisher_site=site,
        date_published=read_date(review.get("reviewDate")),
        language=text_of(review.get("languageCode"), 35),
        textual_rating=text_of(review.get("textualRating"), 200),
        claimant_name=text_of(claim.get("claimant"), 200),
        claim_date=read_date(claim.get("claimDate")),
        original={
            "claim": {k: v for k, v in claim.items() if k != "claimReview"},
            "claimReview": review,
        },
    )
