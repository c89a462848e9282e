"""Official series at scale: a streamed Comtrade load, then comparisons for many claims.

    .venv/bin/python bench/series.py                          # throwaway SQLite file
    .venv/bin/python bench/series.py --postgres --records 50000,100000 --claims 10000
    .venv/bin/python bench/series.py --records 100000,500000 --claims 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/fc_bench1m   # at 1M claims

For each size in --records, writes a synthetic file in UN Comtrade API v1 format
(annual bilateral totals, reporters x partners x flows x years; values made up),
loads it into an empty database with load_series_file and prints rows/s, then loads
it again into an empty database under tracemalloc and prints the peak Python
memory. Then links --metrics bilateral metrics to their series (both reporters),
stores --claims claims on them (calendar years and Iranian years, values made up),
computes every comparison (refresh_comparisons per metric) and prints the time
and the queries per claim; finally the p50 and p95 of GET
/api/v1/claims/{id}/official/ and an EXPLAIN ANALYZE of its query.

With --database-url (a database filled by bench/make_data.py, kept) no claim is
made: the database's own claims on its USD metrics are linked instead, metric by
metric until they hold --claims claims, each metric to the trade of a pair of
reporters the largest file covers whole; the series tables, links and comparisons
it leaves hold that state. Every figure line carries the machine's load average.
"""

import argparse
import datetime
import itertools
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

YEARS = list(range(2005, 2025))


def countries() -> list[str]:
    import pycountry

    return sorted(country.alpha_3 for country in pycountry.countries)


def write_comtrade(path: Path, records: int) -> int:
    """Write `records` Comtrade records (made-up values) one by one; return series."""
    codes = countries()
    rnd = random.Random(records)
    keys = set()
    with path.open("w") as out:
        out.write(f'{{"elapsedTime": "0 secs", "count": {records}, "data": [')
        written = 0
        for reporter in codes:
            for partner in codes:
                if reporter == partner:
                    continue
                for flow in ("X", "M"):
                    for year in YEARS:
                        if written == records:
                            break
                        record = {
                            "typeCode": "C",
                            "freqCode": "A",
                            "refYear": year,
                            "refMonth": 52,
                            "period": str(year),
                            "reporterISO": reporter,
                            "flowCode": flow,
                            "partnerISO": partner,
                            "cmdCode": "TOTAL",
                            "primaryValue": rnd.randint(10**6, 10**10),
                            "legacyEstimationFlag": 0,
                            "isReported": True,
                        }
                        out.write(("," if written else "") + json.dumps(record))
                        written += 1
                        keys.add((reporter, partner, flow))
                if written == records:
                    break
            if written == records:
                break
        out.write('], "error": ""}')
    return len(keys)


def empty_series_tables() -> None:
    from series.models import Comparison, Dataset, Observation, Series, Vintage

    Comparison.objects.all().delete()
    Observation.objects.all()._raw_delete(Observation.objects.db)
    Vintage.objects.all()._raw_delete(Vintage.objects.db)
    Series.objects.all().delete()
    Dataset.objects.exclude(code="comtrade").delete()


def load_file(path: Path):
    from series.services.loading import load_series_file

    with path.open("rb") as stream:
        return load_series_file(stream=stream, format="comtrade-json")


def bench_loads(folder: Path, sizes: list[int]) -> None:
    """Load each size into emptied series tables; the last one stays loaded."""
    print(
        "records    series  file MB   seconds    rows/s   peak MB (tracemalloc)"
        "   load average"
    )
    for size in sizes:
        path = folder / f"comtrade-{size}.json"
        series = write_comtrade(path, size)
        empty_series_tables()
        tick = time.perf_counter()
        report = load_file(path)
        seconds = time.perf_counter() - tick
        assert report.records == size, report.summary()
        empty_series_tables()
        tracemalloc.start()
        load_file(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{size:>7,} {series:>9,} {path.stat().st_size / 1e6:>8.1f} "
            f"{seconds:>9.2f} {size / seconds:>9,.0f} {peak / 2**20:>9.1f}"
            f"   {load_average()}"
        )
        path.unlink()


