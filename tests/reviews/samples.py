"""Feeds in the real shapes of EVIDENCE.md, with values made up for the tests.

Every review here is invented for a test (publishers on example.org/.net/.com, the
reserved documentation domains): none is a real fact-check.
"""

import csv
import io
import json
from typing import Any

# Made up for the tests: a review of a made-up claim on a made-up checker's site.
TRADE_CLAIM = "Iran-Russia trade hit $5 billion in 2014"


def claim_review(
    number: int = 1,
    *,
    claim: str = TRADE_CLAIM,
    rating: str = "False",
    site: str = "checker.example.org",
    date_modified: str | None = None,
    appearance: Any = None,
    **extra: Any,
) -> dict[str, Any]:
    """Return a made-up ClaimReview in the DataFeed / Fact-Check Insights shape."""
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim,
        "url": f"https://{site}/checks/{number}",
        "datePublished": "2021-03-04",
        "author": {
            "@type": "Organization",
            "name": "Example Checker",
            "url": f"https://{site}/",
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": rating,
            "ratingValue": 1,
            "bestRating": 5,
            "worstRating": 1,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {
                "name": "A made-up official",
                "sameAs": "https://www.wikidata.org/wiki/Q4115189",
            },
            "datePublished": "2021-03-01",
            "appearance": appearance
            if appearance is not None
            else [{"@type": "CreativeWork", "url": "https://news.example.net/a/1"}],
            "firstAppearance": "https://news.example.net/a/1",
        },
    }
    if date_modified:
        review["dateModified"] = date_modified
    review.update(extra)
    return review


def datafeed(*items: dict[str, Any]) -> bytes:
    """A Data Commons DataFeed, one DataFeedItem per review."""
    feed = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": "Made-up feed for tests",
        "dataFeedElement": [
            {
                "@type": "DataFeedItem",
                "dateCreated": "2021-03-05T10:00:00Z",
                "item": [item],
            }
            for item in items
        ],
    }
    return json.dumps(feed, ensure_ascii=False).encode()


def insights(claims: list[dict[str, Any]], media: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "claimReviews": claims,
            "mediaReviews": media,
            "meta": {
                "retrievedAt": "2024-01-01T00:00:00Z",
                "claimReviewCount": len(claims),
                "mediaReviewCount": len(media),
            },
        },
        ensure_ascii=False,
    ).encode()


def media_review(number: int = 1) -> dict[str, Any]:
    return {
        "@type": "MediaReview",
        "url": f"https://checker.example.org/media/{number}",
        "datePublished": "2022-01-02",
        "author": {
            "@type": "Organization",
            "name": "Example Checker",
            "url": "https://checker.example.org/",
        },
        "mediaAuthenticityCategory": "TransformedContent",
        "itemReviewed": {
            "@type": "MediaReviewItem",
            "name": "A made-up edited video",
            "contentUrl": "https://video.example.net/v/1.mp4",
            "originalMediaLink": "https://video.example.net/v/0.mp4",
        },
    }


def google_page(claims: list[dict[str, Any]], token: str | None = None) -> dict:
    page: dict[str, Any] = {"claims": claims}
    if token:
        page["nextPageToken"] = token
    return page


def google_claim(number: int = 1, *, publisher: dict | None = None) -> dict:
    return {
        "text": TRADE_CLAIM,
        "claimant": "A made-up official",
        "claimDate": "2021-03-01T00:00:00Z",
        "claimReview": [
            {
                "publisher": publisher
                if publisher is not None
                else {"name": "Example Checker", "site": "checker.example.org"},
                "url": f"https://checker.example.org/checks/{number}",
                "title": "Made-up check",
                "reviewDate": "2021-03-04T00:00:00Z",
                "textualRating": "Falso",
                "languageCode": "es",
            }
        ],
    }


INSIGHTS_CSV_HEADER = [
    "claimReviewed",
    "datePublished",
    "url",
    "author.name",
    "author.url",
    "itemReviewed.author.name",
    "reviewRating.ratingValue",
    "reviewRating.alternateName",
    "reviewRating.bestRating",
    "reviewRating.worstRating",
    "itemReviewed.datePublished",
    "itemReviewed.firstAppearance.url",
    "itemReviewed.appearance.1.url",
    "itemReviewed.appearance.2.url",
]


def insights_csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(INSIGHTS_CSV_HEADER)
    writer.writerows(rows)
    return text.getvalue().encode()


def html_page(*reviews: dict[str, Any]) -> bytes:
    blocks = "\n".join(
        f'<script type="application/ld+json">{json.dumps(review)}</script>'
        for review in reviews
    )
    return (
        "<!DOCTYPE html><html><head><title>Made-up check</title>"
        f"{blocks}<script>document.title = 'ran';</script></head>"
        "<body><p>A made-up page for tests.</p></body></html>"
    ).encode()
