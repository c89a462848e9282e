"""Import of external reviews in the Fact-Check Insights shape: rows/s, peak memory.

    .venv/bin/python bench/reviews.py --sizes 5000,10000,20000   # fc bench database
    .venv/bin/python bench/reviews.py --sizes 250000             # the issue's scale
    .venv/bin/python bench/reviews.py --sizes 250000 --command \
        --database-url postgres://postgres@127.0.0.1:5432/fc_bench1m   # as an operator
    .venv/bin/python bench/reviews.py --datafeed 20 --database-url URL  # DataFeed

For each size N it writes a generated Fact-Check Insights JSON file of N review
items (`claimReviews`, plus a few `mediaReviews`, `meta`) in several languages and
rating scales, about 4% of them repeats of an earlier item and 3% broken (no url,
an unreadable date, no claimReviewed), then imports it with reviews.services
.import_reviews (the code `manage.py import_reviews` runs) into an emptied reviews
table, in a child process of its own so its peak RSS is that import's alone.
Prints per size: items, created, rejected, seconds, items/s, the file's size and
the child's peak RSS (and how much the import added to it). Every generated
review is made up (publishers on example.org): none is a real fact-check. Writes
only the reviews tables of its database (default factcheck_bench, migrated first),
and leaves the last file's reviews in them (bench/matching_latency.py then times
matching against them). --command imports through `manage.py import_reviews` in a
process of its own; --datafeed times our DataFeed's pages instead of importing.
"""

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"

# Made up for the benchmark: texts, checkers and ratings in several languages.
TEXTS = {
    "en": "Iran-Russia trade reached ${n} billion in {year}",
    "es": "El comercio entre Irán y Rusia alcanzó {n} mil millones de dólares "
    "en {year}",
    "fr": "Le commerce entre l'Iran et la Russie a atteint {n} milliards de "
    "dollars en {year}",
    "de": "Der Handel zwischen Iran und Russland erreichte {year} {n} "
    "Milliarden Dollar",
    "ru": "Товарооборот Ирана и России в {year} году составил {n} млрд долларов",
    "fa": "حجم تجارت ایران و روسیه در سال {year} به {n} میلیارد دلار رسید",
}
RATINGS = {
    "en": [
        "False",
        "Mostly false",
        "Pants on Fire",
        "Misleading",
        "Half true",
        "True",
        "Zombie claim",
    ],
    "es": ["Falso", "Engañoso", "Verdadero"],
    "fr": ["Faux", "Trompeur", "Vrai"],
    "de": ["Falsch", "Irreführend", "Richtig"],
    "ru": ["Неправда", "Ложь", "Манипуляция"],
    "fa": ["نادرست", "گمراه‌کننده", "درست"],
}


def review_item(number: int, rng: random.Random) -> dict:
    language = rng.choice(sorted(TEXTS))
    checker = rng.randrange(40)
    site = f"checker{checker}.example.org"
    item = {
        "@type": "ClaimReview",
        "claimReviewed": TEXTS[language].format(
            n=rng.randrange(1, 90) / 10, year=rng.randrange(2005, 2024)
        )
        + f" (#{number})",
        "url": f"https://{site}/{language}/checks/{number}",
        "datePublished": rng.choice(
            ["2021-03-04", "2021-03-04T10:00:00Z", "04.03.2021", "2022-11-30"]
        ),
        "inLanguage": language,
        "author": {
            "@type": "Organization",
            "name": f"Checker {checker}",
            "url": f"https://{site}/",
        },
        "reviewRating": {
            "@type": "Rating",
            "alternateName": rng.choice(RATINGS[language]),
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": {"name": f"Speaker {rng.randrange(500)}"},
            "datePublished": "2021-03-01",
            "appearance": rng.choice(
                [
                    f"https://news.example.net/{number}",
                    {
                        "@type": "CreativeWork",
                        "url": f"https://news.example.net/{number}",
                    },
                    [{"url": f"https://news.example.net/{number}"}],
                ]
            ),
        },
    }
    if rng.random() < 0.5:
        item["reviewRating"].update(
            ratingValue=rng.randrange(1, 6), bestRating=5, worstRating=1
        )
    broken = rng.random()
    if broken < 0.01:
        del item["url"]
    elif broken < 0.02:
        item["datePublished"] = "sometime"
    elif broken < 0.03:
        item["claimReviewed"] = ""
    return item


