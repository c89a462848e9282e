"""bench/matching.py runs on a small database and its figures mean what they say."""

import pytest

from bench import matching
from bench.matching_eval import Outcome, evaluate

pytestmark = pytest.mark.django_db


def test_the_benchmark_runs_on_the_reference_claims(capsys):
    keys = matching.load_reference_claims()
    assert len(keys) == 72 + 48
    outcomes = matching.run_queries(keys, only=40)
    reports = matching.report(outcomes)
    printed = capsys.readouterr().out
    assert "same: precision" in printed
    assert "latency per query: p50" in printed
    english = reports["en"]
    assert english.queries == 40
    assert english.precision >= 0.95
    assert english.recall >= 0.85
    assert english.near_miss_same == 0


def test_the_metrics_count_false_matches_misses_and_ranks():
    query = {
        "id": "q1",
        "query": "...",
        "language": "en",
        "kind": "figure_near_miss",
        "expected": [
            {"claim": 1, "relation": "conflicting"},
            {"claim": 2, "relation": "related"},
        ],
    }
    paraphrase = {
        **query,
        "id": "q2",
        "kind": "paraphrase",
        "expected": [{"claim": 3, "relation": "same"}],
    }
    report = evaluate(
        [
            Outcome(query, [(1, "same", 0.9), (2, "related", 0.3)], 0.01),
            Outcome(paraphrase, [(9, "related", 0.5), (3, "same", 0.4)], 0.03),
        ]
    )
    assert report.same_answered == 2
    assert report.same_right == 1
    assert report.precision == 0.5
    assert report.near_miss_same == 1
    assert report.recall == 1.0
    assert report.mrr == 0.5
    assert report.confusion[("conflicting", "same")] == 1
    # Issue #26's figures: the first answer of q2 is not its same claim, but the
    # second is; q1's conflict was answered same.
    assert (report.same_queries, report.top1_same, report.top3_same) == (1, 0, 1)
    assert (report.conflicts_found, report.conflicts_expected) == (0, 1)


def test_unrelated_queries_count_their_answers():
    unrelated = {
        "id": "q3",
        "query": "...",
        "language": "en",
        "kind": "unrelated",
        "expected": [],
    }
    report = evaluate([Outcome(unrelated, [(1, "related", 0.2), (2, "related", 0.1)])])
    assert (report.unrelated_queries, report.unrelated_answers) == (1, 2)
