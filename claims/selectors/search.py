"""Search claims: PostgreSQL full-text search, or contains-matching on SQLite."""

import psycopg.sql
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Exists, F, FloatField, Lookup, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from sources.models import Document, Person, PersonAlias

SEARCH_CONFIG = "english"


class EqualsAny(Lookup):
    """`column = ANY(array)`, for an array computed once (PostgreSQL).

    Within an OR, `column IN (subquery)` is a filter checked row by row over a scan of
    the whole table; `column = ANY(ARRAY(subquery))` is an index condition, so the
    planner can OR the bitmaps of the column's index and the other conditions' indexes.
    """

    lookup_name = "equals_any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _speakers_matching(words: list[str]) -> QuerySet:
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


def search_claims(queryset: QuerySet, q: str) -> QuerySet:
    """Return the claims matching `q` in their text, quote, speaker or document title.

    The result carries a `rank` annotation: text-search rank on PostgreSQL, 0 on SQLite.
    The query grows by one condition per word and joins nothing per word; callers
    cap the words (settings.SEARCH_MAX_WORDS,
    factcheck.api.filters.validate_search_text).
    """
    words = q.split()
    if not words:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
    if connection.vendor == "postgresql":
        query = SearchQuery(_quoted(q), config=SEARCH_CONFIG, search_type="websearch")
        documents = (
            Document.objects.annotate(
                title_vector=SearchVector("title", config=SEARCH_CONFIG)
            )
            .filter(title_vector=query)
            .values("pk")
        )
        # order_by(): an ARRAY() keeps its subquery's default ordering, a wasted sort.
        speakers = ArraySubquery(_speakers_matching(words).order_by())
        return queryset.filter(
            Q(search_vector=query)
            | EqualsAny(F("speaker_id"), speakers)
            | EqualsAny(F("document_id"), ArraySubquery(documents.order_by()))
        ).annotate(rank=SearchRank(F("search_vector"), query))

    for word in words:
        documents = Document.objects.filter(title__icontains=word).values("pk")
        queryset = queryset.filter(
            Q(text__icontains=word)
            | Q(quote__icontains=word)
            | Q(speaker__in=_speakers_matching([word]))
            | Q(document__in=documents)
        )
    return queryset.annotate(rank=Value(0.0, output_field=FloatField()))
