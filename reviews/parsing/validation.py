"""Google's documented ClaimReview rules, checked on JSON-LD (no network).

Google retired the ClaimReview rich result and its testing tool in 2025; these are
its documented required and recommended properties (see docs/external-reviews.md),
plus what makes a review unreadable by an aggregator. An `error` breaks a required
rule; a `warning` misses a recommendation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .records import RecordError, read_datetime, read_number, site_of, text_of

ERROR = "error"
WARNING = "warning"
CLAIM_REVIEWED_RECOMMENDED = 75

# Every rule: its name, severity and what it asks (docs and the API list them).
RULES: dict[str, tuple[str, str]] = {
    "type": (ERROR, "@type is ClaimReview"),
    "claimReviewed.required": (ERROR, "claimReviewed is given"),
    "claimReviewed.length": (
        WARNING,
        f"claimReviewed is short (under {CLAIM_REVIEWED_RECOMMENDED} characters)",
    ),
    "claimReviewed.rating": (WARNING, "claimReviewed does not carry the rating"),
    "url.required": (ERROR, "url, the page that shows the review, is given"),
    "url.http": (ERROR, "url is an http(s) URL"),
    "url.site": (ERROR, "url is on the site of the review's author (publisher)"),
    "reviewRating.required": (ERROR, "reviewRating is given"),
    "reviewRating.alternateName": (
        ERROR,
        "reviewRating.alternateName, the textual rating, is given",
    ),
    "reviewRating.ratingValue": (WARNING, "reviewRating.ratingValue is given"),
    "reviewRating.scale": (
        WARNING,
        "reviewRating.bestRating and worstRating are given with a ratingValue",
    ),
    "reviewRating.number": (ERROR, "ratingValue, bestRating, worstRating are numbers"),
    "reviewRating.range": (
        ERROR,
        "ratingValue lies between worstRating and bestRating, best above worst",
    ),
    "author.recommended": (WARNING, "author (an Organization) is given"),
    "author.name": (WARNING, "author has a name"),
    "author.url": (WARNING, "author has a url"),
    "datePublished.recommended": (WARNING, "datePublished is given"),
    "date.format": (ERROR, "dates are ISO 8601"),
    "itemReviewed.recommended": (WARNING, "itemReviewed (a Claim) is given"),
    "itemReviewed.type": (WARNING, "itemReviewed is a Claim"),
    "itemReviewed.author": (WARNING, "itemReviewed.author, the claimant, is given"),
    "itemReviewed.claimant": (
        WARNING,
        "the claim is attributed to someone other than the reviewer",
    ),
    "itemReviewed.datePublished": (WARNING, "itemReviewed.datePublished is given"),
    "itemReviewed.appearance": (
        WARNING,
        "itemReviewed.appearance or firstAppearance is given",
    ),
    "page.one-per-claim": (WARNING, "one ClaimReview per claim reviewed on a page"),
}


@dataclass(frozen=True)
class Problem:
    """A broken rule: which, how serious, where, and what was found."""

    rule: str
    severity: str
    path: str
    message: str


def _problem(rule: str, path: str, message: str = "") -> Problem:
    severity, asks = RULES[rule]
    return Problem(rule, severity, path, message or f"Expected: {asks}.")


def validate_claim_review(review: Any, path: str = "") -> list[Problem]:
    """Return every rule a ClaimReview JSON-LD object breaks (empty: it passes)."""
    at = f"{path}." if path else ""
    if not isinstance(review, dict):
        return [_problem("type", path or "$", "Not a JSON object.")]
    problems: list[Problem] = []
    types = review.get("@type")
    types = types if isinstance(types, list) else [types]
    if "ClaimReview" not in types:
        problems.append(_problem("type", f"{at}@type", f"@type is {types!r}."))
    claim_reviewed = text_of(review.get("claimReviewed"), 100_000)
    if not claim_reviewed:
        problems.append(_problem("claimReviewed.required", f"{at}claimReviewed"))
    elif len(claim_reviewed) > CLAIM_REVIEWED_RECOMMENDED:
        problems.append(
            _problem(
                "claimReviewed.length",
                f"{at}claimReviewed",
                f"claimReviewed is {len(claim_reviewed)} characters; "
                f"under {CLAIM_REVIEWED_RECOMMENDED} is recommended.",
            )
        )
    problems += _url_problems(review, at)
    problems += _rating_problems(review, at, claim_reviewed)
    problems += _author_problems(review, at)
    problems += _date_problems(review.get("datePublished"), f"{at}datePublished")
    if review.get("datePublished") in (None, ""):
        problems.append(_problem("datePublished.recommended", f"{at}datePublished"))
    problems += _date_problems(review.get("dateModified"), f"{at}dateModified")
    problems += _item_problems(review, at)
    return problems


def validate_page(nodes: list[Any]) -> list[Problem]:
    """Return the problems of every ClaimReview of a page, and of the page itself."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path, review in nodes_of(nodes):
        problems += validate_claim_review(review, path)
        key = text_of(review.get("claimReviewed"), 100_000).casefold()
        if key and key in seen:
            problems.append(
                _problem(
                    "page.one-per-claim",
                    path,
                    f"The same claim is reviewed again (first at {seen[key]}).",
                )
            )
        seen.setdefault(key, path)
    return problems