def write_feed(path: Path, size: int, seed: int = 24) -> None:
    """Write a Fact-Check Insights JSON file of `size` items, one at a time."""
    rng = random.Random(seed)
    kept: list[dict] = []
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"claimReviews": [')
        for number in range(size):
            if kept and rng.random() < 0.04:
                item = rng.choice(kept)  # a repeat: stored once
            else:
                item = review_item(number, rng)
                if len(kept) < 1000:
                    kept.append(item)
            handle.write(("," if number else "") + json.dumps(item, ensure_ascii=False))
        handle.write('], "mediaReviews": [')
        media = {
            "@type": "MediaReview",
            "url": "https://checker0.example.org/m/1",
            "name": "A made-up edited video",
            "mediaAuthenticityCategory": "TransformedContent",
            "author": {"name": "Checker 0", "url": "https://checker0.example.org/"},
            "itemReviewed": {"contentUrl": "https://video.example.net/1.mp4"},
        }
        handle.write(json.dumps(media))
        handle.write('], "meta": ')
        handle.write(
            json.dumps(
                {
                    "retrievedAt": "2026-01-01T00:00:00Z",
                    "claimReviewCount": size,
                    "mediaReviewCount": 1,
                }
            )
        )
        handle.write("}")


def empty_reviews() -> None:
    from reviews.models import ExternalReview, RatingMapping, ReviewPublisher

    # Raw deletes: Django's delete() loads every row first, and that peak would hide
    # the import's own.
    RatingMapping.objects.filter(publisher__isnull=False).delete()
    for queryset in (
        ExternalReview.history.all(),
        ExternalReview.objects.all(),
        ReviewPublisher.history.all(),
        ReviewPublisher.objects.all(),
    ):
        queryset._raw_delete(queryset.db)


def import_one(path: Path) -> dict:
    """Import a file into emptied reviews tables; return what it did and cost."""
    from reviews.services import import_reviews

    empty_reviews()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with path.open("rb") as handle:
        report = import_reviews(handle=handle, filename=path.name)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "items": report.read,
        "created": report.created,
        "unchanged": report.unchanged,
        "rejected": len(report.rejected),
        "seconds": round(seconds, 2),
        "items_per_s": round(report.read / seconds) if seconds else 0,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "peak_rss_mb": round(peak / 1024, 1),
        "peak_rss_growth_mb": round((peak - before) / 1024, 1),
    }


