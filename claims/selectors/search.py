"""Search claims: PostgreSQL full-text search, or contains-matching on SQLite.

Ranked by relevance, a common word's matches were all read and ranked from the
table (seconds at a million claims). Where the RUM index exists (migration 0016,
when the server has the `rum` extension), the matches come out of the index already
in order of its distance `search_vector <=> query`, computed from the positions the
index holds, without reading the table; elsewhere ts_rank orders them. The RUM
index is opt-in (settings.SEARCH_RUM_INDEX): it slows every insert about 8 times
and still reads every match's entry for a word in nearly every claim.

Without it, a ranked search for a common word ranks only its newest matches
(bound_ranking): the planner's statistics of search_vector estimate how many
claims hold the query's words, and the speakers and document titles that match
are counted (each stands for its share of the claims); over
settings.SEARCH_RANK_WINDOW, the matches are read newest first down the primary
key, which stops after the window's worth since the word is common, and only
those are ranked. Rarer words rank every match.

A search too vague to bound is refused (validate_claim_search, a 400 naming `q`):
one with no word of SEARCH_MIN_WORD_LENGTH letters or digits ("e"), and on
PostgreSQL one of stop words only ("the", "of a"), which full-text search ignores
(an empty query would otherwise leave only the speakers' names to match, ranked
all). Speaker names and aliases are matched by contains only with words of
SEARCH_MIN_NAME_LENGTH letters or digits or more ("uk" matched 123 of 2,000 names
and 50,000 claims, ranked in full: 1 s at a million claims).
"""

import functools
import threading
import time
from typing import Any, NamedTuple

import psycopg.sql
from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Exists,
    F,
    FloatField,
    Func,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from psycopg.types.numeric import Float4

from sources.models import Document, Person, PersonAlias

from ..models import Claim

SEARCH_CONFIG = "english"
# Created by claims/migrations/0016_rum_search.py where the server has rum.
RUM_INDEX = "claims_claim_search_vector_rum"
# The annotation search_claims adds on the RUM path: ordering by it ascending is
# ordering by relevance, best first, read from the index.
DISTANCE = "rank_distance"


class RealField(FloatField):  # type: ignore[type-arg]
    """A float4 value, compared with float4 parameters.

    RUM's distance is a float4: a cursor's position compared as float8 would not
    equal the row it was read from, and the row would be shown again.
    """

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        value = super().get_db_prep_value(value, connection, prepared)
        return None if value is None else Float4(value)


class Distance(Func):
    """`search_vector <=> query`: RUM's distance, 1 / its rank (smaller is better)."""

    arg_joiner = " <=> "
    template = "(%(expressions)s)"
    output_field = RealField()


class Rank(SearchRank):
    """ts_rank, a float4: as a float4 (RealField) a cursor's position equals the
    rank of the row it was read from; compared as float8 it did not, and paging
    by relevance showed that row again on the next page."""

    output_field = RealField()


@functools.cache
def _rum_index_exists(alias: str) -> bool:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [RUM_INDEX])
        return bool(cursor.fetchone()[0])


def rum_search_ready() -> bool:
    """Whether ranked search reads its order from the RUM index (checked once).

    Checked once per process and database: a server that gains the extension
    needs the migration run and the processes restarted (docs/operations.md).
    """
    return connection.vendor == "postgresql" and _rum_index_exists(connection.alias)


def rank_ordering(queryset: QuerySet[Any]) -> list[str]:
    """Return the ordering by relevance, best first, for search_claims' result.

    On the RUM path only the distance: a second key (the id, to break ties) would
    make PostgreSQL sort every match again instead of reading the index's order.
    """
    if DISTANCE in queryset.query.annotations:
        return [DISTANCE]
    return ["-rank", "-id"]


class EqualsAny(Lookup):  # type: ignore[type-arg]
    """`column = ANY(array)`, for an array computed once (PostgreSQL).

    Within an OR, `column IN (subquery)` is a filter checked row by row over a scan of
    the whole table; `column = ANY(ARRAY(subquery))` is an index condition, so the
    planner can OR the bitmaps of the column's index and the other conditions' indexes.
    """

    lookup_name = "equals_any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _letters(word: str) -> int:
    return sum(character.isalnum() for character in word)


def name_words(q: str) -> list[str]:
    """Return the words of `q` matched against speaker names and aliases: those of
    settings.SEARCH_MIN_NAME_LENGTH letters or digits or more (contains-matching a
    shorter one reads most names, and their claims)."""
    return [w for w in q.split() if _letters(w) >= settings.SEARCH_MIN_NAME_LENGTH]


