"""The reviews' word retrieval reads a bounded number of rows, whatever the table.

Each of the query's words is read by a query of its own with a LIMIT of
WORD_WINDOW and no order (an order by id made PostgreSQL either read every review
holding a common word and sort them, or walk the id index through the whole table
for a rare one); the windows are ranked by how many of the words a review holds.
"""

import io
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims.matching.query import read_facts
from reviews import matching
from reviews.models import ExternalReview
from reviews.services import import_reviews

from . import samples

pytestmark = pytest.mark.django_db

# Made up for these tests: reviews of made-up claims, oldest first.
ONE_WORD = [f"Caviar exports were discussed in meeting number {n}" for n in range(4)]
EVERY_WORD = "Caviar exports through Astrakhan doubled"
QUERY = "Did caviar exports through Astrakhan really double?"


@pytest.fixture
def reviews():
    items = [
        samples.claim_review(number, claim=text)
        for number, text in enumerate([EVERY_WORD, *ONE_WORD], start=1)
    ]
    import_reviews(handle=io.BytesIO(samples.datafeed(*items)))
    return {r.claim_reviewed: r for r in ExternalReview.objects.all()}


def _word_queries(facts) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        matching.candidate_review_ids(facts)
    return [q["sql"] for q in queries.captured_queries if " LIKE " in q["sql"]]


def test_each_word_is_read_by_its_own_query_with_a_limit_and_no_order(reviews):
    statements = _word_queries(read_facts(QUERY))
    # The three longest words: Astrakhan, exports, through (caviar is shorter).
    assert len(statements) == matching.WORDS
    for statement in statements:
        assert statement.count(" LIKE ") == 1, statement
        assert " ORDER BY " not in statement, statement
        assert statement.rstrip().endswith(f"LIMIT {matching.WORD_WINDOW}"), statement


def test_the_review_holding_the_most_words_comes_first(reviews, monkeypatch):
    monkeypatch.setattr(matching, "CANDIDATES_PER_SOURCE", 1)
    ids = matching.candidate_review_ids(read_facts(QUERY))
    # Older than every one-word review, but it holds all three words.
    assert ids == {reviews[EVERY_WORD].pk}


def test_a_word_window_reads_at_most_its_size(reviews, monkeypatch):
    monkeypatch.setattr(matching, "WORD_WINDOW", 2)
    claims = ExternalReview.objects.filter(kind=ExternalReview.Kind.CLAIM)
    assert len(list(matching.word_window(claims, "exports"))) == 2
    # Five reviews hold "exports", two of them are read; the review holding
    # every word is found by the "Astrakhan" window whichever two they are.
    ids = matching.candidate_review_ids(read_facts(QUERY))
    assert reviews[EVERY_WORD].pk in ids
    assert len(ids) <= 2 * matching.WORDS


# Index use (PostgreSQL) -------------------------------------------------------
#
# Each word's query, as candidate_review_ids sent it, EXPLAINed. With sequential
# scans off (on a few rows the planner reads the table, as it does at a million
# claims for a word every sixth review holds: the LIMIT stops that read after the
# window's hits), the trigram index of migration 0004 must answer the condition;
# either way the plan is a Limit of WORD_WINDOW rows on top and sorts nothing.


def _plan(sql: str, *, seqscan: bool) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        if not seqscan:
            cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0][0]["Plan"]
        transaction.set_rollback(True)  # undoes SET LOCAL
    return plan


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.parametrize("seqscan", [False, True], ids=["index", "planner's choice"])
def test_each_word_query_is_a_bounded_read_of_the_trigram_index(
    on_postgres, reviews, seqscan
):
    statements = _word_queries(read_facts(QUERY))
    assert len(statements) == matching.WORDS
    for statement in statements:
        plan = _plan(statement, seqscan=seqscan)
        nodes = list(_nodes(plan))
        assert plan["Node Type"] == "Limit", plan
        assert plan["Plan Rows"] <= matching.WORD_WINDOW
        assert not [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]
        if not seqscan:
            assert [
                n
                for n in nodes
                if n.get("Index Name") == "reviews_claim_reviewed_trgm"
                and n["Node Type"] == "Bitmap Index Scan"
            ], plan
