"""What one anonymous search of many repeated words costs (issue 12).

    .venv/bin/python bench/hostile_search.py                     # factcheck_bench
    .venv/bin/python bench/hostile_search.py --words 1,8,16,24,32,33,40
    .venv/bin/python bench/hostile_search.py --queries "e,the,of the,uk,ira,trade"

Before issue 12, every word of `?q=` added a LEFT JOIN over person aliases, so rows
multiplied per word: on PostgreSQL at 300,000 claims 22 words of `e` took 3.4 s, 24
words 10.5 s and 26 words a 500 after 37 s. Now each word is one EXISTS, the words
and the length are capped (a 400 past SEARCH_MAX_WORDS) and a statement that runs
past DATABASE_STATEMENT_TIMEOUT is a 503. This prints, per number of words, the
status and the wall time of `GET /api/v1/claims/?q=e+e+...` through the whole
middleware stack (django.test.Client, bench.settings: production settings,
throttles off, the representation cache off so a repeat is not a cache hit), best
of --repeat.

With --queries, each comma-separated search instead (issue 27: one letter, stop
words, short and common words): its status, time, results and the
Search-Ranked-Within header (the window it was ranked in; - for every match).
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"


def main(argv: list[str] | None = None) -> list[tuple[int, int, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--words", default="1,8,16,22,24,26,32,33,64")
    parser.add_argument("--word", default="san")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", help="comma-separated searches, each timed")
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url or DEFAULT_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("BENCH_UNCACHED", "1")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from claims.models import Claim

    client = Client(HTTP_HOST="127.0.0.1")
    if args.queries:
        return _queries(client, args.queries.split(","), args.repeat)
    print(f"{Claim.objects.count():,} claims; GET /api/v1/claims/?q=<word x N>")
    print(f"{'words':>6} {'status':>6} {'best ms':>9}")
    results = []
    for words in (int(part) for part in args.words.split(",")):
        query = "+".join([args.word] * words)
        best = float("inf")
        status = 0
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(f"/api/v1/claims/?q={query}")
            best = min(best, time.perf_counter() - started)
            status = response.status_code
        results.append((words, status, best * 1000))
        print(f"{words:>6} {status:>6} {best * 1000:>9.1f}")
    return results


def _queries(client, queries: list[str], repeat: int) -> list[tuple[int, int, float]]:
    from claims.models import Claim

    print(f"{Claim.objects.count():,} claims; GET /api/v1/claims/?q=<query>")
    print(f"{'query':>16} {'status':>6} {'best ms':>9} {'results':>7} {'ranked in':>9}")
    results = []
    for query in queries:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/api/v1/claims/", {"q": query})
            best = min(best, time.perf_counter() - started)
        body = response.json()
        shown = len(body["results"]) if "results" in body else body
        window = response.headers.get("Search-Ranked-Within", "-")
        results.append((len(query.split()), response.status_code, best * 1000))
        print(
            f"{query!r:>16} {response.status_code:>6} {best * 1000:>9.1f} "
            f"{shown if isinstance(shown, int) else '-':>7} {window:>9}"
        )
        if response.status_code == 400:
            print(f"{'':>16} {body}")
    return results


if __name__ == "__main__":
    main()