def nodes_of(nodes: list[Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Return the ClaimReview objects of JSON-LD nodes (lists and @graph opened)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for index, node in enumerate(nodes):
        here = f"{path}[{index}]"
        if isinstance(node, list):
            found += nodes_of(node, here)
        elif isinstance(node, dict) and isinstance(node.get("@graph"), list):
            found += nodes_of(node["@graph"], f"{here}.@graph")
        elif isinstance(node, dict):
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if "ClaimReview" in types or "claimReviewed" in node:
                found.append((here, node))
    return found


def _url_problems(review: dict[str, Any], at: str) -> list[Problem]:
    url = text_of(review.get("url"), 10_000)
    if not url:
        return [_problem("url.required", f"{at}url")]
    if not url.startswith(("http://", "https://")) or not site_of(url):
        return [_problem("url.http", f"{at}url", f"url {url[:200]!r} is not http(s).")]
    author = review.get("author")
    author = author[0] if isinstance(author, list) and author else author
    owner = ""
    if isinstance(author, dict):
        owner = text_of(author.get("url"), 10_000)
    if not owner and isinstance(review.get("publisher"), dict):
        owner = text_of(review["publisher"].get("url"), 10_000)
    owner_site, page_site = site_of(owner), site_of(url)
    if owner_site and not (
        page_site == owner_site or page_site.endswith("." + owner_site)
    ):
        return [
            _problem(
                "url.site",
                f"{at}url",
                f"url is on {page_site}, the author's site is {owner_site}.",
            )
        ]
    return []


def _rating_problems(
    review: dict[str, Any], at: str, claim_reviewed: str
) -> list[Problem]:
    rating = review.get("reviewRating")
    path = f"{at}reviewRating"
    if not isinstance(rating, dict):
        return [_problem("reviewRating.required", path)]
    problems: list[Problem] = []
    label = text_of(rating.get("alternateName"), 1000)
    if not label:
        problems.append(_problem("reviewRating.alternateName", f"{path}.alternateName"))
    elif _carries_rating(claim_reviewed, label):
        problems.append(
            _problem(
                "claimReviewed.rating",
                f"{at}claimReviewed",
                f"claimReviewed contains the rating {label!r}.",
            )
        )
    numbers: dict[str, Decimal | None] = {}
    for name in ("ratingValue", "bestRating", "worstRating"):
        try:
            numbers[name] = read_number(rating.get(name), name)
        except RecordError:
            numbers[name] = None
            problems.append(
                _problem(
                    "reviewRating.number",
                    f"{path}.{name}",
                    f"{name} {rating.get(name)!r} is not a number.",
                )
            )
    value, best, worst = (
        numbers["ratingValue"],
        numbers["bestRating"],
        numbers["worstRating"],
    )
    if rating.get("ratingValue") in (None, ""):
        problems.append(_problem("reviewRating.ratingValue", f"{path}.ratingValue"))
    elif best is None or worst is None:
        problems.append(_problem("reviewRating.scale", path))
    if best is not None and worst is not None and best <= worst:
        problems.append(
            _problem(
                "reviewRating.range",
                path,
                f"bestRating {best} is not above worstRating {worst}.",
            )
        )
    elif (
        value is not None
        and best is not None
        and worst is not None
        and not worst <= value <= best
    ):
        problems.append(
            _problem(
                "reviewRating.range",
                f"{path}.ratingValue",
                f"ratingValue {value} is outside {worst}..{best}.",
            )
        )
    return problems


def _carries_rating(claim_reviewed: str, label: str) -> bool:
    """Whether claimReviewed opens or ends with the rating ("False: ...")."""
    pattern = rf"^\W*{re.escape(label)}(\W|$)|(^|\W){re.escape(label)}\W*$"
    return (
        len(label) > 2 and re.search(pattern, claim_reviewed, re.IGNORECASE) is not None
    )


def _author_problems(review: dict[str, Any], at: str) -> list[Problem]:
    author = review.get("author")
    author = author[0] if isinstance(author, list) and author else author
    if not isinstance(author, dict):
        return [_problem("author.recommended", f"{at}author")]
    problems = []
    if not text_of(author.get("name")):
        problems.append(_problem("author.name", f"{at}author.name"))
    if not text_of(author.get("url"), 10_000):
        problems.append(_problem("author.url", f"{at}author.url"))
    return problems


def _date_problems(value: object, path: str) -> list[Problem]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            read_datetime(value)
            if value[:4].isdigit():
                return []
        except RecordError:
            pass
    return [_problem("date.format", path, f"{value!r} is not an ISO 8601 date.")]


def _item_problems(review: dict[str, Any], at: str) -> list[Problem]:
    item = review.get("itemReviewed")
    path = f"{at}itemReviewed"
    if not isinstance(item, dict):
        return [_problem("itemReviewed.recommended", path)]
    problems = []
    if item.get("@type") != "Claim":
        problems.append(_problem("itemReviewed.type", f"{path}.@type"))
    claimant = item.get("author")
    claimant = claimant[0] if isinstance(claimant, list) and claimant else claimant
    if not claimant:
        problems.append(_problem("itemReviewed.author", f"{path}.author"))
    else:
        reviewer = review.get("author")
        reviewer = reviewer[0] if isinstance(reviewer, list) and reviewer else reviewer
        name = text_of(claimant).casefold()
        if (
            name
            and isinstance(reviewer, dict)
            and name == text_of(reviewer.get("name")).casefold()
        ):
            problems.append(_problem("itemReviewed.claimant", f"{path}.author"))
    if item.get("datePublished") in (None, ""):
        problems.append(_problem("itemReviewed.datePublished", f"{path}.datePublished"))
    else:
        problems += _date_problems(item.get("datePublished"), f"{path}.datePublished")
    if not item.get("appearance") and not item.get("firstAppearance"):
        problems.append(_problem("itemReviewed.appearance", f"{path}.appearance"))
    return problems
