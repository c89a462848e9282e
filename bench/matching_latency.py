"""Latency of claim matching on a database as it is, read only (#17).

    .venv/bin/python bench/matching_latency.py                  # factcheck_bench (1M)
    .venv/bin/python bench/matching_latency.py --database-url postgres://... --rounds 2

bench/matching.py measures quality and latency on a database it empties and refills
(the labelled claims must be in it); refilling a million claims takes half an hour
here. This one only reads: it runs the labelled queries' texts
(bench/data/matching.jsonl) through claims.selectors.matching.match_text, as
POST /api/v1/claims/match/ does, and similar_claims for --similar stored claims,
against whatever the database holds, and prints p50/p95/max per language. The first
round warms the caches and is not counted. The row "queries" is every query text
together. With --api each is timed as a whole request through Django's test client
(POST /api/v1/claims/match/, GET /api/v1/claims/{id}/similar/), which also match the
external reviews (the selectors match claims only; the views add the extra match
sources). --extra-only times those sources alone for each query text (the reviews'
retrieval and scoring), the text's reading left out.
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
    parser.add_argument(
        "--api",
        action="store_true",
        help="time POST /api/v1/claims/match/ and GET /api/v1/claims/{id}/similar/ "
        "through Django's test client (the whole request) instead of the selectors",
    )
    parser.add_argument(
        "--extra-only",
        action="store_true",
        help="time only the extra match sources (the external reviews' retrieval "
        "and scoring) of each query text, its reading left out of the timing",
    )
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url or DEFAULT_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.apps import apps
    from django.test import Client

    from bench import matching_data
    from claims.matching.query import read_facts
    from claims.models import Claim
    from claims.selectors.matching import (
        extra_matches,
        match_text,
        similar_claims,
    )

    client = Client()

    def match(text: str) -> float:
        """Return the seconds one query text took."""
        if args.extra_only:
            facts = read_facts(text)  # not timed: only the sources are
            started = time.perf_counter()
            extra_matches(facts, limit=10)
        elif args.api:
            started = time.perf_counter()
            response = client.post(
                "/api/v1/claims/match/",
                {"text": text, "limit": 10},
                content_type="application/json",
            )
            assert response.status_code == 200, response.content
        else:
            started = time.perf_counter()
            match_text(text=text, limit=10)
        return time.perf_counter() - started

    def similar(claim: Claim) -> float:
        started = time.perf_counter()
        if args.api:
            response = client.get(f"/api/v1/claims/{claim.pk}/similar/?limit=5")
            assert response.status_code == 200, response.content
        else:
            similar_claims(claim=claim, limit=5)
        return time.perf_counter() - started

    queries = matching_data.load_queries()
    stored = list(Claim.objects.order_by("-id")[: args.similar])
    if args.extra_only:
        stored = []
    timings: dict[str, list[float]] = {}
    for round_number in range(args.rounds + 1):
        for query in queries:
            seconds = match(query["query"])
            if round_number:
                timings.setdefault(query["language"], []).append(seconds)
        for claim in stored:
            seconds = similar(claim)
            if round_number:
                timings.setdefault("similar", []).append(seconds)
    reviews = (
        apps.get_model("reviews", "ExternalReview").objects.count()
        if apps.is_installed("reviews")
        else 0
    )
    print(
        f"{Claim.objects.count():,} claims, {reviews:,} external reviews "
        f"({'matched' if args.api or args.extra_only else 'not matched'}); "
        f"{'only the extra sources timed; ' if args.extra_only else ''}"
        f"{len(queries)} queries; {'the API' if args.api else 'the selectors'}; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    print(f"{'set':>8} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    every_query = [
        value
        for name, values in timings.items()
        if name != "similar"
        for value in values
    ]
    for name, values in [*sorted(timings.items()), ("queries", every_query)]:
        p50 = statistics.median(values) * 1000
        p95 = percentile(values, 0.95) * 1000
        worst = max(values) * 1000
        print(f"{name:>8} {len(values):>5} {p50:>8.1f} {p95:>8.1f} {worst:>8.1f}")
    return timings


if __name__ == "__main__":
    main()
