"""Find the stored claims a text (or a stored claim) matches: "checked before?" (#17).

Two steps, each bounded whatever the number of claims:

1. Retrieval (claims.selectors.retrieval.candidate_ids), a few index scans of a
   bounded number of rows each:
   - PostgreSQL, in one statement: the word windows (word_windows: each of the
     query's longest distinctive words reads at most WORD_WINDOW claims holding it
     through the search_vector GIN index, one more window the claims holding every
     word, ranked by how many they hold; they replaced pg_trgm's word similarity
     scan, which could not be bounded, #27), the newest claims holding the subjects
     and topics the query names (the same index, in English whatever the query's
     language); claims with a figure in the same unit next to the query's value
     (the (unit, value) index); and claims on the metric given or on the metrics of
     the first text hits (the subjects' first), nearest the query's period.
   - SQLite (no text search): the newest claims holding the query's longest words
     or its subjects' English names (`LIKE`), plus the same figure and metric
     scans. The API and the scoring are the same; only recall of paraphrases that
     share few words differs.
2. Re-ranking in Python by claims.matching.scoring: figure, period, metric and named
   entities, giving the score, the relation and the reasons. The candidates are
   read as plain values (stored_claims); only the answers become Claim instances.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings

from sources.models import Document, PersonAlias

from ..figures.periods import Period
from ..matching import semantic
from ..matching.query import Facts, read_facts, unit_key
from ..matching.scoring import (
    Match,
    StoredClaim,
    rank_matches,
    read_claim,
    score_match,
)
from ..models import Candidate, Claim, Metric
from .retrieval import candidate_ids

MAX_LIMIT = 50
MAX_TEXT_LENGTH = 2000


# What scoring and the short claim of an answer read: nothing more is fetched.
MATCH_FIELDS = [
    "text",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "change_percent",
    "claimed_on",
    "status",
    "version",
    "document__id",
    "document__title",
    "document__url",
    "metric__slug",
    "metric__name",
    "metric__kind",
    "speaker__name",
]


@dataclass(frozen=True)
class ClaimMatch:
    """A stored claim that answers a query, with how and why."""

    claim: Claim
    score: float
    relation: str
    reasons: list[str]


@dataclass(frozen=True)
class ExtraMatch:
    """A match from a source another app registered (an external review, ...).

    `result` is its entry in the API's answer ("kind" and its own fields); score
    and relation come from the same scoring as claims, so the two rank together.
    """

    score: float
    relation: str
    reasons: list[str]
    result: dict[str, object]


# Other apps' candidates, by name: source(facts, limit=, metric=) -> matches.
# claims imports no app that points at it: they register here in AppConfig.ready.
MatchSource = Callable[..., list[ExtraMatch]]
EXTRA_MATCH_SOURCES: dict[str, MatchSource] = {}


def register_match_source(name: str, source: MatchSource) -> None:
    """Add a source of extra matches (called from an app's AppConfig.ready)."""
    EXTRA_MATCH_SOURCES[name] = source


def extra_matches(
    facts: Facts, *, limit: int, metric: Metric | None = None
) -> list[ExtraMatch]:
    """Return every registered source's matches for `facts`, best first."""
    found = [
        match
        for source in EXTRA_MATCH_SOURCES.values()
        for match in source(facts, limit=limit, metric=metric)
    ]
    found.sort(key=lambda match: -match.score)
    return found[:limit]


def text_facts(
    *,
    text: str,
    language: str = "",
    document: Document | None = None,
    claimed_on: date | None = None,
) -> Facts:
    """Return what a text states, read as match_text reads it."""
    if claimed_on is None and document is not None:
        claimed_on = document.published_on
    return read_facts(text, claimed_on=claimed_on, language=language)


def tolerance() -> Decimal:
    return Decimal(str(settings.FACTCHECK_APPROXIMATE_TOLERANCE))


def match_text(
    *,
    text: str,
    limit: int = 10,
    metric: Metric | None = None,
    language: str = "",
    document: Document | None = None,
    claimed_on: date | None = None,
) -> list[ClaimMatch]:
    """Return the stored claims that best match `text`, best first (at most limit).

    `claimed_on`, or else the document's date, is when the text was said: relative
    periods ("last year") are read against it.
    """
    if claimed_on is None and document is not None:
        claimed_on = document.published_on
    facts = read_facts(text, claimed_on=claimed_on, language=language)
    return _matches(facts, limit=limit, metric=metric, exclude=None)


def similar_claims(*, claim: Claim, limit: int = 10) -> list[ClaimMatch]:
    """Return the stored claims that best match `claim` (not itself), best first."""
    facts = facts_of_claim(claim)
    return _matches(facts, limit=limit, metric=claim.metric, exclude=claim.pk)


def best_match_of_candidate(candidate: Candidate) -> ClaimMatch | None:
    """Return the stored claim a candidate most likely repeats, if any."""
    matches = candidate_matches(candidate, limit=1)
    return matches[0] if matches else None


def candidate_matches(candidate: Candidate, limit: int = 5) -> list[ClaimMatch]:
    """Return the stored claims that best match a candidate, its own claim excluded.

    The candidate's stored figure, change and period (read from its quote in its
    language) stand for what its sentence states.
    """
    document = candidate.document
    facts = read_facts(
        candidate.sentence or candidate.quote,
        claimed_on=document.published_on if document else None,
        language=candidate.language,
    )
    if candidate.value is not None:
        figure = (
            candidate.value,
            unit_key(candidate.unit),
            candidate.comparator,
            candidate.value_upper,
        )
        # The candidate's figure as extracted and checked: no doubt.
        facts = dataclasses.replace(
            facts, figures=(figure,), figure_doubts=(), change_span=None
        )
    if candidate.change_percent is not None:
        facts = dataclasses.replace(
            facts,
            change_percent=candidate.change_percent,
            change_comparator=candidate.change_comparator,
        )
    if candidate.period_start and candidate.period_end:
        period = Period(
            candidate.period_start, candidate.period_end, candidate.period_label
        )
        facts = dataclasses.replace(facts, period=period, period_is_open_start=False)
    return _matches(
        facts,
        limit=limit,
        metric=candidate.suggested_metric,
        exclude=candidate.claim_id,
    )


def facts_of_claim(claim: Claim) -> Facts:
    """Return a stored claim read as a query: its text, with its stored figure."""
    side = read_claim(stored_claim(claim))
    facts = side.facts
    if claim.value is not None:
        figure = (
            claim.value,
            unit_key(claim.unit),
            claim.comparator,
            claim.value_upper,
        )
        facts = dataclasses.replace(
            facts,
            figures=(figure,),
            change_percent=claim.value if claim.unit == "percent" else None,
            change_comparator=claim.comparator,
            figure_doubts=(),
            change_span=None,
        )
    if claim.period_start and claim.period_end:
        period = Period(claim.period_start, claim.period_end, claim.period_label)
        facts = dataclasses.replace(facts, period=period)
    return facts


def stored_claim(claim: Claim) -> StoredClaim:
    """Return what the scoring needs of a Claim (metric and speaker loaded)."""
    metric = claim.metric
    speaker = claim.speaker
    return StoredClaim(
        id=claim.pk,
        text=claim.text,
        value=claim.value,
        value_upper=claim.value_upper,
        unit=claim.unit,
        comparator=claim.comparator,
        period_start=claim.period_start,
        period_end=claim.period_end,
        change_percent=claim.change_percent,
        metric=metric.slug if metric else "",
        metric_name=metric.name if metric else "",
        metric_kind=metric.kind if metric else "",
        # The speaker by every name: a query may call them by an alias.
        speaker_names=(
            (speaker.name, *(alias.name for alias in speaker.aliases.all()))
            if speaker
            else ()
        ),
        claimed_on=claim.claimed_on,
        status=claim.status,
        version=claim.version,
    )


def _matches(
    facts: Facts, *, limit: int, metric: Metric | None, exclude: int | None
) -> list[ClaimMatch]:
    limit = max(1, min(limit, MAX_LIMIT))
    ids = candidate_ids(facts, metric=metric)
    if exclude is not None:
        ids.discard(exclude)
    if not ids:
        return []
    # Scored from plain rows; only the answers become Claim instances (#27: the
    # instances of every candidate, their documents and speakers cost more than
    # the scoring of most).
    stored = stored_claims(ids)
    metric_slug = metric.slug if metric else ""
    scored: list[Match] = [
        score_match(facts, claim, tolerance=tolerance(), metric=metric_slug)
        for claim in stored.values()
    ]
    embedder = (
        semantic.load_embedder() if settings.FACTCHECK_MATCHING_EMBEDDINGS else None
    )
    if embedder is not None:
        scored = semantic.rerank(
            facts,
            scored,
            dict(stored),
            embedder,
            tolerance=tolerance(),
            metric=metric_slug,
        )
    ranked = rank_matches(scored, limit)
    claims = Claim.objects.select_related("document", "metric", "speaker").only(
        *MATCH_FIELDS
    )
    answers = claims.in_bulk([m.claim_id for m in ranked])
    return [
        ClaimMatch(answers[m.claim_id], m.score, m.relation, m.reasons)
        for m in ranked
        if m.claim_id in answers
    ]


# What stored_claims reads of each candidate, as plain values.
STORED_FIELDS = [
    "id",
    "text",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "change_percent",
    "metric__slug",
    "metric__name",
    "metric__kind",
    "speaker_id",
    "speaker__name",
    "claimed_on",
    "status",
    "version",
]


def stored_claims(ids: set[int]) -> dict[int, StoredClaim]:
    """Return what the scoring needs of the claims `ids`, by id (two queries).

    The same as stored_claim of each claim, read as plain values: the speaker by
    every name (its aliases in name order), the metric's slug, name and kind.
    """
    rows = list(Claim.objects.filter(pk__in=ids).values_list(*STORED_FIELDS))
    speakers = {row[12] for row in rows if row[12] is not None}
    aliases: dict[int, list[str]] = {}
    if speakers:
        for person_id, name in (
            PersonAlias.objects.filter(person_id__in=speakers)
            .order_by("person_id", "name")
            .values_list("person_id", "name")
        ):
            aliases.setdefault(person_id, []).append(name)
    stored: dict[int, StoredClaim] = {}
    for (
        pk,
        text,
        value,
        value_upper,
        unit,
        comparator,
        period_start,
        period_end,
        change_percent,
        metric_slug,
        metric_name,
        metric_kind,
        speaker_id,
        speaker_name,
        claimed_on,
        status,
        version,
    ) in rows:
        stored[pk] = StoredClaim(
            id=pk,
            text=text,
            value=value,
            value_upper=value_upper,
            unit=unit,
            comparator=comparator,
            period_start=period_start,
            period_end=period_end,
            change_percent=change_percent,
            metric=metric_slug or "",
            metric_name=metric_name or "",
            metric_kind=metric_kind or "",
            speaker_names=(
                (speaker_name, *aliases.get(speaker_id, ()))
                if speaker_id is not None
                else ()
            ),
            claimed_on=claimed_on,
            status=status,
            version=version,
        )
    return stored