def link_pair(metric, comtrade, first: str, second: str) -> None:
    """Link `metric` to the trade of two countries, as each of them reports it."""
    from series.models import MetricSeriesLink

    MetricSeriesLink.objects.filter(metric=metric).delete()
    for reporter, partner in ((first, second), (second, first)):
        MetricSeriesLink.objects.create(
            metric=metric,
            dataset=comtrade,
            reporter=reporter,
            role="reported" if reporter == first else "mirror",
            terms=[
                {"indicator": "X", "partner": partner},
                {"indicator": "M", "partner": partner},
            ],
        )


def new_claims(claims: int, metrics: int) -> list:
    """Store `claims` made-up claims on `metrics` new metrics linked to series."""
    from claims.figures.periods import solar_hijri_year
    from claims.models import Claim, Metric
    from series.models import Dataset
    from sources.models import Document, Publisher

    codes = countries()
    rnd = random.Random(claims)
    publisher = Publisher.objects.create(name="Bench", url="https://bench.example.org")
    document = Document.objects.create(
        title="Bench", url="https://bench.example.org/1", publisher=publisher
    )
    comtrade = Dataset.objects.get(code="comtrade")
    metric_rows = []
    # Pairs among the first reporters: the file holds both sides of their trade.
    pairs = list(itertools.combinations(codes[:6], 2))[:metrics]
    for n, (first, second) in enumerate(pairs):
        metric = Metric.objects.create(
            name=f"Bench trade {first}-{second}",
            slug=f"bench-trade-{n}",
            unit="USD",
            kind=Metric.Kind.ANNUAL,
        )
        link_pair(metric, comtrade, first, second)
        metric_rows.append(metric)
    rows = []
    for n in range(claims):
        year = rnd.choice(YEARS[:-1])
        if rnd.random() < 0.3:
            period = solar_hijri_year(year - 621)
            start, end = period.start, period.end
        else:
            start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        rows.append(
            Claim(
                text=f"Bench claim {n}",
                quote=f"bench claim {n}",
                document=document,
                metric=metric_rows[n % len(metric_rows)],
                value=rnd.randint(1, 40) * 10**9,
                unit="USD",
                comparator=rnd.choice(["exact", "approximately", "more_than"]),
                period_start=start,
                period_end=end,
            )
        )
    Claim.objects.bulk_create(rows, batch_size=2000)
    return metric_rows


def existing_claims(claims: int, reporters: int) -> list:
    """Link the database's own USD metrics, fewest first, until they hold `claims`
    claims with a figure and a period; return those metrics."""
    from django.db.models import Count

    from claims.models import Claim, Metric
    from series.models import Dataset

    counts = (
        Claim.objects.filter(
            metric__unit="USD", value__isnull=False, period_start__isnull=False
        )
        .values_list("metric_id")
        .annotate(claims=Count("id"))
        .order_by("metric_id")
    )
    chosen, covered = [], 0
    for metric_id, count in counts:
        if covered >= claims:
            break
        chosen.append(metric_id)
        covered += count
    # Pairs among the reporters the file covers whole: both sides of their trade.
    codes = countries()[:reporters]
    pairs = list(itertools.combinations(codes, 2))
    comtrade = Dataset.objects.get(code="comtrade")
    metric_rows = list(Metric.objects.filter(pk__in=chosen).order_by("pk"))
    for n, metric in enumerate(metric_rows):
        link_pair(metric, comtrade, *pairs[n % len(pairs)])
    print(
        f"linked {len(metric_rows)} of the database's USD metrics, holding "
        f"{covered:,} claims with a figure and a period, to pairs among "
        f"{len(codes)} reporters"
    )
    return metric_rows


