"""What one anonymous search of many repeated words costs (issue 12).

    .venv/bin/python bench/hostile_search.py                     # factcheck_bench
    .venv/bin/python bench/hostile_search.py --words 1,8,16,24,32,33,40

Before issue 12, every word of `?q=` added a LEFT JOIN over person aliases, so rows
multiplied per word: on PostgreSQL at 300,000 claims 22 words of `e` took 3.4 s, 24
words 10.5 s and 26 words a 500 after 37 s. Now each word is one EXISTS, the words
and the length are capped (a 400 past SEARCH_MAX_WORDS) and a statement that runs
past DATABASE_STATEMENT_TIMEOUT is a 503. This prints, per number of words, the
status and the wall time of `GET /api/v1/claims/?q=e+e+...` through the whole
middleware stack (django.test.Client, bench.settings: production settings,
throttles off), best of --repeat.
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
    parser.add_argument("--word", default="e")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url or DEFAULT_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test import Client

    from claims.models import Claim

    client = Client(HTTP_HOST="127.0.0.1")
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


if __name__ == "__main__":
    main()
