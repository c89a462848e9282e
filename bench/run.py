"""Latency of the claims API at scale: one process, every case interleaved.

    .venv/bin/python bench/run.py                       # the database as it is
    .venv/bin/python bench/run.py --claims 1000000      # refill it first if needed
    .venv/bin/python bench/run.py --iterations 50 --scan-iterations 3
    .venv/bin/python bench/run.py --only c_list c_deep a_sql
    .venv/bin/python bench/run.py --profile c_list      # pyinstrument report

Settings: bench.settings (production settings, throttles off, the peer views of
bench/peers.py). Without --database-url it reads DATABASE_URL, else the
`factcheck_bench` database on the local server. With --claims N it runs
bench/make_data.py --claims N --reset first when the database holds another count
of claims (the only way it writes); without, it measures what is there.

Cases, all anonymous reads, through django.test.Client (full middleware stack, in
process) unless said otherwise:

    a_sql               first page by one hand-written SQL + orjson on a raw
                        psycopg 3 connection: no Django (the floor, A)
    a_sql_full          the same, plus the page's conflicts (the links query the
                        API runs): the floor for the whole page the API answers
    b_values            /bench/values/: .values() + orjson (B)
    d_drf               /bench/drf/: stock DRF serializer + cursor pagination (D)
    c_list              /api/v1/claims/: the service's first page (C)
    c_deep              a cursor page past the middle of the table
    c_filter_metric     status + busiest metric + period overlap
    c_filter_publisher  publisher + claimed date range
    c_filter_value      value range + unit
    c_search_common / c_search_rare / c_search_none     ?q= a common, a rare and
                        an absent word (the common word, ranked, ranks every
                        match: timed in the --scan-iterations rounds only)
    c_search_common_newest      the common word with ordering=-id
    fts_* / contains_*  the endpoint's full-text query (ORM, first 50 by rank)
                        against an unindexed icontains scan of the same word
                        (--scan-iterations, interleaved with the rest)
    c_figures           /api/v1/metrics/<busiest>/figures/
    c_detail / c_detail_304     a claim (one with conflicts if any), then the same
                        GET with If-None-Match: its ETag
    c_list_304          the first page with If-None-Match: its ETag
    c_detail_cached / c_list_cached     the same GETs answered from the shared
                        cache (a hit: the version query, then the cached body)

Every other c_* case reads through a cache that keeps nothing (the "nothing" alias
of bench.settings), so it times the full read, as before the cache.

Each of --iterations rounds runs every case once in a shuffled order (after
--warmup rounds), so drift hits all cases alike; p50 and p95 per case. Before the
rounds it prints the queries per request at page sizes 10, 50 and 200 and whether
each case's SQL is served by an index or scans claims_claim (EXPLAIN); after, the
table and the targets: C/A <= 5 and D/C >= 3 on the first page, deep/first <= 1.5,
contains/FTS >= 20 per word, 304/detail and 304/list <= 1/3. Any answer but the
expected 200 or 304 stops the run.
"""

import argparse
import datetime
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import time
from base64 import b64encode
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import orjson
import psycopg
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"
HOST = "127.0.0.1"
PAGE = 50
DEEP_OFFSET = 500_000
PAGE_SIZES = (10, 50, 200)
ABSENT_WORD = "xylophonic"
SAMPLE_ROWS = 20_000  # claims read by ts_stat to find common and rare words

