"""External reviews as answers to "has this been checked before?" (claims matching).

Registered with claims.selectors.matching in ReviewsConfig.ready, so claims never
imports this app. Retrieval is bounded like the claims' own: the reviews whose
figure is nearest the query's in the same unit (the (unit, value) index), and, for
each of the query's longest words, at most WORD_WINDOW reviews holding it (one
query a word, a LIMIT and no order, so the read stops at the window whatever the
table's size), ranked by how many of the words they hold; each scored by the same
figure-aware rules (claims.matching.scoring), so a review whose figure differs
from the query's is never `same`.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse

from claims.matching.query import STOPWORDS, Facts
from claims.matching.scoring import StoredClaim, score_match
from claims.models import Metric
from claims.selectors.matching import ExtraMatch, tolerance
from claims.selectors.retrieval import CANDIDATES_PER_SOURCE, _stored_units

from .models import ExternalReview

WORDS = 3
# How many reviews holding one word are read, at most (a bound that does not
# grow with the table); the words' windows are ranked and cut to
# CANDIDATES_PER_SOURCE.
WORD_WINDOW = 100
MIN_SCORE = 0.05
FIELDS = [
    "id",
    "claim_reviewed",
    "url",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "claim_date",
    "claimant_name",
    "textual_rating",
    "status",
    "date_published",
    "language",
    "publisher__name",
    "publisher__site",
]


def candidate_review_ids(facts: Facts) -> set[int]:
    """Return the ids of the reviews worth scoring for `facts` (a bounded set)."""
    ids: set[int] = set()
    per_side = CANDIDATES_PER_SOURCE // 4
    # One scan per stored spelling of the unit, so each is an ordered walk of the
    # (unit, value) index that stops after per_side rows. MediaReviews have no value.
    for value, unit, _, _ in facts.figures[:3]:
        for stored_unit in _stored_units(unit):
            around = ExternalReview.objects.filter(unit=stored_unit)
            ids.update(
                around.filter(value__gte=value)
                .order_by("value")
                .values_list("id", flat=True)[:per_side]
            )
            ids.update(
                around.filter(value__lt=value)
                .order_by("-value")
                .values_list("id", flat=True)[:per_side]
            )
    claims = ExternalReview.objects.filter(kind=ExternalReview.Kind.CLAIM)
    # The query's longest words, figures aside (they are found by value above).
    cleaned = (word.strip(".,;:!?\"'()«»") for word in facts.text.split())
    words = sorted(
        {
            word
            for word in cleaned
            if len(word) > 3
            and word.lower() not in STOPWORDS
            and not any(char.isdigit() for char in word)
        },
        key=lambda word: (-len(word), word),
    )[:WORDS]
    if words:
        ids.update(_word_ids(claims, words))
    return ids


def word_window(reviews: QuerySet[ExternalReview], word: str) -> QuerySet:
    """Return the query reading at most WORD_WINDOW reviews holding `word`.

    No order: the LIMIT then stops the read after WORD_WINDOW hits, whichever
    index or scan finds them (on PostgreSQL the trigram index of migration 0004
    for a rare word, the table's first pages for a word in every sixth review).
    """
    return (
        reviews.filter(claim_reviewed__icontains=word)
        .order_by()
        .values_list("id", "claim_reviewed")[:WORD_WINDOW]
    )


def _word_ids(reviews: QuerySet[ExternalReview], words: list[str]) -> list[int]:
    """Return the CANDIDATES_PER_SOURCE best of the words' windows.

    Ranked by how many of the words a review holds, then newest first.
    """
    found: dict[int, str] = {}
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A sequential scan of a large table otherwise starts where another
            # one is, so the same query would find another window each time.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronize_seqscans = off")
        for word in words:
            found.update(word_window(reviews, word))
    upper = [word.upper() for word in words]
    ranked = sorted(
        found.items(),
        key=lambda item: (-sum(word in item[1].upper() for word in upper), -item[0]),
    )
    return [pk for pk, _ in ranked[:CANDIDATES_PER_SOURCE]]


def stored_review(review: ExternalReview) -> StoredClaim:
    """Return what the scoring needs of a review, as of a claim."""
    return StoredClaim(
        id=f"review:{review.pk}",
        text=review.claim_reviewed,
        value=review.value,
        value_upper=review.value_upper,
        unit=review.unit,
        comparator=review.comparator,
        period_start=review.period_start,
        period_end=review.period_end,
        speaker_names=(review.claimant_name,) if review.claimant_name else (),
        claimed_on=review.claim_date,
    )


def review_result(review: ExternalReview) -> dict[str, object]:
    """Return a review as a match result shows it."""
    return {
        "kind": "review",
        "review": {
            "id": review.pk,
            "claim_reviewed": review.claim_reviewed,
            "url": review.url,
            "publisher": {
                "name": review.publisher.name,
                "site": review.publisher.site,
            },
            "rating": {
                "as_published": review.textual_rating,
                "status": review.status or None,
            },
            "date_published": review.date_published.isoformat()
            if review.date_published
            else None,
            "language": review.language,
            "figure": review.figure_display or None,
            "detail": reverse("review-detail", args=[review.pk]),
        },
    }


def review_matches(
    facts: Facts, *, limit: int, metric: Metric | None = None
) -> list[ExtraMatch]:
    """Return the external reviews that best match `facts`, best first."""
    ids = candidate_review_ids(facts)
    if not ids:
        return []
    reviews = (
        ExternalReview.objects.filter(pk__in=ids)
        .select_related("publisher")
        .only(*FIELDS)
    )
    metric_slug = metric.slug if metric else ""
    scored = []
    for review in reviews:
        match = score_match(
            facts, stored_review(review), tolerance=tolerance(), metric=metric_slug
        )
        if match.score >= MIN_SCORE:
            scored.append(
                ExtraMatch(
                    match.score, match.relation, match.reasons, review_result(review)
                )
            )
    scored.sort(key=lambda match: (-match.score, str(match.result["review"])))
    return scored[:limit]
