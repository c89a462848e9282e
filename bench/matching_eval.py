"""Score claim matching against the labelled set (bench/data): pure Python, no Django.

    .venv/bin/python bench/matching_eval.py            # every stored claim scored
    .venv/bin/python bench/matching_eval.py --show q010
    .venv/bin/python bench/matching_eval.py --split heldout --verbose

Scores each query against every fixture and synthetic claim with
claims.matching.scoring (no retrieval, no database), so the scoring rules can be
measured alone; bench/matching.py runs the same metrics through the selector on a
database. `evaluate` and `print_report` are shared by both.
"""

import argparse
import statistics
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import matching_data

RELATIONS = ("same", "conflicting", "related")
TOLERANCE = Decimal("0.10")


@dataclass
class Outcome:
    """What a matcher answered for one query: (claim key, relation) best first."""

    query: dict
    answers: list[tuple[object, str, float]]
    seconds: float = 0.0


@dataclass
class Report:
    queries: int = 0
    same_answered: int = 0
    same_right: int = 0
    same_expected: int = 0
    same_found: int = 0
    near_miss_same: int = 0
    false_matches: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    reciprocal_ranks: list[float] = field(default_factory=list)
    confusion: Counter = field(default_factory=Counter)
    listed_right: int = 0
    listed_answered: int = 0
    latencies: list[float] = field(default_factory=list)
    # Issue #26's headline figures, per query: the first answer is a right claim
    # answered `same`; a claim labelled `same` is among the first three answered
    # `same`; listed `conflicting` pairs answered so; answers to unrelated queries.
    same_queries: int = 0
    top1_same: int = 0
    top3_same: int = 0
    conflicts_expected: int = 0
    conflicts_found: int = 0
    unrelated_queries: int = 0
    unrelated_answers: int = 0

    @property
    def precision(self) -> float:
        return self.same_right / self.same_answered if self.same_answered else 1.0

    @property
    def recall(self) -> float:
        return self.same_found / self.same_expected if self.same_expected else 1.0

    @property
    def mrr(self) -> float:
        ranks = self.reciprocal_ranks
        return sum(ranks) / len(ranks) if ranks else 0.0


def evaluate(outcomes: list[Outcome]) -> Report:
    """Return precision and recall of `same`, MRR, the confusion and the latencies."""
    report = Report()
    for outcome in outcomes:
        query = outcome.query
        report.queries += 1
        report.latencies.append(outcome.seconds)
        listed = {str(item["claim"]): item for item in query["expected"]}
        answered = {str(key): relation for key, relation, _ in outcome.answers}
        ranked = [str(key) for key, _, _ in outcome.answers]
        kind = query.get("variant", query["kind"])
        for key, relation in answered.items():
            if relation != "same":
                continue
            report.same_answered += 1
            item = listed.get(key)
            if item and "same" in (item["relation"], *item.get("accept", [])):
                report.same_right += 1
            else:
                report.false_matches.append(f"{query['id']}->{key}")
                if kind in matching_data.NEVER_SAME:
                    report.near_miss_same += 1
        same_keys = [k for k, item in listed.items() if item["relation"] == "same"]
        for key in same_keys:
            report.same_expected += 1
            if answered.get(key) == "same":
                report.same_found += 1
            else:
                report.missed.append(f"{query['id']}->{key}:{answered.get(key)}")
        if same_keys:
            report.same_queries += 1
            right = {
                key
                for key, item in listed.items()
                if "same" in (item["relation"], *item.get("accept", []))
            }
            first = outcome.answers[0] if outcome.answers else None
            if first and first[1] == "same" and str(first[0]) in right:
                report.top1_same += 1
            if any(
                str(key) in same_keys and relation == "same"
                for key, relation, _ in outcome.answers[:3]
            ):
                report.top3_same += 1
        if kind == "unrelated":
            report.unrelated_queries += 1
            report.unrelated_answers += len(outcome.answers)
        if same_keys:
            rank = next(
                (i for i, key in enumerate(ranked, 1) if key in same_keys), None
            )
            report.reciprocal_ranks.append(1 / rank if rank else 0.0)
        for key, item in listed.items():
            got = answered.get(key, "missing")
            if item["relation"] == "conflicting":
                report.conflicts_expected += 1
                report.conflicts_found += got == "conflicting"
            report.confusion[(item["relation"], got)] += 1
            if got != "missing":
                report.listed_answered += 1
                if got in (item["relation"], *item.get("accept", [])):
                    report.listed_right += 1
    return report