# The first page (A): what the API shows of a claim and its relations, one query.
FIRST_PAGE_SQL = f"""
SELECT c.id, c.text, c.quote, c.document_id,
       d.title AS document__title, d.url AS document__url,
       p.name AS document__publisher__name,
       d.published_on AS document__published_on,
       d.published_precision AS document__published_precision,
       c.speaker_id, s.name AS speaker__name, c.speaker_role,
       c.claimed_on, c.claimed_precision,
       c.metric_id, m.slug AS metric__slug, m.name AS metric__name,
       c.value, c.value_upper, c.unit, c.comparator,
       c.period_start, c.period_end, c.period_label, c.period_resolution,
       c.change_percent, c.change_comparator,
       c.status, c.rationale, c.editor_note, c.reviewed_at, c.version,
       c.conflicts_checked_version,
       c.created_at, c.updated_at
  FROM claims_claim c
  JOIN sources_document d ON d.id = c.document_id
  LEFT JOIN sources_publisher p ON p.id = d.publisher_id
  LEFT JOIN sources_person s ON s.id = c.speaker_id
  LEFT JOIN claims_metric m ON m.id = c.metric_id
 ORDER BY c.id DESC
 LIMIT {PAGE}
"""
SCAN_NODE = re.compile(
    r"((?:Parallel )?(?:Seq Scan|Index Only Scan(?: Backward)?|"
    r"Index Scan(?: Backward)?|Bitmap Index Scan|Bitmap Heap Scan)"
    r"(?: using \S+)? on \S+)"
)
CLAIM_SEQ_SCAN = re.compile(r"Seq Scan on claims_claim\b")
CLAIM_NODE = re.compile(r" on claims_claim(?!link)\w*$")


class BenchError(SystemExit):
    """A wrong answer: stops the run with a message."""


def claim_count(url: str) -> int | None:
    """Return the number of claims in the database, None if it has no claims table."""
    try:
        with psycopg.connect(url, connect_timeout=10) as connection:
            return connection.execute("SELECT count(*) FROM claims_claim").fetchone()[0]
    except psycopg.Error:
        return None


def ensure_claims(url: str, claims: int) -> None:
    stored = claim_count(url)
    if stored == claims:
        return
    print(
        f"The database holds {stored if stored is not None else 'no'} claims, not "
        f"{claims:,}: running bench/make_data.py --claims {claims} --reset",
        flush=True,
    )
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "make_data.py"),
            "--claims",
            str(claims),
            "--database-url",
            url,
            "--reset",
        ],
        cwd=ROOT,
        check=True,
    )


# Picking the parameters from the data ------------------------------------------


def year_window(spans, needed: int) -> tuple[int, int, int]:
    """Return (first year, last year, rows) of the narrowest window of whole years
    that `needed` of the (start, end) date spans overlap; the latest such window."""
    if not spans:
        return (2000, 2025, 0)
    low = min(start.year for start, _ in spans)
    high = max(end.year for _, end in spans)
    best = (low, high, 0)
    for width in range(1, high - low + 2):
        best = None
        for first in range(high - width + 1, low - 1, -1):
            start = datetime.date(first, 1, 1)
            end = datetime.date(first + width - 1, 12, 31)
            rows = sum(1 for a, b in spans if b >= start and a <= end)
            if best is None or rows > best[2]:
                best = (first, first + width - 1, rows)
        if best[2] >= needed:
            return best
    return best


