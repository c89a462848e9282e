"""Ranked search for a common word: bounded by SEARCH_RANK_WINDOW or not (issue 15).

    .venv/bin/python bench/search_rank.py                       # factcheck_bench
    .venv/bin/python bench/search_rank.py --words said,tariff,zarif --runs 10

Times the selector as the claims list runs it: search_claims(q), ordered by
relevance (rank_ordering), the first --page claims as model instances; "bounded"
through bound_ranking (the newest SEARCH_RANK_WINDOW matches when the planner's
statistics put the words in more claims than that), "unbounded" ranking every
match. Prints per word the matches, the estimate, the window used and the p50 of
--runs runs of each. Without --words it picks from ts_stat over a sample of
search_vector: the commonest lexeme, one in about 2% of claims and the least
common one sampled. Read only.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"

SAMPLE_SQL = """
SELECT word, ndoc FROM ts_stat(
    'SELECT search_vector FROM claims_claim {sample}'
) ORDER BY ndoc DESC, word
"""


def pick_words() -> tuple[list[str], int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")
        total = cursor.fetchone()[0]
        sample = "TABLESAMPLE SYSTEM (1)" if total > 100_000 else ""
        cursor.execute(SAMPLE_SQL.format(sample=sample))
        every = cursor.fetchall()
        rows = [(word, ndoc) for word, ndoc in every if word.isalpha()] or every
    sampled_rows = total // 100 if sample else total  # SYSTEM (1): about 1%
    common = rows[0][0]
    mid = min(rows, key=lambda row: abs(row[1] - 0.02 * sampled_rows))[0]
    rare = every[-1][0]  # the least common lexeme sampled, words or figures
    return [common, mid, rare], total


def p50_ms(runs: int, *cases) -> list[float]:
    """Return each case's median milliseconds, the cases run in turn (load on a
    shared machine then weighs on both alike)."""
    times: list[list[float]] = [[] for _ in cases]
    for _ in range(runs):
        for case, kept in zip(cases, times, strict=True):
            started = time.perf_counter()
            case()
            kept.append((time.perf_counter() - started) * 1000)
    return [statistics.median(kept) for kept in times]


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--words", default="", help="comma separated; else picked")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--page", type=int, default=50)
    args = parser.parse_args(argv)
    import django
    from django.apps import apps

    standalone = not apps.ready  # else run inside Django already (the tests)
    if standalone:
        os.environ["DATABASE_URL"] = args.database_url or DEFAULT_URL
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
        sys.path.insert(0, str(ROOT))
        django.setup()
    from django.conf import settings
    from django.db import connection

    from claims.models import Claim
    from claims.selectors import search

    words, total = pick_words()
    if args.words:
        words = [word.strip() for word in args.words.split(",") if word.strip()]
    print(
        f"{total:,} claims, SEARCH_RANK_WINDOW={settings.SEARCH_RANK_WINDOW}, "
        f"first {args.page} by relevance, p50 of {args.runs} runs"
    )
    print(
        f"{'word':>14} {'matches':>9} {'estimate':>9} {'window':>7} "
        f"{'unbounded ms':>13} {'bounded ms':>11}"
    )
    results = []
    for word in words:
        search.clear_estimates()
        found = search.search_claims(Claim.objects.all(), word)
        matches = found.count()
        _, window = search.bound_ranking(found, word)
        ordering = search.rank_ordering(found)

        def unbounded_page(word=word, ordering=ordering):
            # Built anew each time, as a request does (and as bounded_page does).
            queryset = search.search_claims(Claim.objects.all(), word)
            return list(queryset.order_by(*ordering)[: args.page])

        def bounded_page(word=word, ordering=ordering):
            queryset = search.search_claims(Claim.objects.all(), word)
            queryset, _ = search.bound_ranking(queryset, word)  # estimate kept
            return list(queryset.order_by(*ordering)[: args.page])

        unbounded_ms, bounded_ms = p50_ms(args.runs, unbounded_page, bounded_page)
        row = {
            "word": word,
            "matches": matches,
            "estimate": search.estimate_matches(word),
            "window": window,
            "unbounded_ms": unbounded_ms,
            "bounded_ms": bounded_ms,
        }
        results.append(row)
        print(
            f"{word:>14} {matches:>9,} {row['estimate']:>9,.0f} "
            f"{window or '-':>7} {unbounded_ms:>13.1f} {bounded_ms:>11.1f}"
        )
    if standalone:
        connection.close()
    return results


if __name__ == "__main__":
    main()