def print_report(title: str, report: Report, verbose: bool = False) -> None:
    print(f"== {title}: {report.queries} queries")
    print(
        f"same: precision {report.precision:.3f} ({report.same_right}/"
        f"{report.same_answered}), recall {report.recall:.3f} ({report.same_found}/"
        f"{report.same_expected}); near-miss queries answered same: "
        f"{report.near_miss_same}"
    )
    accuracy = (
        report.listed_right / report.listed_answered if report.listed_answered else 0
    )
    print(
        f"MRR of the first same: {report.mrr:.3f}; relation accuracy on listed "
        f"claims answered: {accuracy:.3f}"
    )
    print("confusion (expected -> answered):")
    for expected in RELATIONS:
        row = "  ".join(
            f"{got} {report.confusion[(expected, got)]:4d}"
            for got in (*RELATIONS, "missing")
        )
        print(f"  {expected:12s} {row}")
    print(
        f"same top-1 {report.top1_same}/{report.same_queries}, right claim in the "
        f"top 3 as same {report.top3_same}/{report.same_queries}, false same "
        f"{len(report.false_matches)}, conflicts found {report.conflicts_found}/"
        f"{report.conflicts_expected}, answers to unrelated queries "
        f"{report.unrelated_answers} ({report.unrelated_queries} queries)"
    )
    if report.latencies:
        ordered = sorted(report.latencies)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000
        print(f"latency per query: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if verbose:
        print("false matches:", " ".join(report.false_matches) or "none")
        print("missed same:", " ".join(report.missed) or "none")


def stored_claims() -> list:
    """Return the fixture and synthetic claims as claims.matching StoredClaims."""
    from claims.matching.scoring import StoredClaim

    objects = matching_data._fixture_objects(matching_data.FIXTURES_PATH)
    metrics = {o["pk"]: o["fields"] for o in objects if o["model"] == "claims.metric"}
    people = {o["pk"]: o["fields"] for o in objects if o["model"] == "sources.person"}
    claims = []
    for obj in objects:
        if obj["model"] != "claims.claim":
            continue
        fields = obj["fields"]
        metric = metrics.get(fields.get("metric")) or {}
        speaker = people.get(fields.get("speaker")) or {}
        claims.append(_stored(StoredClaim, obj["pk"], fields, metric, speaker))
    synthetic_metrics, synthetic = matching_data.load_synthetic()
    by_slug = {m["slug"]: m for m in synthetic_metrics}
    for row in synthetic:
        metric = by_slug.get(row.get("metric") or "") or {}
        claims.append(_stored(StoredClaim, row["id"], row, metric, {}))
    return claims


def _stored(cls, key, fields: dict, metric: dict, speaker: dict):
    def day(name):
        return date.fromisoformat(fields[name]) if fields.get(name) else None

    def number(name):
        return Decimal(str(fields[name])) if fields.get(name) is not None else None

    return cls(
        id=key,
        text=fields["text"],
        value=number("value"),
        value_upper=number("value_upper"),
        unit=fields.get("unit") or "",
        comparator=fields.get("comparator") or "exact",
        period_start=day("period_start"),
        period_end=day("period_end"),
        change_percent=number("change_percent"),
        metric=metric.get("slug", ""),
        metric_name=metric.get("name", ""),
        metric_kind=metric.get("kind", ""),
        speaker_names=(speaker["name"],) if speaker else (),
        claimed_on=day("claimed_on"),
        status=fields.get("status") or "",
    )


def pure_outcomes(limit: int = 10, only: str = "", rerank=None) -> list[Outcome]:
    """Score every query against every stored claim, best first, in Python.

    `rerank(facts, matches, claims_by_id)`, if given, re-scores the matches before
    they are ranked (bench/matching_embeddings.py passes the embeddings' re-ranker).
    """
    import time

    from claims.matching.query import read_facts
    from claims.matching.scoring import rank_matches, read_claim, score_match

    sides = [read_claim(claim) for claim in stored_claims()]
    outcomes = []
    for query in matching_data.load_queries():
        if only and query["id"] != only:
            continue
        started = time.perf_counter()
        claimed_on = query.get("claimed_on")
        facts = read_facts(
            query["query"],
            claimed_on=date.fromisoformat(claimed_on) if claimed_on else None,
            language=query["language"],
        )
        synthetic = query["kind"] == "synthetic"
        pool = [side for side in sides if isinstance(side.claim.id, str) == synthetic]
        matches = [score_match(facts, side, tolerance=TOLERANCE) for side in pool]
        if rerank is not None:
            matches = rerank(facts, matches, {s.claim.id: s.claim for s in pool})
        matches = rank_matches(matches, limit)
        outcomes.append(
            Outcome(
                query,
                [(m.claim_id, m.relation, m.score) for m in matches[:limit]],
                time.perf_counter() - started,
            )
        )
        if only:
            for m in matches[:limit]:
                print(m)
    return outcomes


def split_of(query: dict) -> str:
    """Return the query's split: "tune" unless the data says "heldout"."""
    return query.get("split", "tune")


def print_summary(outcomes: list[Outcome]) -> None:
    """Print issue #26's figures, one row per split and language."""
    print(
        f"{'split':8} {'lang':4} {'queries':>7} {'same top-1':>11} "
        f"{'top-3 same':>11} {'false same':>10} {'conflicts':>10} {'unrelated':>9}"
    )
    for split in ("tune", "heldout"):
        for language in ("en", "ru", "fa", "all"):
            chosen = [
                o
                for o in outcomes
                if split_of(o.query) == split
                and language in ("all", o.query["language"])
            ]
            if not chosen:
                continue
            r = evaluate(chosen)
            print(
                f"{split:8} {language:4} {r.queries:>7} "
                f"{f'{r.top1_same}/{r.same_queries}':>11} "
                f"{f'{r.top3_same}/{r.same_queries}':>11} "
                f"{len(r.false_matches):>10} "
                f"{f'{r.conflicts_found}/{r.conflicts_expected}':>10} "
                f"{r.unrelated_answers:>9}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", default="", help="print one query's answers")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--split",
        choices=("tune", "heldout", "all"),
        default="all",
        help="the queries reported in detail (the summary shows both splits)",
    )
    args = parser.parse_args(argv)
    outcomes = pure_outcomes(only=args.show)
    if args.show:
        print(outcomes[0].query["expected"])
        return 0
    for language in ("en", "ru", "fa"):
        chosen = [
            o
            for o in outcomes
            if o.query["language"] == language
            and args.split in ("all", split_of(o.query))
        ]
        title = f"pure scoring, {language}, split {args.split}"
        print_report(title, evaluate(chosen), args.verbose)
    print_summary(outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