def bench_comparisons(metric_rows: list, requests: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from claims.models import Claim
    from series.models import Comparison
    from series.services.comparisons import refresh_comparisons

    claims = Claim.objects.filter(metric__in=metric_rows).count()
    tick = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        for metric in metric_rows:
            refresh_comparisons(metric_id=metric.pk)
    seconds = time.perf_counter() - tick
    made = Comparison.objects.filter(link__metric__in=metric_rows).count()
    print(
        f"comparisons: {claims:,} claims on {len(metric_rows)} metrics, {made:,} "
        f"comparisons in {seconds:.1f} s: {seconds / claims * 1000:.2f} ms per "
        f"claim, {len(queries) / claims:.3f} queries per claim ({len(queries)} in "
        f"all); load average {load_average()}"
    )
    analyze("series_comparison")
    time_official(metric_rows, requests)


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics after a bulk write (PostgreSQL): autovacuum
    would, a minute later; the benchmark server runs without it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")


def time_official(metric_rows: list, requests: int) -> None:
    """Time GET /api/v1/claims/{id}/official/ for claims with comparisons."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from claims.models import Claim
    from series.models import Comparison
    from series.selectors import claim_comparisons

    client = Client()
    ids = list(
        Comparison.objects.filter(link__metric__in=metric_rows)
        .values_list("claim_id", flat=True)
        .distinct()
    )
    rnd = random.Random(len(ids))
    times, counts = [], []
    for claim_id in rnd.sample(ids, min(requests, len(ids))):
        tick = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/claims/{claim_id}/official/")
        times.append(time.perf_counter() - tick)
        counts.append(len(queries))
        assert response.status_code == 200, response.content
    p50 = statistics.median(times) * 1000
    p95 = statistics.quantiles(times, n=20)[-1] * 1000
    print(
        f"GET /api/v1/claims/{{id}}/official/: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"({len(times)} requests, test client, {Claim.objects.count():,} claims, "
        f"{max(counts)} queries at most); load average {load_average()}"
    )
    if connection.vendor != "postgresql":
        return
    sql, params = claim_comparisons(ids[0]).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        explained = cursor.fetchone()[0][0]
    print(
        f"its query, EXPLAIN ANALYZE: {explained['Execution Time']:.2f} ms "
        f"(planning {explained['Planning Time']:.2f} ms)"
    )


def load_average() -> str:
    return " ".join(f"{load:.1f}" for load in os.getloadavg())


def run(folder: Path, sizes: list[int], options: argparse.Namespace) -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from claims.models import Claim, Metric
    from series.models import Dataset

    print(f"database: {connection.vendor}, {Claim.objects.count():,} claims")
    if options.official_only:
        linked = Metric.objects.filter(official_links__isnull=False).distinct()
        time_official(list(linked), options.requests)
        return
    Dataset.objects.exclude(code="comtrade").delete()
    bench_loads(folder, sizes)
    if sizes[-1] != max(sizes):
        # The comparisons run over the largest file's series.
        path = folder / "comtrade-comparisons.json"
        write_comtrade(path, max(sizes))
        empty_series_tables()
        load_file(path)
    analyze("series_series", "series_vintage", "series_observation")
    if options.database_url:
        # Reporters the largest file covers whole (all partners, flows and years).
        reporters = max(sizes) // ((len(countries()) - 1) * 2 * len(YEARS))
        metric_rows = existing_claims(options.claims, max(2, reporters))
    else:
        metric_rows = new_claims(options.claims, options.metrics)
    bench_comparisons(metric_rows, options.requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="10000,25000,50000")
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--database", default=f"factcheck_series_bench_{os.getpid()}")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--database-url",
        help="an existing database (e.g. 1M claims from bench/make_data.py): its "
        "series tables are emptied and refilled, its own USD metrics linked until "
        "they hold --claims claims; nothing else of it changes, and it is kept",
    )
    parser.add_argument(
        "--requests", type=int, default=300, help="GETs of /official/ timed"
    )
    parser.add_argument(
        "--official-only",
        action="store_true",
        help="with --database-url: only time /official/ on what an earlier run left",
    )
    options = parser.parse_args()
    sizes = [int(size) for size in options.records.split(",")]
    os.environ["API_THROTTLE_ANON"] = "1000000/minute"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if options.database_url:
            # Production settings, as bench/run.py and the other 1M benchmarks.
            os.environ["DATABASE_URL"] = options.database_url
            os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
            run(folder, sizes, options)
            return
        os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings.test"
        os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
        if not options.postgres:
            os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
            run(folder, sizes, options)
            return
        import psycopg

        name = options.database
        server = urlsplit(options.server)
        admin_url = urlunsplit(server._replace(path="/postgres"))
        os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{name}"))
        os.environ["DATABASE_CONN_MAX_AGE"] = "0"
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            run(folder, sizes, options)
        finally:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    main()
