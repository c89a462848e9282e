"""Time conflict detection through the database at 100k and 1M claims.

    .venv/bin/python bench/detect.py                     # --sizes 100000,1000000
    .venv/bin/python bench/detect.py --sizes 20000 --profile

Runs `claims.services.conflicts.detect_all_conflicts()` (what `manage.py
detect_conflicts` does: every metric in turn, compare its figures, write the detected
`contradicts` links and the comparison flags) on PostgreSQL databases filled by
bench/make_data.py.
For each size the database is --database-url when it holds exactly that many claims,
else the one --database-url-template names for the size, filled by make_data
(--reset) when missing or of another size.

Every size starts from the same state: the detected links, their history rows and
the comparison flags are removed first (raw SQL: the ORM's delete would write a
history row per link), then the touched tables are vacuumed and analyzed. Then one
full detection is timed (the links are all new: "first"), and a second right after
it ("second": nothing changes, the steady-state cost of a periodic run), after
another VACUUM (ANALYZE) as autovacuum would have done by then (it may be off on a
benchmark server: `SHOW autovacuum`). `--runs second` times only a second run on
the links already there (after an earlier first run), `--runs first` only the
first. Each size runs in a fresh subprocess of its own (this script with --child);
progress goes to stderr. Prints per run the claims, metrics, links created and
removed, claims flagged, seconds, claims/s and where the time went (reading the
figures, comparing them in Python, syncing the links, syncing the flags), then
t(largest) / t(smallest) per run, against the target of <= 12 for the first run at
10x the claims. The databases are left vacuumed and analyzed, with their links.

--profile runs the first timed detection of each size under pyinstrument and prints
the profile to stderr (for a size like 20k or 100k, not 1M).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"
DEFAULT_TEMPLATE = "postgres://postgres@127.0.0.1:5432/factcheck_bench_{size}"
RATIO_TARGET = 12
RUNS = ["first", "second"]
STAGES = ["rows_for_metric", "detect", "_sync_links", "_sync_flags"]
RESET_SQL = [
    "DELETE FROM claims_claimlink WHERE detected",
    "DELETE FROM claims_historicalclaimlink WHERE detected",
    "UPDATE claims_claim SET comparison_flag = '' WHERE comparison_flag <> ''",
]
VACUUM_TABLES = ["claims_claimlink", "claims_historicalclaimlink", "claims_claim"]


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="100000,1000000",
        help="claim counts, comma separated (default: 100000,1000000)",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_URL,
        help="used for the size equal to its number of claims",
    )
    parser.add_argument(
        "--database-url-template",
        default=DEFAULT_TEMPLATE,
        help="the database for any other size; {size} is replaced",
    )
    parser.add_argument("--seed", type=int, default=2013, help="for make_data")
    parser.add_argument(
        "--profile", action="store_true", help="profile the first run (pyinstrument)"
    )
    parser.add_argument(
        "--runs",
        default="first,second",
        help="first (from no detected links), second (right after: nothing to "
        "change) or both, comma separated; second alone keeps the links there",
    )
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args()
    try:
        options.sizes = [int(size) for size in options.sizes.split(",")]
    except ValueError:
        parser.error("--sizes must be integers separated by commas")
    if "{size}" not in options.database_url_template:
        parser.error("--database-url-template must contain {size}")
    asked = options.runs.split(",")
    options.runs = [run for run in RUNS if run in asked]
    if not options.runs or len(options.runs) != len(asked):
        parser.error("--runs must name first, second or both")
    return options


def stored_claims(url: str) -> int | None:
    """Return the number of claims in the database at `url`, None if it is missing."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        found = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    if not found:
        return None
    with psycopg.connect(url) as connection:
        try:
            return connection.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
        except psycopg.errors.UndefinedTable:
            return None


def database_for(size: int, options) -> str:
    """Return the URL of a database holding `size` claims, filling one if needed."""
    if stored_claims(options.database_url) == size:
        return options.database_url
    url = options.database_url_template.format(size=size)
    stored = stored_claims(url)
    if stored != size:
        print(f"filling {url} with {size:,} claims (it holds {stored})", flush=True)
        command = [sys.executable, str(ROOT / "bench" / "make_data.py")]
        command += ["--claims", str(size), "--database-url", url, "--reset"]
        command += ["--seed", str(options.seed)]
        subprocess.run(command, check=True)
    return url


def reset_detection(url: str) -> None:
    """Remove the detected links, their history rows and the comparison flags."""
    import psycopg

    with psycopg.connect(url) as connection:
        for statement in RESET_SQL:
            connection.execute(statement)
        connection.commit()


def vacuum_analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"VACUUM (ANALYZE) {', '.join(VACUUM_TABLES)}")