def import_by_command(path: Path) -> dict:
    """Run `manage.py import_reviews FILE --json` into emptied reviews tables, as an
    operator would; return what it did, its wall time and its peak RSS."""
    empty_reviews()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "manage.py", "import_reviews", str(path), "--json"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    output = child.stdout.read() if child.stdout else ""
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"import_reviews failed ({child.returncode}): {output}")
    report = json.loads(output.strip().splitlines()[-1])
    return {
        "items": report["read"],
        "created": report["created"],
        "unchanged": report["unchanged"],
        "rejected": report["rejected_count"],
        "seconds": round(seconds, 1),
        "items_per_s": round(report["read"] / seconds),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_rss_growth_mb": "-",
    }


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics of `tables` after a bulk write (PostgreSQL).

    Autovacuum would, a minute later; the benchmark server runs without it, and a
    plan made for the empty table then reads every matching row (1.3 s instead of
    milliseconds for a word in a sixth of 232,608 reviews).
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_datafeed(runs: int) -> None:
    """Time pages of GET /api/v1/claimreview/datafeed.json; EXPLAIN ANALYZE each."""
    import re
    import statistics

    from django.db import connection
    from django.db.models import Max, Min
    from django.db.models.functions import Coalesce
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claims.models import Claim

    feed = "/api/v1/claimreview/datafeed.json"
    verdicts = Claim.objects.reviewed().annotate(
        modified=Coalesce("reviewed_at", "updated_at")
    )
    bounds = verdicts.aggregate(first=Min("modified"), last=Max("modified"))
    middle = bounds["first"] + (bounds["last"] - bounds["first"]) / 2
    client = Client()
    first = client.get(feed, {"page_size": 100}).json()
    pages = {
        "first page": (feed, {"page_size": 100}),
        "next page": (first["next"], {}),
        "window from the middle": (
            feed,
            {"page_size": 100, "modified_since": middle.isoformat()},
        ),
    }
    print(f"{verdicts.count():,} claims with a verdict of {Claim.objects.count():,}")
    print(f"{'page':>24} {'n':>4} {'p50 ms':>8} {'p95 ms':>8}  EXPLAIN ANALYZE")
    for name, (url, params) in pages.items():
        times = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, params)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.content
        times = times[1:]  # the first warms the caches
        (sql,) = [
            q["sql"]
            for q in queries.captured_queries
            if re.match(r'SELECT .*? FROM "claims_claim"\s', q["sql"])
            and "COALESCE" in q["sql"]
        ]
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            explained = cursor.fetchone()[0][0]
        nodes, scans = [explained["Plan"]], []
        while nodes:
            node = nodes.pop()
            nodes.extend(node.get("Plans", []))
            if node.get("Relation Name") == "claims_claim":
                scans.append(f"{node['Node Type']} {node.get('Index Name', '')}")
        sorts = '"Node Type": "Sort"' in json.dumps(explained["Plan"])
        shape = (
            f"{explained['Execution Time']:.1f} ms, "
            f"{'a Sort' if sorts else 'no Sort'}, claims read by {', '.join(scans)}"
        )
        print(
            f"{name:>24} {len(times):>4} {statistics.median(times) * 1000:>8.1f} "
            f"{percentile(times, 0.95) * 1000:>8.1f}  {shape}"
        )


def setup(database_url: str | None) -> None:
    import django
    from django.apps import apps

    if apps.ready:  # inside Django already (the tests)
        return
    os.environ["DATABASE_URL"] = database_url or DEFAULT_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--sizes", default="2000,5000,10000,20000")
    parser.add_argument(
        "--datafeed",
        type=int,
        default=0,
        metavar="RUNS",
        help="only time RUNS requests of each DataFeed page (no import)",
    )
    parser.add_argument(
        "--command",
        action="store_true",
        help="import each file with `manage.py import_reviews FILE` in a process of "
        "its own (wall time and that process's peak RSS, start-up included)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="FOLDER",
        help="write the generated files into FOLDER and keep them",
    )
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--in-process", action="store_true", help="import in this process (the tests)"
    )
    args = parser.parse_args(argv)
    setup(args.database_url)
    if args.one:
        print(json.dumps(import_one(args.one)))
        return []
    if args.datafeed:
        bench_datafeed(args.datafeed)
        return []
    if not args.in_process:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    results = []
    print(
        f"{'items':>8} {'created':>8} {'rejected':>8} {'s':>7} {'items/s':>8} "
        f"{'file MB':>8} {'peak RSS MB':>11} {'+MB':>5}  load average"
    )
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.keep or Path(temporary)
        for size in (int(part) for part in args.sizes.split(",")):
            path = Path(folder) / f"insights-{size}.json"
            if not path.exists():
                write_feed(path, size)
            if args.in_process:
                result = import_one(path)
            elif args.command:
                result = import_by_command(path)
            else:
                child = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--one",
                        str(path),
                        "--database-url",
                        os.environ["DATABASE_URL"],
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = json.loads(child.stdout.strip().splitlines()[-1])
            result["load_average"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
            analyze("reviews_externalreview", "reviews_reviewpublisher")
            results.append(result)
            print(
                f"{result['items']:>8,} {result['created']:>8,} "
                f"{result['rejected']:>8,} {result['seconds']:>7} "
                f"{result['items_per_s']:>8,} {result['file_mb']:>8} "
                f"{result['peak_rss_mb']:>11} {result['peak_rss_growth_mb']:>5}"
                f"  {result['load_average']}"
            )
    return results


if __name__ == "__main__":
    main()