def validate_search_words(q: str) -> None:
    """Refuse a search with words but none of SEARCH_MIN_WORD_LENGTH letters or
    digits ("e", "a b"): it would match nearly every claim."""
    least = settings.SEARCH_MIN_WORD_LENGTH
    if q.split() and not any(_letters(word) >= least for word in q.split()):
        raise ValidationError(
            f"A search needs a word of at least {least} letters or digits; "
            "shorter ones would match nearly every claim.",
            code="too_short",
        )


def validate_claim_search(q: str) -> None:
    """Refuse a claims search too vague to answer in bounded time (a 400 naming q).

    validate_search_words, and on PostgreSQL a search of stop words only ("the",
    "of a"): full-text search ignores them, so nothing would be left to look for.
    On PostgreSQL the check shares search_terms' query (kept per process).
    """
    validate_search_words(q)
    stop_words_only = (
        bool(q.split())
        and connection.vendor == "postgresql"
        and search_terms(q).lexemes == 0
    )
    if stop_words_only:
        raise ValidationError(
            "This search has only words too common to look for (stop words "
            "such as 'the', 'of', 'a'); add a word that says what you seek.",
            code="stop_words",
        )


def _speakers_matching(words: list[str]) -> QuerySet[Any]:
    """Return the ids of the people whose name or some alias holds every word.

    One EXISTS per word: a join over the aliases per word multiplied the rows by the
    number of aliases with each word (22 words took 3.4 s, 26 a 500 after 37 s).
    """
    people = Person.objects.all()
    for word in words:
        aliases = PersonAlias.objects.filter(
            person=OuterRef("pk"), name__icontains=word
        )
        people = people.filter(Q(name__icontains=word) | Exists(aliases))
    return people.values("pk")


def _quoted(q: str) -> RawSQL:
    """Return `q` as an SQL string literal, quoted by psycopg.

    Written into the statement rather than bound: a statement prepared once for
    every search would, after a few common words, be planned once for all words
    (a generic plan), and a rare word would then pay for scanning like a common one
    (175 ms instead of 5 at 1M claims). One statement text per search keeps the
    plans apart.
    """
    connection.ensure_connection()
    literal = psycopg.sql.Literal(q).as_string(connection.connection)
    # The query is quoted by psycopg as a literal, never pasted in as SQL.
    return RawSQL(literal.replace("%", "%%"), [])  # noqa: S611


def search_claims(queryset: QuerySet[Any], q: str) -> QuerySet[Any]:
    """Return the claims matching `q` in their text, quote, speaker or document title.

    The result carries a `rank` annotation: text-search rank on PostgreSQL, 0 on SQLite;
    on the RUM path also `rank_distance` (order by rank_ordering()). The query grows
    by one condition per word and joins nothing per word; callers cap the words
    (settings.SEARCH_MAX_WORDS, factcheck.api.filters.validate_search_text).
    """
    words = q.split()
    if not words:
        unranked: QuerySet[Any] = queryset.annotate(
            rank=Value(0.0, output_field=FloatField())
        )
        return unranked
    names = name_words(q)
    if connection.vendor == "postgresql":
        query = SearchQuery(_quoted(q), config=SEARCH_CONFIG, search_type="websearch")
        if rum_search_ready():
            ranked = _search_with_rum(queryset, query, names)
            if ranked is not None:
                return ranked
        documents = (
            Document.objects.annotate(
                title_vector=SearchVector("title", config=SEARCH_CONFIG)
            )
            .filter(title_vector=query)
            .values("pk")
        )
        condition: Any = Q(search_vector=query) | EqualsAny(
            F("document_id"), ArraySubquery(documents.order_by())
        )
        if names:
            # order_by(): an ARRAY() keeps its subquery's default ordering, a
            # wasted sort.
            speakers = ArraySubquery(_speakers_matching(names).order_by())
            condition |= EqualsAny(F("speaker_id"), speakers)
        found: QuerySet[Any] = queryset.filter(condition).annotate(
            rank=Rank(F("search_vector"), query)
        )
        return found

    for word in words:
        titled = Document.objects.filter(title__icontains=word).values("pk")
        contains = (
            Q(text__icontains=word) | Q(quote__icontains=word) | Q(document__in=titled)
        )
        if word in names:
            contains |= Q(speaker__in=_speakers_matching([word]))
        queryset = queryset.filter(contains)
    contained: QuerySet[Any] = queryset.annotate(
        rank=Value(0.0, output_field=FloatField())
    )
    return contained


