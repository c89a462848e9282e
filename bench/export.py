"""Time the streamed CSV export of every claim against PostgreSQL COPY of the same rows.

    .venv/bin/python bench/export.py                     # factcheck_bench
    .venv/bin/python bench/export.py --database-url postgres://.../factcheck_bench_x20k
    .venv/bin/python bench/export.py --tracemalloc       # adds a traced export run
    .venv/bin/python bench/export.py --profile 100000    # pyinstrument, 100k rows

Two measurements on the whole claims table, each in a fresh subprocess of its own
(this script re-invoked with --child) so that neither inherits the other's memory:

- export: GET /api/v1/claims/?format=csv through Django's WSGI stack in process
  (django.test.Client, bench.settings), iterating response.streaming_content and
  counting bytes and CSV records (a newline ends a record only outside quotes: fields
  may hold newlines); the record count less the header must equal
  `select count(*) from claims_claim`, else the script fails.
- copy: the floor, psycopg 3 `COPY (<SELECT>) TO STDOUT (FORMAT csv, HEADER)`,
  iterating the blocks, rows from COPY's command tag. The SELECT is the one the
  export ran (caught with connection.execute_wrapper: same columns, same joins, ORDER
  BY id), else the one Django builds for claims.services.exports.CSV_COLUMNS.

Before each timed run the child makes one warm-up request (or query) that matches no
rows, so imports, URL resolution and the connection are paid already. Memory: growth
of ru_maxrss (peak RSS) from just before the timed run to its end, so the baseline of
imports is excluded; with --tracemalloc a third child repeats the export under
tracemalloc and reports its peak of Python allocations (slower: its time is not used).
Prints rows/s, MB/s, memory, and the ratio export / COPY in rows/s (target >= 30%);
the export's memory growth should stay under 100 MB at 1M rows.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"
EXPORT_PATH = "/api/v1/claims/?format=csv"
WARM_UP_PATH = "/api/v1/claims/?format=csv&document=0"  # no document 0: no rows
RATIO_TARGET = 0.30
MEMORY_TARGET_MB = 100


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also run the export under tracemalloc (slow) for its allocation peak",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="ROWS",
        default=0,
        help="instead: profile the export of the first ROWS claims with pyinstrument",
    )
    parser.add_argument("--child", choices=["export", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--sql", default="", help=argparse.SUPPRESS)
    return parser.parse_args()


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    # No collectstatic for a benchmark: WhiteNoise's warning about it is noise.
    import warnings

    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()


def max_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


class RecordCounter:
    """Count CSV records in a byte stream: newlines outside quoted fields.

    A quote toggles "inside a field"; an escaped quote ("") toggles twice, so the
    parity of quotes seen so far says whether a newline ends a record.
    """

    def __init__(self):
        self.inside = False
        self.records = 0

    def feed(self, chunk: bytes) -> None:
        quotes = chunk.count(b'"')
        newlines = chunk.count(b"\n")
        if not self.inside and quotes % 2 == 0 and newlines <= 1:
            # The common case, one whole record: its newline is the last byte.
            if newlines == 0:
                return
            if chunk.endswith(b"\n"):
                self.records += 1
                return
        parts = chunk.split(b'"')
        start = 1 if self.inside else 0
        self.records += sum(part.count(b"\n") for part in parts[start::2])
        if quotes % 2:
            self.inside = not self.inside


def claim_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")
        return cursor.fetchone()[0]


def export_sql() -> str:
    """The SELECT the CSV export runs on an unfiltered list, as Django builds it."""
    from claims.models import Claim
    from claims.services.exports import CSV_COLUMNS

    queryset = Claim.objects.with_relations().order_by("id").values_list(*CSV_COLUMNS)
    sql, params = queryset.query.sql_with_params()
    assert not params, params
    return sql


def child_export(trace: bool) -> dict:
    import tracemalloc

    from django.db import connection
    from django.test import Client

    client = Client()
    warm = client.get(WARM_UP_PATH, HTTP_HOST="127.0.0.1")
    assert warm.status_code == 200, warm.status_code
    b"".join(warm.streaming_content)
    expected = claim_count()
    executed: list[tuple[str, object]] = []

    def record_sql(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    counter = RecordCounter()
    size = 0
    rss_before = max_rss_kib()
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    with connection.execute_wrapper(record_sql):
        response = client.get(EXPORT_PATH, HTTP_HOST="127.0.0.1")
        if response.status_code != 200:
            raise SystemExit(f"export answered {response.status_code}")
        for chunk in response.streaming_content:
            size += len(chunk)
            counter.feed(chunk)
        response.close()
    seconds = time.perf_counter() - began
    traced_peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    rows = counter.records - 1  # the header
    return {
        "rows": rows,
        "expected": expected,
        "bytes": size,
        "seconds": seconds,
        "rss_growth_kib": max_rss_kib() - rss_before,
        "traced_peak": traced_peak,
        "sql": [sql for sql, params in executed if not params],
    }


def child_copy(sql: str) -> dict:
    from django.db import connection

    expected = claim_count()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        warm_up = f"COPY (SELECT * FROM ({sql}) AS warm LIMIT 0) TO STDOUT"
        with raw.copy(warm_up) as copy:
            for _block in copy:
                pass
        size = 0
        rss_before = max_rss_kib()
        began = time.perf_counter()
        with raw.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
            for block in copy:
                size += len(block)
        seconds = time.perf_counter() - began
        rows = raw.rowcount  # from the "COPY n" command tag
    return {
        "rows": rows,
        "expected": expected,
        "bytes": size,
        "seconds": seconds,
        "rss_growth_kib": max_rss_kib() - rss_before,
        "traced_peak": None,
        "sql": [sql],
    }


def run_child(
    database_url: str, kind: str, *, trace: bool = False, sql: str = ""
) -> dict:
    command = [sys.executable, __file__, "--child", kind]
    command += ["--database-url", database_url]
    if trace:
        command.append("--tracemalloc")
    if sql:
        command += ["--sql", sql]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the {kind} child failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def profile(database_url: str, rows: int) -> None:
    """Profile the export of the first `rows` claims: the stream is left there."""
    setup_django(database_url)
    from django.test import Client
    from pyinstrument import Profiler

    client = Client()
    b"".join(client.get(WARM_UP_PATH, HTTP_HOST="127.0.0.1").streaming_content)
    profiler = Profiler(interval=0.0005)
    counter = RecordCounter()
    profiler.start()
    response = client.get(EXPORT_PATH, HTTP_HOST="127.0.0.1")
    for chunk in response.streaming_content:
        counter.feed(chunk)
        if counter.records > rows:
            break
    response.close()
    profiler.stop()
    print(f"profile of the export's first {counter.records - 1:,} rows")
    # Every frame, libraries included, down to 1% of the time.
    options = {"show_regex": ".*", "filter_threshold": 0.01}
    print(profiler.output_text(unicode=True, processor_options=options))


def show(name: str, result: dict) -> None:
    seconds = result["seconds"]
    growth_mb = result["rss_growth_kib"] / 1024
    traced = result["traced_peak"]
    traced_text = f"{traced / 2**20:8.1f}" if traced is not None else f"{'-':>8}"
    print(
        f"{name:<18} {result['rows']:>10,} {seconds:>9.2f} "
        f"{result['rows'] / seconds:>11,.0f} {result['bytes'] / 1e6 / seconds:>8.1f} "
        f"{growth_mb:>10.1f} {traced_text}"
    )


def main() -> None:
    options = parse_arguments()
    if options.child:
        setup_django(options.database_url)
        if options.child == "export":
            result = child_export(options.tracemalloc)
        else:
            result = child_copy(options.sql or export_sql())
        print(json.dumps(result))
        return
    if options.profile:
        profile(options.database_url, options.profile)
        return
    database = options.database_url.rsplit("/", 1)[-1]
    results = {"export": run_child(options.database_url, "export")}
    # The floor copies what the export selected: the one SELECT it ran, if it ran
    # exactly one without parameters, else the SELECT Django builds for CSV_COLUMNS.
    selects = [
        sql
        for sql in results["export"]["sql"]
        if sql.lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    source = "the export's own SELECT"
    if len(selects) != 1:
        source = f"the SELECT built from CSV_COLUMNS (the export ran {len(selects)})"
        selects = [""]
    results["copy"] = run_child(options.database_url, "copy", sql=selects[0])
    if options.tracemalloc:
        results["export traced"] = run_child(options.database_url, "export", trace=True)
    expected = results["copy"]["expected"]
    size = results["export"]["bytes"] / 1e6
    print(f"CSV export of {expected:,} claims from {database} ({size:,.0f} MB)")
    print(
        f"{'':<18} {'rows':>10} {'seconds':>9} {'rows/s':>11} {'MB/s':>8} "
        f"{'RSS +MiB':>10} {'traced':>8}"
    )
    failed = []
    for name, result in results.items():
        show(name, result)
        if result["rows"] != result["expected"]:
            failed.append(f"{name}: {result['rows']:,} rows, {result['expected']:,}")
    export, copy = results["export"], results["copy"]
    ratio = (export["rows"] / export["seconds"]) / (copy["rows"] / copy["seconds"])
    growth = export["rss_growth_kib"] / 1024
    met = "met" if ratio >= RATIO_TARGET else "MISSED"
    print(f"ratio export/COPY  {ratio:.1%} (target >= {RATIO_TARGET:.0%}: {met})")
    print(f"COPY ran           {source}")
    met = "met" if growth < MEMORY_TARGET_MB else "MISSED"
    print(
        f"export RSS growth  {growth:.1f} MiB "
        f"(target < {MEMORY_TARGET_MB} MB at 1M rows: {met})"
    )
    if failed:
        raise SystemExit("row counts differ from count(*): " + "; ".join(failed))


if __name__ == "__main__":
    main()
