"""Retrieval for matching: the bounded set of claims worth scoring (#17, #27).

claims.selectors.matching scores what candidate_ids returns; this module only finds
it, each source a few index scans of a bounded number of rows whatever the number of
claims (docs/matching.md, "Retrieval at a million claims"):

- PostgreSQL, in one statement (_postgres_statement_ids): the word windows
  (word_windows), the newest claims holding the subjects and topics the query names
  (subject_window), claims with a figure in the same unit next to the query's value,
  and claims on the metric given or on the metrics of the first text hits.
- SQLite (no text search): the newest claims holding the query's longest words,
  the same figure and metric neighbours.
"""

from __future__ import annotations

import re
from datetime import date

from django.db import connection
from django.db.models import Q
from psycopg import sql

from ..matching.entities import is_entity
from ..matching.query import STOPWORDS, Facts
from ..models import Claim, Metric

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