def _search_with_rum(
    queryset: QuerySet[Any], query: SearchQuery, names: list[str]
) -> QuerySet[Any] | None:
    """Search in a form the RUM index can order, or None where it cannot.

    An index gives its order only to a query whose condition it holds alone: one
    query first asks whether any speaker or document title matches; if one does,
    None (the caller ranks with ts_rank, as without RUM), else the claims whose
    text matches, with the distance to order by.
    """
    documents = (
        Document.objects.annotate(
            title_vector=SearchVector("title", config=SEARCH_CONFIG)
        )
        .filter(title_vector=query)
        .values("pk")
        .order_by()
    )
    if _any_rows(documents, *([_speakers_matching(names).order_by()] if names else [])):
        return None
    found: QuerySet[Any] = queryset.filter(search_vector=query).annotate(
        rank=Rank(F("search_vector"), query),
        **{DISTANCE: Distance(F("search_vector"), query)},
    )
    return found


def _any_rows(*querysets: QuerySet[Any]) -> bool:
    """Return whether any of the querysets (of ids) has a row, in one query.

    As ARRAY(...), which the planner reads through the title index like the search
    itself; EXISTS(...) was planned as a scan computing every title's vector (250
    ms on 10,000 documents). The statements are the ORM's own, parameters bound
    (the search text is in them as a quoted literal, see _quoted).
    """
    statements: list[str] = []
    params: list[Any] = []
    for queryset in querysets:
        sql, sql_params = queryset.query.sql_with_params()
        statements.append(f"cardinality(ARRAY({sql})) > 0")
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {' OR '.join(statements)}", params)
        return bool(cursor.fetchone()[0])


# Ranking window for common words (no RUM) ------------------------------------


class SearchTerms(NamedTuple):
    """What the statistics say of a search, read in one query (search_terms)."""

    matches: float  # claims estimated to match: text, speakers, document titles
    lexemes: int  # nodes of the full-text query: 0 when it is all stop words


# Per database alias and search text: (monotonic time, its terms).
_estimates: dict[tuple[str, str], tuple[float, SearchTerms]] = {}
_estimates_lock = threading.Lock()
_ESTIMATES_KEPT = 1000

# The claims that hold every lexeme of the text, estimated from what ANALYZE keeps
# of search_vector: the share of rows holding each of its most common lexemes
# (most_common_elems / most_common_elem_freqs) times the table's row count. A
# lexeme missing from that list is rarer than all of them: it counts as 0 (rare).
# The words are ANDed (websearch), so the rarest bounds the estimate. Then the
# number of nodes of the full-text query (0: stop words only), and the table sizes
# that turn matching speakers and documents into claims.
ESTIMATE_SQL = psycopg.sql.SQL("""
WITH stats AS (
    SELECT most_common_elems::text::text[] AS elems,
           most_common_elem_freqs AS freqs
    FROM pg_stats
    WHERE schemaname = current_schema()
      AND tablename = {table} AND attname = 'search_vector'
),
lexemes AS (
    SELECT unnest(tsvector_to_array(to_tsvector(%s::regconfig, %s))) AS lexeme
)
SELECT greatest(
           (SELECT reltuples FROM pg_class WHERE oid = {table}::regclass), 0
       ) * coalesce(
           (SELECT min(coalesce(
                (SELECT stats.freqs[array_position(stats.elems, lexemes.lexeme)]
                 FROM stats), 0))
            FROM lexemes),
           0),
       numnode(websearch_to_tsquery(%s::regconfig, %s)),
       greatest((SELECT reltuples FROM pg_class WHERE oid = {table}::regclass), 0)
           / greatest((SELECT reltuples FROM pg_class
                       WHERE oid = {people}::regclass), 1),
       greatest((SELECT reltuples FROM pg_class WHERE oid = {table}::regclass), 0)
           / greatest((SELECT reltuples FROM pg_class
                       WHERE oid = {documents}::regclass), 1)
""").format(
    table=psycopg.sql.Literal(Claim._meta.db_table),
    people=psycopg.sql.Literal(Person._meta.db_table),
    documents=psycopg.sql.Literal(Document._meta.db_table),
)