def timed_stages() -> dict[str, float]:
    """Wrap the stages of detect_metric_conflicts to add up the seconds of each."""
    from claims.services import conflicts

    seconds: dict[str, float] = defaultdict(float)
    for name in STAGES:
        function = getattr(conflicts, name)

        def timed(*args, _function=function, _name=name, **kwargs):
            began = time.perf_counter()
            try:
                return _function(*args, **kwargs)
            finally:
                seconds[_name] += time.perf_counter() - began

        setattr(conflicts, name, timed)
    return seconds


def child(url: str, profile: bool, runs: list[str]) -> dict:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from claims.models import Claim, ClaimLink, Metric
    from claims.services.conflicts import detect_all_conflicts

    claims = Claim.objects.count()
    metrics = Metric.objects.filter(claims__isnull=False).distinct().count()
    print(f"{claims:,} claims, {metrics} metrics", file=sys.stderr, flush=True)
    stages = timed_stages()
    timings = []
    for run in runs:
        began = time.perf_counter()
        if run == "first":
            reset_detection(url)
        # Statistics as a periodic run would meet them (autovacuum may be off on a
        # benchmark server): before the first run, of the emptied link table.
        vacuum_analyze(url)
        print(
            f"{run} detection run (prepared in {time.perf_counter() - began:.1f} s):",
            file=sys.stderr,
            flush=True,
        )
        stages.clear()
        profiler = None
        if profile and run == runs[0]:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.002)
            profiler.start()
        began = time.perf_counter()
        summary = detect_all_conflicts(progress=True)
        seconds = time.perf_counter() - began
        if profiler is not None:
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False), file=sys.stderr)
        timings.append(
            {
                "run": run,
                "seconds": seconds,
                "created": summary.created,
                "removed": summary.removed,
                "flagged": summary.flagged,
                "stages": dict(stages),
            }
        )
        print(HEADER, file=sys.stderr)
        print(run_line(claims, metrics, timings[-1]), file=sys.stderr, flush=True)
    links = ClaimLink.objects.filter(detected=True).count()
    # Fresh statistics for whoever uses the database next: planned on the emptied
    # link table, the list's conflict query would scan every link.
    vacuum_analyze(url)
    return {"claims": claims, "metrics": metrics, "links": links, "runs": timings}


def run_child(url: str, profile: bool, runs: list[str]) -> dict:
    command = [sys.executable, __file__, "--child", url, "--runs", ",".join(runs)]
    if profile:
        command.append("--profile")
    # stderr (progress bars, the profile) goes straight to the terminal.
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the detection child for {url} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


STAGE_NAMES = ["read", "compare", "links", "flags"]
HEADER = (
    f"{'claims':>10} {'metrics':>7} {'run':<6} {'created':>9} {'removed':>7} "
    f"{'flagged':>7} {'seconds':>8} {'claims/s':>9}  "
    + " ".join(f"{name:>7}" for name in STAGE_NAMES)
)


def run_line(claims: int, metrics: int, run: dict) -> str:
    stages = " ".join(f"{run['stages'].get(stage, 0):7.1f}" for stage in STAGES)
    return (
        f"{claims:>10,} {metrics:>7} {run['run']:<6} {run['created']:>9,} "
        f"{run['removed']:>7,} {run['flagged']:>7,} {run['seconds']:>8.1f} "
        f"{claims / run['seconds']:>9,.0f}  {stages}"
    )


def main() -> None:
    options = parse_arguments()
    if options.child:
        print(json.dumps(child(options.child, options.profile, options.runs)))
        return
    results = []
    # Each size's lines as soon as it is done: a 1M run takes the better part of
    # an hour, and whatever stops the script later should not lose them.
    for size in options.sizes:
        url = database_for(size, options)
        print(f"size {size:,}: {url.rsplit('/', 1)[-1]}", flush=True)
        result = run_child(url, options.profile, options.runs)
        results.append(result)
        print(HEADER)
        for run in result["runs"]:
            print(run_line(result["claims"], result["metrics"], run))
        print(f"{result['links']:,} detected links stored", flush=True)
    if len(results) > 1:
        print("Conflict detection (detect_all_conflicts); stage columns in seconds")
        print(HEADER)
        for result in results:
            for run in result["runs"]:
                print(run_line(result["claims"], result["metrics"], run))
        small, large = results[0], results[-1]
        growth = large["claims"] / small["claims"]
        for index, run in enumerate(options.runs):
            ratio = large["runs"][index]["seconds"] / small["runs"][index]["seconds"]
            target = ""
            if run == "first" and growth == 10:
                met = "met" if ratio <= RATIO_TARGET else "MISSED"
                target = f" (target <= {RATIO_TARGET}: {met})"
            print(
                f"t({large['claims']:,}) / t({small['claims']:,}), {run} run: "
                f"{ratio:.1f} for {growth:g}x the claims{target}"
            )


if __name__ == "__main__":
    main()
