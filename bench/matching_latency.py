"""Latency of claim matching on a database as it is, read only (#17).

    .venv/bin/python bench/matching_latency.py                  # factcheck_bench (1M)
    .venv/bin/python bench/matching_latency.py --database-url postgres://... --rounds 2

bench/matching.py measures quality and latency on a database it empties and refills
(the labelled claims must be in it); refilling a million claims takes half an hour
here. This one only reads: it runs the labelled queries' texts
(bench/data/matching.jsonl) through claims.selectors.matching.match_text, as
POST /api/v1/claims/match/ does, and similar_claims for --similar stored claims,
against whatever the database holds, and prints p50/p95/max per language. The first
round warms the caches and is not counted.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--rounds", type=int, default=1, help="counted rounds")
    parser.add_argument("--similar", type=int, default=50, help="stored claims")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url or DEFAULT_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from bench import matching_data
    from claims.models import Claim
    from claims.selectors.matching import match_text, similar_claims

    queries = matching_data.load_queries()
    stored = list(Claim.objects.order_by("-id")[: args.similar])
    timings: dict[str, list[float]] = {}
    for round_number in range(args.rounds + 1):
        for query in queries:
            started = time.perf_counter()
            match_text(text=query["query"], limit=10)
            if round_number:
                timings.setdefault(query["language"], []).append(
                    time.perf_counter() - started
                )
        for claim in stored:
            started = time.perf_counter()
            similar_claims(claim=claim, limit=5)
            if round_number:
                timings.setdefault("similar", []).append(time.perf_counter() - started)
    print(f"{Claim.objects.count():,} claims; {len(queries)} queries")
    print(f"{'set':>8} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, values in sorted(timings.items()):
        p50 = statistics.median(values) * 1000
        p95 = percentile(values, 0.95) * 1000
        worst = max(values) * 1000
        print(f"{name:>8} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {worst:>8.1f}")
    return timings


if __name__ == "__main__":
    main()