def search_terms(q: str) -> SearchTerms:
    """Return how many claims the statistics say match `q`, and its lexemes.

    The matches add the claims holding every word (the planner's statistics of
    search_vector) and, for each speaker whose name or alias holds the words
    (name_words) and each document whose title matches, its share of the claims
    (claims / people, claims / documents): "uk" in 123 names stood for 50,000
    claims that the text's statistics did not count. One query, kept per process
    and database for settings.SEARCH_ESTIMATE_SECONDS (the statistics change only
    with ANALYZE), so a page of a search asked again costs no more queries than
    one without it.
    """
    key = (connection.alias, " ".join(q.lower().split()))
    now = time.monotonic()
    with _estimates_lock:
        kept = _estimates.get(key)
    if kept is not None and now - kept[0] < settings.SEARCH_ESTIMATE_SECONDS:
        return kept[1]
    sql = ESTIMATE_SQL.as_string()
    params: list[Any] = [SEARCH_CONFIG, q, SEARCH_CONFIG, q]
    counted: list[str] = []
    names = name_words(q)
    query = SearchQuery(_quoted(q), config=SEARCH_CONFIG, search_type="websearch")
    titled = (
        Document.objects.annotate(
            title_vector=SearchVector("title", config=SEARCH_CONFIG)
        )
        .filter(title_vector=query)
        .values("pk")
        .order_by()
    )
    for rows in [titled, *([_speakers_matching(names).order_by()] if names else [])]:
        rows_sql, rows_params = rows.query.sql_with_params()
        counted.append(f"cardinality(ARRAY({rows_sql}))")
        params.extend(rows_params)
    sql += ", " + ", ".join(counted)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        text, lexemes, per_person, per_document, documents, *people = cursor.fetchone()
    matches = float(text or 0) + float(documents) * float(per_document)
    if people:
        matches += float(people[0]) * float(per_person)
    terms = SearchTerms(matches=matches, lexemes=int(lexemes or 0))
    with _estimates_lock:
        if len(_estimates) >= _ESTIMATES_KEPT:
            _estimates.clear()
        _estimates[key] = (now, terms)
    return terms


def estimate_matches(q: str) -> float:
    """Return how many claims the statistics say match `q` (search_terms)."""
    return search_terms(q).matches


def clear_estimates() -> None:
    with _estimates_lock:
        _estimates.clear()


# Bounded only past this many windows' worth of matches: just past one window the
# newest `window` are found by reading nearly the whole table down the primary key
# or every match from the GIN index twice (12,333 matches at 1M claims: 216 ms
# bounded, 94 ms ranking them all), so ranking them all is as cheap.
BOUND_FACTOR = 4


def rank_window(estimate: float, window: int) -> int | None:
    """Return the window to rank within, or None to rank every match.

    Bounded only when the estimate exceeds BOUND_FACTOR windows: then the newest
    `window` matches are found early down the primary key. A window of 0 turns it
    off.
    """
    if window <= 0 or estimate <= window * BOUND_FACTOR:
        return None
    return window


def ranking_window(q: str) -> int | None:
    """Return the window a search for `q` ordered by relevance is ranked within
    here (PostgreSQL without the RUM index), or None where it ranks every match."""
    if connection.vendor != "postgresql" or not q.split() or rum_search_ready():
        return None
    window = settings.SEARCH_RANK_WINDOW
    if window <= 0:
        return None
    return rank_window(estimate_matches(q), window)


def bound_ranking(queryset: QuerySet[Any], q: str) -> tuple[QuerySet[Any], int | None]:
    """Return search_claims' result narrowed to the newest matches it is ranked
    within, and that window (None: unchanged, every match ranked).

    `id IN (SELECT id ... WHERE <the search> ORDER BY id DESC LIMIT window)`: the
    subquery reads the primary key backwards and stops at the window, because the
    words are common; only those rows are ranked. The window stays the same from
    page to page (unless newer matching claims are added in between), so cursors
    page through it consistently.
    """
    if DISTANCE in queryset.query.annotations:
        return queryset, None
    return bound_ranking_within(queryset, ranking_window(q))


def bound_ranking_within(
    queryset: QuerySet[Any], window: int | None
) -> tuple[QuerySet[Any], int | None]:
    """Return bound_ranking's result for a window already worked out (ranking_window).

    For a caller that needs the window for itself too (the API's header): it is
    worked out once.
    """
    if window is None or DISTANCE in queryset.query.annotations:
        return queryset, None
    newest = queryset.order_by("-pk").values("pk")[:window]
    # `id = ANY(ARRAY(...))`: the window's rows are fetched by their ids. As
    # `id IN (...)` the planner read every match again to join them with the
    # window (a speaker in 50,000 claims: 800 ms more).
    return queryset.filter(EqualsAny(F("pk"), ArraySubquery(newest))), window
