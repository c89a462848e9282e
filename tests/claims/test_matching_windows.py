"""Matching's retrieval at scale (#27): bounded word windows, answers built last.

Every claim text here is made up for these tests.

The word windows (PostgreSQL) replaced pg_trgm's word-similarity scan, which at a
million claims rechecked most of the table for a query of common words: each of the
query's words reads at most WORD_WINDOW claims holding it (a LIMIT and no order),
one more window the claims holding every word, and the claims of the windows are
ranked by how many of the words they hold.
"""

import datetime
import json
from decimal import Decimal

import pytest
from django.db import connection

from claims.matching.query import read_facts
from claims.models import Claim
from claims.selectors import matching, retrieval
from tests.factories import ClaimFactory, FigureClaimFactory, MetricFactory

pytestmark = pytest.mark.django_db

QUERY = "Did the sturgeon hatcheries near Astrakhan really close?"
EVERY_WORD = "Made up: the sturgeon hatcheries near Astrakhan were closed."
ONE_WORD = "Made up: sturgeon were seen in meeting number {n}."


@pytest.fixture
def sturgeon():
    ones = [ClaimFactory(text=ONE_WORD.format(n=n)) for n in range(12)]
    every = ClaimFactory(text=EVERY_WORD)
    # Newer than the claim holding every word, and each holds one of them.
    ones += [ClaimFactory(text=ONE_WORD.format(n=n)) for n in range(12, 24)]
    return {"every": every, "ones": ones}


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def test_the_query_words_are_its_longest_not_entities_nor_figure_words():
    facts = read_facts("Iran's sturgeon hatcheries near Astrakhan reached 5 billion")
    # Iran is the subjects' branch's; "reached" and "billion" are figure words.
    assert retrieval.retrieval_words(facts) == [
        "hatcheries",
        "astrakhan",
        "sturgeon",
        "near",
    ]


def test_each_word_window_reads_at_most_the_window_on_postgres(
    on_postgres, sturgeon, monkeypatch
):
    monkeypatch.setattr(retrieval, "WORD_WINDOW", 5)
    words = retrieval.retrieval_words(read_facts(QUERY))
    assert "sturgeon" in words
    query = retrieval.word_windows(words).as_string(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}")
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    scans = [
        node
        for node in _plan_nodes(plan)
        if node.get("Relation Name") == Claim._meta.db_table
    ]
    # A window per word and one for every word; 25 claims hold "sturgeon", and no
    # scan of the claims returned more than the window.
    assert len(scans) == len(words) + 1
    assert max(node["Actual Rows"] for node in scans) == 5
    assert "ORDER BY" not in query.split("GROUP BY")[0]


def test_the_claim_holding_the_most_words_comes_first_on_postgres(
    on_postgres, sturgeon, monkeypatch
):
    monkeypatch.setattr(retrieval, "WORD_WINDOW", 5)
    monkeypatch.setattr(retrieval, "WORD_CANDIDATES", 1)
    words = retrieval.retrieval_words(read_facts(QUERY))
    query = retrieval.word_windows(words).as_string(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute(query)
        found = [row[0] for row in cursor.fetchall()]
    # Older than half the one-word claims, but it holds every word.
    assert found == [sturgeon["every"].pk]


def test_the_subjects_metric_comes_before_the_word_windows_on_postgres(on_postgres):
    # Twenty claims holding the query's word on twenty other metrics: the word
    # windows' hits must not crowd out the metric of the subjects' hits.
    oil = MetricFactory(name="Made-up oil output", unit="barrels")
    subject = FigureClaimFactory(
        metric=oil,
        text="Made up: Nigeria's oil production averaged 1.9 million a day in 2015.",
        value=Decimal("1900000"),
        unit="barrels",
        period_start=datetime.date(2015, 1, 1),
        period_end=datetime.date(2015, 12, 31),
    )
    # On the metric, holding neither the word nor the subjects: found through it.
    neighbour = FigureClaimFactory(
        metric=oil,
        text="Made up: the figure for the year was 2.2 million.",
        value=Decimal("2200000"),
        unit="barrels",
        period_start=datetime.date(2015, 1, 1),
        period_end=datetime.date(2015, 12, 31),
    )
    for n in range(20):
        FigureClaimFactory(
            text=f"Made up: {n} shipments of caviar, barrels and crates.",
            value=Decimal(10**12 + n),
            unit="tonnes",
        )
    facts = read_facts("Nigeria produced 9.1 million barrels of oil per day in 2015.")
    ids = retrieval.candidate_ids(facts)
    assert {subject.pk, neighbour.pk} <= ids


def test_only_the_answers_become_claim_instances(monkeypatch):
    # Every candidate is scored from plain values; a Claim (its document, metric
    # and speaker) is built for the answers only.
    metric = MetricFactory(name="Made-up caviar exports", unit="USD")
    FigureClaimFactory.create_batch(
        30,
        metric=metric,
        text="Made up: caviar exports stood at about $5.3 billion last year.",
    )
    built = []
    real = Claim.from_db.__func__

    def counting(cls, db, field_names, values):
        built.append(values)
        return real(cls, db, field_names, values)

    monkeypatch.setattr(Claim, "from_db", classmethod(counting))
    found = matching.match_text(
        text="Caviar exports stood at about $5.3 billion last year.", limit=2
    )
    assert len(found) == 2
    assert len(built) == 2
    assert {match.claim.metric_id for match in found} == {metric.pk}


def test_the_subjects_window_reads_a_bounded_number_of_claims_on_postgres(
    on_postgres, monkeypatch
):
    monkeypatch.setattr(retrieval, "RECENT_WINDOW", 3)
    monkeypatch.setattr(retrieval, "SUBJECT_CANDIDATES", 4)
    old = ClaimFactory(text="Made up: Iran and Belarus signed a tractor deal.")
    for n in range(10):
        ClaimFactory(text=f"Made up: Iran and Turkey traded goods, report {n}.")
    query = retrieval.subject_window("iran turkey").as_string(connection.connection)
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {query}")
        raw = cursor.fetchone()[0]
        plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
        scans = [
            node
            for node in _plan_nodes(plan)
            if node.get("Relation Name") == Claim._meta.db_table
        ]
        # The newest three claims, and a window of four of the ten holding both.
        assert max(node["Actual Rows"] for node in scans) <= 4
        cursor.execute(query)
        assert len(cursor.fetchall()) == 4
        # An older claim on a subject the recent claims do not name is found.
        rare = retrieval.subject_window("iran belarus").as_string(connection.connection)
        cursor.execute(rare)
        assert [row[0] for row in cursor.fetchall()] == [old.pk]