def plain_number(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def pick_words(raw, count: int) -> dict[str, tuple[str, int]]:
    """Return {"common"|"rare"|"none": (word, claims whose text or quote has it)}."""
    percent = min(100.0, 100.0 * SAMPLE_ROWS / max(count, 1))
    sample = (
        f"SELECT search_vector FROM claims_claim TABLESAMPLE SYSTEM ({percent:.4f})"
    )
    stats = raw.execute(
        "SELECT word, ndoc FROM ts_stat(%s) ORDER BY ndoc DESC, word", [sample]
    ).fetchall()

    def is_word(lexeme: str) -> bool:
        # A query for it stems to itself, so the word searched is the lexeme counted.
        stemmed = raw.execute(
            "SELECT plainto_tsquery('english', %s)::text", [lexeme]
        ).fetchone()[0]
        return stemmed == f"'{lexeme}'"

    def matches(word: str) -> int:
        return raw.execute(
            "SELECT count(*) FROM claims_claim "
            "WHERE search_vector @@ plainto_tsquery('english', %s)",
            [word],
        ).fetchone()[0]

    common = next(w for w, _ in stats if w.isalpha() and len(w) > 2 and is_word(w))
    # Rare: among the lexemes seen once in the sample, the one in fewest claims.
    rare, rare_count = None, None
    for word, ndoc in reversed(stats[-400:]):
        if ndoc > 1 and rare is not None:
            break
        if not is_word(word):
            continue
        found = matches(word)
        if found and (rare_count is None or found < rare_count):
            rare, rare_count = word, found
        if rare_count is not None and rare_count <= 5:
            break
    if rare is None:  # no lexeme seen once: the rarest of the sample instead
        rare = stats[-1][0]
        rare_count = matches(rare)
    absent = ABSENT_WORD
    while matches(absent):
        absent += "x"
    return {
        "common": (common, matches(common)),
        "rare": (rare, rare_count),
        "none": (absent, 0),
    }


def pick_parameters(raw, count: int) -> dict:
    """Choose from the data the values every case asks for."""
    p = {"count": count}
    ids = raw.execute(
        "SELECT id FROM claims_claim ORDER BY id DESC OFFSET %s LIMIT 1",
        [min(DEEP_OFFSET, count // 2)],
    ).fetchone()
    p["deep_id"] = ids[0]
    p["deep_offset"] = min(DEEP_OFFSET, count // 2)

    statuses = raw.execute(
        "SELECT status FROM claims_claim GROUP BY status ORDER BY count(*) DESC"
    ).fetchall()
    p["statuses"] = [row[0] for row in statuses[:2]]
    metric_id, slug = raw.execute(
        "SELECT c.metric_id, m.slug FROM claims_claim c "
        "JOIN claims_metric m ON m.id = c.metric_id "
        "GROUP BY c.metric_id, m.slug ORDER BY count(*) DESC, c.metric_id LIMIT 1"
    ).fetchone()
    p["metric_slug"] = slug
    spans = raw.execute(
        "SELECT period_start, period_end FROM claims_claim WHERE metric_id = %s "
        "AND status = ANY(%s) AND period_start IS NOT NULL AND period_end IS NOT NULL",
        [metric_id, p["statuses"]],
    ).fetchall()
    p["period"] = year_window(spans, PAGE)

    publisher = raw.execute(
        "SELECT d.publisher_id FROM claims_claim c "
        "JOIN sources_document d ON d.id = c.document_id "
        "WHERE d.publisher_id IS NOT NULL "
        "GROUP BY d.publisher_id ORDER BY count(*) DESC, d.publisher_id LIMIT 1"
    ).fetchone()[0]
    p["publisher"] = publisher
    claimed = raw.execute(
        "SELECT c.claimed_on FROM claims_claim c "
        "JOIN sources_document d ON d.id = c.document_id "
        "WHERE d.publisher_id = %s AND c.claimed_on IS NOT NULL",
        [publisher],
    ).fetchall()
    spans = [(row[0], row[0]) for row in claimed]
    p["claimed"] = year_window(spans, PAGE)

    unit = raw.execute(
        "SELECT unit FROM claims_claim WHERE value IS NOT NULL "
        "GROUP BY unit ORDER BY count(*) DESC, unit LIMIT 1"
    ).fetchone()[0]
    low_value, high_value = raw.execute(
        "SELECT percentile_disc(0.45) WITHIN GROUP (ORDER BY value), "
        "percentile_disc(0.55) WITHIN GROUP (ORDER BY value) "
        "FROM claims_claim WHERE unit = %s AND value IS NOT NULL",
        [unit],
    ).fetchone()
    p["unit"], p["value_range"] = unit, (low_value, high_value)

    p["words"] = pick_words(raw, count)

    conflicted = raw.execute(
        "SELECT from_claim_id FROM claims_claimlink WHERE relation = 'contradicts' "
        "ORDER BY id LIMIT 1"
    ).fetchone()
    p["detail_id"] = conflicted[0] if conflicted else p["deep_id"]
    p["detail_has_conflicts"] = conflicted is not None
    return p


def urls_for(p: dict) -> dict[str, str]:
    first, last, _ = p["period"]
    claimed_first, claimed_last, _ = p["claimed"]
    low, high = p["value_range"]
    cursor = b64encode(urlencode({"p": str(p["deep_id"])}).encode()).decode()
    query = {
        "c_filter_metric": {
            "status": ",".join(p["statuses"]),
            "metric": p["metric_slug"],
            "period_overlaps_start": f"{first}-01-01",
            "period_overlaps_end": f"{last}-12-31",
        },
        "c_filter_publisher": {
            "publisher": p["publisher"],
            "claimed_after": f"{claimed_first}-01-01",
            "claimed_before": f"{claimed_last}-12-31",
        },
        "c_filter_value": {
            "value_min": plain_number(low),
            "value_max": plain_number(high),
            "unit": p["unit"],
        },
    }
    urls = {name: f"/api/v1/claims/?{urlencode(q)}" for name, q in query.items()}
    for kind, (word, _) in p["words"].items():
        urls[f"c_search_{kind}"] = f"/api/v1/claims/?{urlencode({'q': word})}"
    # The same common word newest first: no ranking of every match.
    newest = {"q": p["words"]["common"][0], "ordering": "-id"}
    urls["c_search_common_newest"] = f"/api/v1/claims/?{urlencode(newest)}"
    urls.update(
        b_values="/bench/values/",
        d_drf="/bench/drf/",
        c_list="/api/v1/claims/",
        c_deep=f"/api/v1/claims/?{urlencode({'cursor': cursor})}",
        c_figures=f"/api/v1/metrics/{p['metric_slug']}/figures/",
        c_detail=f"/api/v1/claims/{p['detail_id']}/",
        c_detail_304=f"/api/v1/claims/{p['detail_id']}/",
    )
    return urls


# The cases ------------------------------------------------------------------------


class Case:
    def __init__(self, name: str, run, *, url: str = "", scan: bool = False):
        self.name, self.run, self.url, self.scan = name, run, url, scan
        self.samples: list[float] = []

    def p(self, quantile: int) -> float:
        if not self.samples:
            return float("nan")
        if len(self.samples) == 1:
            return self.samples[0]
        if quantile == 50:
            return statistics.median(self.samples)
        return statistics.quantiles(self.samples, n=100, method="inclusive")[
            quantile - 1
        ]


def build_cases(raw, client, p: dict) -> dict[str, Case]:
    from django.db.models import Q

    from claims.models import Claim
    from claims.selectors.search import search_claims

    urls = urls_for(p)
    cases: dict[str, Case] = {}

    def first_page_sql():
        rows = raw.execute(FIRST_PAGE_SQL).fetchall()
        return orjson.dumps({"results": rows}, default=str)

    cases["a_sql"] = Case("a_sql", first_page_sql, url="(raw SQL + orjson)")

    from claims.selectors.conflicts import conflicts_sql as conflicts_statement

    conflicts_sql = conflicts_statement("postgresql")

    def full_page_sql():
        # The same page as the API's: the claims and, in one more statement, the
        # "contradicts" links of each (the API's own written-out SQL).
        rows = raw.execute(FIRST_PAGE_SQL).fetchall()
        ids = [row["id"] for row in rows]
        links = raw.execute(conflicts_sql, ["contradicts", ids, ids]).fetchall()
        return orjson.dumps({"results": rows, "links": links}, default=str)

    cases["a_sql_full"] = Case(
        "a_sql_full", full_page_sql, url="(raw SQL for claims + conflicts + orjson)"
    )

    from django.conf import settings

    def getter(url: str, status: int = 200, headers: dict | None = None, fresh=False):
        def get():
            # A full read goes through a cache that keeps nothing (bench.settings):
            # it times the whole read, and leaves the others' entries alone.
            shared = settings.REPRESENTATION_CACHE
            settings.REPRESENTATION_CACHE = "nothing" if fresh else shared
            try:
                response = client.get(url, headers=headers)
            finally:
                settings.REPRESENTATION_CACHE = shared
            if response.status_code != status:
                raise BenchError(
                    f"GET {url}: {response.status_code}, expected {status}: "
                    f"{response.content[:500]!r}"
                )
            return response

        return get

    for name, url in urls.items():
        if name != "c_detail_304":
            # A ranked search for a common word ranks every match: seconds at 1M,
            # so it is timed in the scan rounds only.
            slow = name == "c_search_common"
            fresh = name.startswith("c_")
            cases[name] = Case(name, getter(url, fresh=fresh), url=url, scan=slow)
    for name in ("c_detail", "c_list"):
        etag = cases[name].run()["ETag"]
        if not etag:
            raise BenchError(f"GET {urls[name]} sent no ETag")
        cases[f"{name}_304"] = Case(
            f"{name}_304",
            getter(urls[name], 304, {"If-None-Match": etag}),
            url=f"{urls[name]} (If-None-Match: {etag})",
        )
        cases[f"{name}_cached"] = Case(
            f"{name}_cached", getter(urls[name]), url=f"{urls[name]} (cached)"
        )

    for kind, (word, _) in p["words"].items():

        def fts(word=word):
            queryset = search_claims(Claim.objects.all(), word)
            return list(queryset.order_by("-rank", "-id")[:PAGE])

        def contains(word=word):
            queryset = Claim.objects.filter(
                Q(text__icontains=word) | Q(quote__icontains=word)
            )
            return list(queryset.order_by("-id")[:PAGE])

        cases[f"fts_{kind}"] = Case(
            f"fts_{kind}", fts, url=f"search_claims({word!r})", scan=True
        )
        cases[f"contains_{kind}"] = Case(
            f"contains_{kind}", contains, url=f"icontains {word!r}", scan=True
        )
    order = [
        "a_sql",
        "a_sql_full",
        "b_values",
        "d_drf",
        "c_list",
        "c_deep",
        "c_filter_metric",
        "c_filter_publisher",
        "c_filter_value",
        "c_search_common",
        "c_search_common_newest",
        "c_search_rare",
        "c_search_none",
        "fts_common",
        "contains_common",
        "fts_rare",
        "contains_rare",
        "fts_none",
        "contains_none",
        "c_figures",
        "c_detail",
        "c_detail_cached",
        "c_detail_304",
        "c_list_cached",
        "c_list_304",
    ]
    return {name: cases[name] for name in order}


def check_answers(cases: dict[str, Case], p: dict) -> None:
    """Run every case once and check what it answers, beyond the status."""
    expected_ids = [row["id"] for row in orjson.loads(cases["a_sql"].run())["results"]]
    if len(expected_ids) != min(PAGE, p["count"]):
        raise BenchError(f"a_sql returned {len(expected_ids)} rows")
    for name in ("b_values", "d_drf", "c_list"):
        ids = [row["id"] for row in cases[name].run().json()["results"]]
        if ids != expected_ids:
            raise BenchError(f"{name}: first page ids differ from a_sql's")
    results = cases["c_deep"].run().json()["results"]
    if len(results) != PAGE or results[0]["id"] >= p["deep_id"]:
        raise BenchError(f"c_deep: {len(results)} results, expected {PAGE} below id")
    for name in ("c_filter_metric", "c_filter_publisher", "c_filter_value"):
        got = len(cases[name].run().json()["results"])
        if got < PAGE:
            print(f"  note: {name} returns {got} rows, not a full page of {PAGE}")
    for kind in p["words"]:
        got = len(cases[f"c_search_{kind}"].run().json()["results"])
        if kind == "none" and got:
            raise BenchError(f"c_search_none returned {got} results")
        if kind == "common" and got < PAGE:
            raise BenchError(f"c_search_common returned only {got} results")
    figures = cases["c_figures"].run().json()["results"]
    if not figures:
        raise BenchError("c_figures returned no figures")
    for name, case in cases.items():
        if name.startswith(("fts_", "contains_")):
            case.run()


# Queries and plans ----------------------------------------------------------------


def captured(case: Case) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        case.run()
    return [query["sql"] for query in context.captured_queries]


def print_query_counts(client, urls: dict[str, str]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    print("\nQueries per request, claims list (first page of each):")
    print(f"  {'request':<18}" + "".join(f"{f'size {n}':>10}" for n in PAGE_SIZES))
    for name in ("c_list", "c_filter_metric", "c_search_common"):
        counts = []
        for size in PAGE_SIZES:
            url = urls[name]
            url += ("&" if "?" in url else "?") + f"page_size={size}"
            with CaptureQueriesContext(connection) as context:
                response = client.get(url)
            if response.status_code != 200:
                raise BenchError(f"GET {url}: {response.status_code}")
            counts.append(len(context.captured_queries))
        same = "identical" if len(set(counts)) == 1 else "DIFFERENT"
        print(f"  {name:<18}" + "".join(f"{n:>10}" for n in counts) + f"   {same}")


def explain(raw, sql: str) -> str:
    rows = raw.execute("EXPLAIN " + sql).fetchall()
    return "\n".join(row[0] for row in rows)


def plan_scans(plan: str) -> list[tuple[str, bool]]:
    """Return the plan's scan nodes, each with whether it walks an index in order
    with no Index Cond, filtering rows (a full scan when few rows match)."""
    nodes: list[list[str]] = []
    for line in plan.splitlines():
        text = line.strip()
        if not nodes or text.startswith("->"):
            nodes.append([text.removeprefix("->").strip()])
        else:
            nodes[-1].append(text)
    scans = []
    for head, *details in nodes:
        match = SCAN_NODE.match(head)
        if not match:
            continue
        walk = (
            "Index" in head
            and "Bitmap" not in head
            and not any(d.startswith("Index Cond:") for d in details)
            and any(d.startswith("Filter:") for d in details)
        )
        scans.append((match.group(1), walk))
    return scans


def print_plans(raw, cases: dict[str, Case], show: bool) -> dict[str, str]:
    print(
        "\nPlans (EXPLAIN of every SELECT the case runs; [walk+Filter]: an index read"
        "\nin order with no Index Cond, every row filtered, so a full scan when few"
        "\nrows match):"
    )
    verdicts = {}
    for name, case in cases.items():
        if name in ("a_sql", "a_sql_full"):
            statements = [FIRST_PAGE_SQL]
        else:
            statements = [
                sql
                for sql in captured(case)
                if sql.lstrip().upper().startswith(("SELECT", "WITH"))
            ]
        plans = [explain(raw, sql) for sql in statements]
        scans = [scan for plan in plans for scan in plan_scans(plan)]
        on_claims, others = [], []
        for node, walk in scans:
            label = node + (" [walk+Filter]" if walk else "")
            if CLAIM_NODE.search(node):
                on_claims.append(label)
            elif "Seq Scan" in node:
                others.append(label)
        if CLAIM_SEQ_SCAN.search("\n".join(plans)):
            verdict = "SEQ SCAN on claims_claim"
        elif any(walk and CLAIM_NODE.search(node) for node, walk in scans):
            verdict = "index (walk+Filter)"
        else:
            verdict = "index"
        verdicts[name] = verdict
        on_claims, others = sorted(set(on_claims)), sorted(set(others))
        extra = f"; other seq scans: {', '.join(others)}" if others else ""
        print(
            f"  {name:<20} {verdict:<25} {len(statements)} queries; "
            f"{', '.join(on_claims) or '-'}{extra}"
        )
        if show:
            for sql, plan in zip(statements, plans, strict=True):
                print("    " + sql.replace("\n", " ")[:2000])
                print("      " + plan.replace("\n", "\n      "))
    return verdicts


# Timing ---------------------------------------------------------------------------


def run_rounds(cases: list[Case], args) -> None:
    main = [case for case in cases if not case.scan]
    scans = [case for case in cases if case.scan]
    rng = random.Random(args.seed)
    iterations = args.iterations
    scan_rounds = {
        i * iterations // min(args.scan_iterations, iterations)
        for i in range(min(args.scan_iterations, iterations))
    }
    for round_ in range(args.warmup):
        batch = main + (scans if round_ < args.scan_warmup else [])
        rng.shuffle(batch)
        for case in batch:
            case.run()
    started = time.perf_counter()
    step = max(1, iterations // 10)
    for round_ in range(iterations):
        batch = main + (scans if round_ in scan_rounds else [])
        rng.shuffle(batch)
        for case in batch:
            tick = time.perf_counter_ns()
            case.run()
            case.samples.append((time.perf_counter_ns() - tick) / 1e6)
        if (round_ + 1) % step == 0:
            print(
                f"  round {round_ + 1}/{iterations} "
                f"({time.perf_counter() - started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )


def profile(case: Case, iterations: int, warmup: int) -> None:
    from pyinstrument import Profiler

    for _ in range(warmup):
        case.run()
    profiler = Profiler(interval=0.0005)
    tick = time.perf_counter()
    with profiler:
        for _ in range(iterations):
            case.run()
    seconds = time.perf_counter() - tick
    print(
        f"\nProfile of {case.name} ({case.url}): {iterations} runs in {seconds:.2f} s, "
        f"{1000 * seconds / iterations:.2f} ms each (with the profiler)\n"
    )
    print(profiler.output_text(unicode=True, color=False))


# Report ---------------------------------------------------------------------------


def memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    return "unknown"


# (case, versus, label, target, "max" when the ratio must not exceed it)
RATIOS = [
    ("b_values", "a_sql", "B/A", None, ""),
    ("c_list", "a_sql", "C/A", 5.0, "max"),
    ("c_list", "a_sql_full", "C/A+conflicts", 5.0, "max"),
    ("d_drf", "c_list", "D/C", 3.0, "min"),
    ("c_deep", "c_list", "deep/first", 1.5, "max"),
    ("contains_common", "fts_common", "contains/FTS", 20.0, "min"),
    ("contains_rare", "fts_rare", "contains/FTS", 20.0, "min"),
    ("contains_none", "fts_none", "contains/FTS", 20.0, "min"),
    ("c_detail_304", "c_detail", "304/detail", 1 / 3, "max"),
    ("c_detail_cached", "c_detail", "cached/detail", None, ""),
    ("c_list_304", "c_list", "304/list", 1 / 3, "max"),
    ("c_list_cached", "c_list", "cached/list", None, ""),
]


def report(cases: dict[str, Case], verdicts: dict[str, str]) -> None:
    ratios = {}
    for name, versus, label, target, sense in RATIOS:
        if name in cases and versus in cases:
            value = cases[name].p(50) / cases[versus].p(50)
            ratios[name, versus] = (label, value, target, sense, versus)
    print(
        f"\n{'case':<20} {'n':>4} {'p50 ms':>9} {'p95 ms':>9}  "
        f"{'ratio (p50)':<26} {'plan':<25} what"
    )
    for name, case in cases.items():
        ratio = ""
        for (case_name, _), (label, value, target, sense, _) in ratios.items():
            if case_name != name or ratio:
                continue  # the first ratio of a case in the table, all below
            ratio = f"{label} {value:.2f}"
            if target is not None:
                ratio += f" ({'<=' if sense == 'max' else '>='} {target:.3g})"
        print(
            f"{name:<20} {len(case.samples):>4} {case.p(50):>9.2f} {case.p(95):>9.2f}  "
            f"{ratio:<26} {verdicts.get(name, ''):<25} {case.url}"
        )
    print("\nTargets (p50):")
    for (name, _), (label, value, target, sense, versus) in ratios.items():
        if target is None:
            continue
        met = value <= target if sense == "max" else value >= target
        sign = "<=" if sense == "max" else ">="
        print(
            f"  {label:<13} {name + ' / ' + versus:<32} {value:>8.2f}  "
            f"target {sign} {target:.3g}  {'MET' if met else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, help="refill to this many if different")
    parser.add_argument("--database-url", help=f"default: DATABASE_URL, {DEFAULT_URL}")
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument(
        "--scan-iterations",
        type=int,
        default=15,
        help="rounds that also time the fts_* and contains_* cases",
    )
    parser.add_argument("--scan-warmup", type=int, default=1)
    parser.add_argument("--only", nargs="+", metavar="CASE", help="names or prefixes")
    parser.add_argument("--profile", metavar="CASE")
    parser.add_argument("--profile-iterations", type=int, default=200)
    parser.add_argument("--show-plans", action="store_true", help="print SQL + plans")
    parser.add_argument("--seed", type=int, default=2013, help="for the shuffles")
    args = parser.parse_args()

    url = args.database_url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    if args.claims is not None:
        ensure_claims(url, args.claims)
    count = claim_count(url)
    if not count:
        sys.exit(f"{url} holds no claims: fill it with bench/make_data.py or --claims")

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    raw = psycopg.connect(url, autocommit=True, row_factory=dict_row)
    plain = psycopg.connect(url, autocommit=True)
    client = Client(HTTP_HOST=HOST)

    version = plain.execute("SHOW server_version").fetchone()[0]
    buffers = plain.execute("SHOW shared_buffers").fetchone()[0]
    print(
        f"Machine: {os.cpu_count()} cores, {memory()} memory; Python "
        f"{platform.python_version()}, Django {django.get_version()}, PostgreSQL "
        f"{version} (shared_buffers {buffers}); "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )
    print(f"Database: {url}, {count:,} claims")
    tick = time.perf_counter()
    p = pick_parameters(plain, count)
    print(f"Parameters chosen from the data in {time.perf_counter() - tick:.1f} s:")
    print(
        f"  deep page: cursor p={p['deep_id']} (the id {p['deep_offset']:,} rows "
        f"from the top)"
    )
    print(
        f"  filter metric: {p['period'][2]} claims overlap {p['period'][0]}-"
        f"{p['period'][1]}; filter publisher: {p['claimed'][2]} claims in "
        f"{p['claimed'][0]}-{p['claimed'][1]}"
    )
    for kind, (word, matching) in p["words"].items():
        print(
            f"  search {kind}: {word!r}, in the search_vector (text, quote) of "
            f"{matching:,} claim(s)"
        )
    detail = "with conflicts" if p["detail_has_conflicts"] else "no claim has any"
    print(f"  detail: claim {p['detail_id']} ({detail})")

    cases = build_cases(raw, client, p)
    urls = {name: case.url for name, case in cases.items()}
    for name, case in cases.items():
        if name.startswith("c_") or name in ("b_values", "d_drf"):
            print(f"  {name:<20} {case.url}")
    check_answers(cases, p)

    if args.profile:
        if args.profile not in cases:
            sys.exit(f"No case {args.profile!r}; cases: {', '.join(cases)}")
        profile(cases[args.profile], args.profile_iterations, min(args.warmup, 20))
        return

    if args.only:
        chosen = {
            name: case
            for name, case in cases.items()
            if any(name == o or name.startswith(o) for o in args.only)
        }
        if not chosen:
            sys.exit(f"--only matches no case; cases: {', '.join(cases)}")
        cases = chosen

    print_query_counts(client, urls)
    verdicts = print_plans(plain, cases, args.show_plans)
    print(
        f"\nTiming {len(cases)} cases interleaved: {args.iterations} rounds after "
        f"{args.warmup} warm-up rounds; fts_*/contains_* in "
        f"{min(args.scan_iterations, args.iterations)} of them",
        flush=True,
    )
    run_rounds(list(cases.values()), args)
    report(cases, verdicts)
    print(
        f"\n{count:,} claims; {args.iterations} iterations ({args.warmup} warm-up), "
        f"scans {min(args.scan_iterations, args.iterations)}; {os.cpu_count()} "
        f"cores, {memory()}; PostgreSQL {version}; "
        f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
    )
    connection.close()
    raw.close()
    plain.close()


if __name__ == "__main__":
    main()
