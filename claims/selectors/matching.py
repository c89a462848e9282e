"""Find the stored claims a text (or a stored claim) matches: "checked before?" (#17).

Two steps, each bounded whatever the number of claims:

1. Retrieval, a few index scans of a bounded number of rows each:
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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Q
from psycopg import sql

from sources.models import Document, PersonAlias

from ..figures.periods import Period
from ..matching import semantic
from ..matching.entities import is_entity
from ..matching.query import STOPWORDS, Facts, read_facts, unit_key
from ..matching.scoring import (
    Match,
    StoredClaim,
    rank_matches,
    read_claim,
    score_match,
)
from ..models import Candidate, Claim, Metric

MAX_LIMIT = 50
MAX_TEXT_LENGTH = 2000
CANDIDATES_PER_SOURCE = 40
# The word windows (word_windows): how many of the query's words are looked for
# (its longest, from MIN_WORD_LENGTH letters), and how many claims holding one word
# are read at most, whatever the table's size. They replaced pg_trgm's word
# similarity scan (#27): at a million claims a query of common words made it
# recheck most of the table (1.3 s for "tonnes topped" at 100,000 claims, past its
# 300 ms budget at a million), and the scan could not be bounded.
WORDS = 5
MIN_WORD_LENGTH = 4
WORD_WINDOW = 200
# How many of the windows' best claims are candidates, and of the subjects' newest:
# each candidate costs its reading in Python (about 1 ms on the loaded machine).
WORD_CANDIDATES = 15
SUBJECT_CANDIDATES = 20
# How many metrics of the first text hits are searched for claims near the query's
# period, besides the metric given, and how many claims on each side of the period
# (the metric given: CANDIDATES_PER_SOURCE // 4). Ten claims a metric, not twenty:
# each candidate costs its reading in Python (#27).
HIT_METRICS = 5
HIT_METRIC_SIDE = 5
# The subjects' branch (subject_window) looks for its newest claims among this many
# of the newest claims, and for older ones in a window of SUBJECT_CANDIDATES.
RECENT_WINDOW = 5000
# Words of figures, not of subjects: they would match most claims' texts.
FIGURE_WORDS = frozenset(
    """billion billions million millions thousand thousands trillion dollars dollar
    euros percent around nearly roughly almost close stood stands reached about
    more less than worth some total year years""".split()
)
# Words used for the SQLite fallback's LIKE scans.
FALLBACK_WORDS = 6


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


def candidate_ids(facts: Facts, *, metric: Metric | None = None) -> set[int]:
    """Return the ids of the claims worth scoring for `facts` (a bounded set)."""
    if connection.vendor == "postgresql":
        return _postgres_ids(facts, metric)
    ids: set[int] = set()
    text_ids = _word_overlap_ids(facts)
    ids.update(text_ids)
    ids.update(_figure_ids(facts))
    metric_ids = {metric.pk} if metric else set()
    if text_ids:
        metric_ids.update(
            Claim.objects.filter(pk__in=text_ids[:10], metric__isnull=False)
            .values_list("metric_id", flat=True)
            .distinct()
        )
    for metric_id in list(metric_ids)[:5]:
        ids.update(_metric_ids(metric_id, facts))
    return ids


def _postgres_ids(facts: Facts, metric: Metric | None) -> set[int]:
    """Return the candidates, every branch bounded, in one statement."""
    return _postgres_statement_ids(facts, metric)


def _claims_table() -> sql.Identifier:
    """Return the claims table as raw SQL names it (the model's db_table)."""
    return sql.Identifier(Claim._meta.db_table)


def retrieval_words(facts: Facts) -> list[str]:
    """Return the query's words the word windows look for (its longest ones).

    Countries and topics are left to the subjects' branch, which has them in
    English whatever the query's language; figure words match most claims.
    """
    words: dict[str, str] = {}
    for word in re.findall(rf"[^\W\d_]{{{MIN_WORD_LENGTH},}}", facts.text):
        lowered = word.lower()
        if (
            lowered not in STOPWORDS
            and lowered not in FIGURE_WORDS
            and not is_entity(word)
        ):
            words.setdefault(lowered, word)
    ordered = sorted(words, key=lambda word: (-len(word), word))
    return ordered[:WORDS]


def word_windows(words: list[str]) -> sql.Composable:
    """Return the query of the WORD_CANDIDATES claims holding most `words`.

    Bounded whatever the table's size (#27): each word's window reads at most
    WORD_WINDOW claims holding it, through the search_vector GIN index, with a
    LIMIT and no order, so the read stops at the window (an order would make
    PostgreSQL read and sort every claim holding a common word); one more window
    holds the claims with every word. The windows' claims are ranked by how many
    of the words they hold, in the claim's text counting twice (in its quote
    once), then newest first. A rare word's window holds every claim with it.
    """
    claims = _claims_table()
    window = sql.Literal(WORD_WINDOW)
    queries = [
        sql.SQL("plainto_tsquery('english', {word})").format(word=sql.Literal(word))
        for word in words
    ]
    hits = sql.SQL(" + ").join(
        sql.SQL(
            "(search_vector @@ {q})::int "
            "+ (ts_filter(search_vector, '{{a}}') @@ {q})::int"
        ).format(q=query)
        for query in queries
    )
    conditions = list(queries)
    if len(words) > 1:
        conditions.insert(
            0,
            sql.SQL("plainto_tsquery('english', {words})").format(
                words=sql.Literal(" ".join(words))
            ),
        )
    windows = sql.SQL(" UNION ALL ").join(
        sql.SQL(
            "(SELECT id, {hits} AS hits FROM {claims} WHERE search_vector @@ {q} "
            "LIMIT {window})"
        ).format(hits=hits, claims=claims, q=condition, window=window)
        for condition in conditions
    )
    return sql.SQL(
        "(SELECT id FROM ({windows}) w GROUP BY id "
        "ORDER BY max(hits) DESC, id DESC LIMIT {limit})"
    ).format(windows=windows, limit=sql.Literal(WORD_CANDIDATES))


def subject_window(terms: str) -> sql.Composable:
    """Return the query of the newest claims holding every one of `terms`.

    Bounded (#27): the newest among the last RECENT_WINDOW claims (a walk down the
    primary key that stops there), and any SUBJECT_CANDIDATES claims holding
    them through the search_vector GIN index (a LIMIT and no order), so that older
    claims on a rare subject are found too. An `ORDER BY id DESC LIMIT 40` walked
    the primary key until 40 claims held them: 26 ms for "iran trade turkey" at a
    million claims, the whole table for a combination no claim holds.
    """
    claims = _claims_table()
    query = sql.SQL("plainto_tsquery('english', {terms})").format(
        terms=sql.Literal(terms)
    )
    return sql.SQL(
        "(SELECT id FROM ("
        "(SELECT id FROM (SELECT id, search_vector FROM {claims} ORDER BY id DESC "
        "LIMIT {recent}) recent WHERE search_vector @@ {q}) "
        "UNION (SELECT id FROM {claims} WHERE search_vector @@ {q} LIMIT {window})"
        ") hits ORDER BY id DESC LIMIT {limit})"
    ).format(
        claims=claims,
        q=query,
        recent=sql.Literal(RECENT_WINDOW),
        window=sql.Literal(SUBJECT_CANDIDATES),
        limit=sql.Literal(SUBJECT_CANDIDATES),
    )


def _postgres_statement_ids(facts: Facts, metric: Metric | None) -> set[int]:
    """Return the candidates of every source in one statement (one round trip).

    Each branch reads a bounded number of rows through an index: the word windows
    (GIN on search_vector, word_windows), the subjects and topics (the same index,
    subject_window), the metrics of the first text hits nearest
    the query's period ((metric, period_start, period_end) index), and the
    neighbours of each figure by value ((unit, value) index).
    """
    side = sql.Literal(CANDIDATES_PER_SOURCE // 4)
    words = retrieval_words(facts)
    terms = _english_terms(facts)
    # The subjects' and topics' claims come first: their metrics are the query's
    # likeliest (hit_metrics), then the word windows' (#27).
    text_branches = []
    if terms or not words:
        text_branches.append(
            sql.SQL("(SELECT id, 1 AS source FROM {subjects} subjects)").format(
                subjects=subject_window(" ".join(terms))
            )
        )
    if words:
        text_branches.append(
            sql.SQL("(SELECT id, 2 AS source FROM {windows} ranked)").format(
                windows=word_windows(words)
            )
        )

    def near_period(side: int) -> sql.Composable:
        # A constant LIMIT: with `LIMIT m.side` the planner read every claim on
        # the metric and sorted them (11 ms a metric at a million claims).
        if facts.period is not None:
            return sql.SQL(
                "(SELECT id FROM {claims} c WHERE c.metric_id = m.metric_id "
                "AND c.period_start <= {day} ORDER BY c.period_start DESC "
                "LIMIT {side}) UNION ALL (SELECT id FROM {claims} c "
                "WHERE c.metric_id = m.metric_id AND c.period_start > {day} "
                "ORDER BY c.period_start LIMIT {side})"
            ).format(
                claims=_claims_table(),
                day=sql.Literal(facts.period.start),
                side=sql.Literal(side),
            )
        return sql.SQL(
            "SELECT id FROM {claims} c WHERE c.metric_id = m.metric_id "
            "ORDER BY c.id DESC LIMIT {limit}"
        ).format(claims=_claims_table(), limit=sql.Literal(side * 2))

    given_metric = (
        sql.SQL(
            " UNION ALL SELECT x.id FROM (SELECT {metric}::bigint AS metric_id) m "
            "CROSS JOIN LATERAL ({near_period}) x"
        ).format(
            metric=sql.Literal(metric.pk),
            near_period=near_period(CANDIDATES_PER_SOURCE // 4),
        )
        if metric
        else sql.SQL("")
    )
    figure_branches = []
    for value, unit, _, _ in facts.figures[:3]:
        for stored_unit in _stored_units(unit):
            figure_branches.append(
                sql.SQL(
                    "(SELECT id FROM {claims} WHERE unit = {unit} AND value >= "
                    "{value} ORDER BY value LIMIT {side}) UNION ALL (SELECT id FROM "
                    "{claims} WHERE unit = {unit} AND value < {value} ORDER BY "
                    "value DESC LIMIT {side})"
                ).format(
                    claims=_claims_table(),
                    unit=sql.Literal(stored_unit),
                    value=sql.Literal(value),
                    side=side,
                )
            )
    statement = sql.SQL(
        "WITH text_hits AS ({text}), "
        "first_hits AS ((SELECT id, source FROM text_hits WHERE source = 1 LIMIT 10) "
        "UNION ALL (SELECT id, source FROM text_hits WHERE source = 2 LIMIT 10)), "
        "hit_metrics AS (SELECT c.metric_id FROM first_hits h JOIN {claims} c "
        "ON c.id = h.id WHERE c.metric_id IS NOT NULL GROUP BY c.metric_id "
        "ORDER BY min(h.source), c.metric_id LIMIT {metrics}), "
        "metric_hits AS (SELECT x.id FROM hit_metrics "
        "m CROSS JOIN LATERAL ({near_period}) x{given}) "
        "SELECT id FROM text_hits UNION SELECT id FROM metric_hits{figures}"
    ).format(
        claims=_claims_table(),
        text=sql.SQL(" UNION ALL ").join(text_branches),
        given=given_metric,
        metrics=sql.Literal(HIT_METRICS),
        near_period=near_period(HIT_METRIC_SIDE),
        figures=sql.SQL("").join(
            sql.SQL(" UNION ") + branch for branch in figure_branches
        ),
    )
    with connection.cursor() as cursor:
        connection.ensure_connection()
        # No parameters: the statement is composed with literals, so "%" stays as is.
        cursor.execute(statement.as_string(connection.connection))
        return {row[0] for row in cursor.fetchall()}


def _english_terms(facts: Facts) -> list[str]:
    """Return the subjects and topics the query names, as English words."""
    terms: list[str] = []
    for name in sorted(facts.subjects | facts.topics):
        terms.extend(word for word in name.replace("-", " ").split() if len(word) > 2)
    return terms


def _word_overlap_ids(facts: Facts) -> list[int]:
    words = sorted(
        {w for w in facts.words if len(w) > 3} | set(_english_terms(facts)),
        key=lambda word: (-len(word), word),
    )[:FALLBACK_WORDS]
    if not words:
        return []
    condition = Q()
    for word in words:
        condition |= Q(text__icontains=word)
    ranked = list(
        Claim.objects.filter(condition)
        .order_by("-id")
        .values_list("id", "text")[: CANDIDATES_PER_SOURCE * 5]
    )
    # The claims holding most of the words first.
    ranked.sort(key=lambda row: -sum(word in row[1].lower() for word in words))
    return [pk for pk, _ in ranked[:CANDIDATES_PER_SOURCE]]


def _figure_ids(facts: Facts) -> list[int]:
    ids: list[int] = []
    per_side = CANDIDATES_PER_SOURCE // 4
    for value, unit, _, _ in facts.figures[:3]:
        units = _stored_units(unit)
        around = Claim.objects.filter(unit__in=units)
        ids.extend(
            around.filter(value__gte=value)
            .order_by("value")
            .values_list("id", flat=True)[:per_side]
        )
        ids.extend(
            around.filter(value__lt=value)
            .order_by("-value")
            .values_list("id", flat=True)[:per_side]
        )
    return ids


def _stored_units(unit: str) -> list[str]:
    """Return how a compared unit may be stored ("usd" is stored "USD")."""
    units = {unit, unit.upper()}
    if unit == "cars":
        units |= {"vehicles", "car models"}
    return sorted(units)


def _metric_ids(metric_id: int, facts: Facts) -> list[int]:
    on_metric = Claim.objects.filter(metric_id=metric_id)
    per_side = CANDIDATES_PER_SOURCE // 4
    if facts.period is None:
        return list(on_metric.order_by("-id").values_list("id", flat=True)[:per_side])
    day: date = facts.period.start
    before = on_metric.filter(period_start__lte=day).order_by("-period_start")
    after = on_metric.filter(period_start__gt=day).order_by("period_start")
    return [
        *before.values_list("id", flat=True)[:per_side],
        *after.values_list("id", flat=True)[:per_side],
    ]
