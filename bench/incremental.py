"""Incremental conflict detection at scale: write latency, commit to visible, agreement.

    .venv/bin/python bench/incremental.py                  # factcheck_bench as it is
    .venv/bin/python bench/incremental.py --claims 1000000 --edits 10000
    .venv/bin/python bench/incremental.py --only writes    # or visible, agreement

PostgreSQL, bench.settings (production settings, throttles off). The database is
--database-url (default factcheck_bench), filled by bench/make_data.py when --claims
differs from what it holds. A busy metric of --busy claims (one-year figures over 20
years, `bench-busy`) is added once; the metrics a part touches get a full detection
first, so their links record which figures hold them.

1. writes: PATCH p50/p95 (django.test.Client, full middleware, signed in) of a claim
   with no metric, of a claim on the busy metric, and of the same busy-metric save
   with detection switched off (the refresh not deferred), interleaved. Jobs go to
   the queue and are not run: this is what the writer waits for. Targets: busy /
   no metric <= 1.5; busy / busy without detection <= 2.
2. visible: a worker process (manage.py procrastinate worker) runs the jobs while a
   steady load of PATCHes (--rate per second) changes busy-metric figures; for each,
   the time from the PATCH's answer until GET shows `conflicts_checked`: p50, p95.
3. agreement: --edits random changes (value, comparator, period, metric, stated
   change, new claims) through the claim service with jobs run inline after each
   commit; then every touched metric's stored links (with their holds and reasons)
   and flags are compared with a full detection of it: mismatches (target 0).
"""

import argparse
import datetime
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"
BUSY_SLUG = "bench-busy"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def ensure_claims(url: str, claims: int | None) -> None:
    if claims is None:
        return
    import psycopg

    try:
        with psycopg.connect(url) as connection:
            stored = connection.execute("SELECT count(*) FROM claims_claim").fetchone()
    except psycopg.Error:
        stored = (None,)
    if stored[0] != claims:
        print(f"filling {url} with {claims:,} claims", flush=True)
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
            check=True,
        )


def setup_django(url: str, jobs_mode: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["JOBS_MODE"] = jobs_mode
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def busy_metric(size: int):
    """Return the busy metric, made with `size` one-year figures if missing."""
    from claims.models import Claim, Metric
    from claims.services.conflicts import detect_metric_conflicts
    from sources.models import Document

    metric = Metric.objects.filter(slug=BUSY_SLUG).first()
    if metric is not None and metric.claims.count() == size:
        return metric
    if metric is not None:
        metric.claims.all().delete()
    else:
        metric = Metric.objects.create(
            name="Bench busy trade volume",
            slug=BUSY_SLUG,
            unit="USD",
            kind=Metric.Kind.ANNUAL,
        )
    rnd = random.Random(2013)
    documents = list(Document.objects.values_list("pk", flat=True)[:500])
    claims = []
    for number in range(size):
        year = 2000 + number % 20
        value = Decimal(rnd.randrange(10, 90)) * 10**8
        claims.append(
            Claim(
                text=f"Busy trade stood at {value} dollars in {year}, claim {number}.",
                quote=f"busy trade stood at {value} dollars",
                document_id=documents[number % len(documents)],
                metric=metric,
                value=value,
                unit="USD",
                comparator=rnd.choice(["exact", "approximately"]),
                period_start=datetime.date(year, 1, 1),
                period_end=datetime.date(year, 12, 31),
                claimed_on=datetime.date(2021, 1, 1),
            )
        )
    Claim.objects.bulk_create(claims, batch_size=2000)
    print(f"busy metric: {size:,} claims; full detection ...", flush=True)
    began = time.perf_counter()
    summary = detect_metric_conflicts(metric.pk)
    print(
        f"  {summary.created:,} links in {time.perf_counter() - began:.1f} s",
        flush=True,
    )
    return metric


def editor_client():
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    return client


def patch(client, claim_id: int, body: dict) -> float:
    import json

    began = time.perf_counter()
    response = client.patch(
        f"/api/v1/claims/{claim_id}/",
        json.dumps(body),
        content_type="application/json",
    )
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        sys.exit(f"PATCH {claim_id}: {response.status_code} {response.content[:300]}")
    return elapsed


def writes(options, metric) -> dict:
    """Part 1: the writer's wait, with and without detection, busy or no metric."""
    from claims.models import Claim
    from claims.services import claims as claim_services

    client = editor_client()
    plain = list(
        Claim.objects.filter(metric__isnull=True).values_list("pk", flat=True)[:200]
    )
    busy = list(metric.claims.values_list("pk", flat=True)[:200])
    deferring = claim_services.refresh_conflicts_after_commit
    timings: dict[str, list[float]] = {"no_metric": [], "busy": [], "busy_off": []}
    rnd = random.Random(7)
    for round_number in range(options.warmup + options.rounds):
        cases = list(timings)
        rnd.shuffle(cases)
        for case in cases:
            claim_id = rnd.choice(busy if case.startswith("busy") else plain)
            body = (
                {"value": str(Decimal(rnd.randrange(10, 90)) * 10**8)}
                if case.startswith("busy")
                else {"speaker_role": f"Role {round_number}"}
            )
            if case == "busy_off":
                claim_services.refresh_conflicts_after_commit = lambda **kwargs: None
            try:
                elapsed = patch(client, claim_id, body)
            finally:
                claim_services.refresh_conflicts_after_commit = deferring
            if round_number >= options.warmup:
                timings[case].append(elapsed)
    print("\n1. PATCH, the writer's wait (jobs queued, not run)")
    for case, values in timings.items():
        print(
            f"  {case:10s} p50 {ms(statistics.median(values))}"
            f"  p95 {ms(percentile(values, 0.95))}"
        )
    p50 = {case: statistics.median(values) for case, values in timings.items()}
    busy_vs_plain = p50["busy"] / p50["no_metric"]
    busy_vs_off = p50["busy"] / p50["busy_off"]
    print(
        f"  busy / no metric  = {busy_vs_plain:.2f}  "
        f"({'MET' if busy_vs_plain <= 1.5 else 'MISSED'}, target <= 1.5)"
    )
    print(
        f"  busy / detection off = {busy_vs_off:.2f}  "
        f"({'MET' if busy_vs_off <= 2 else 'MISSED'}, target <= 2)"
    )
    return p50


def settle(metric) -> None:
    """Drop the jobs part 1 queued and bring the busy metric up to date."""
    from django.db import connection

    from claims.services.conflicts import detect_metric_conflicts

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs WHERE status = 'todo'")
    detect_metric_conflicts(metric.pk)


def visible(options, metric, url: str) -> None:
    """Part 2: commit to visible, one worker, a steady write load."""
    from claims.models import Claim

    env = dict(os.environ, DATABASE_URL=url, JOBS_MODE="queue")
    worker = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "procrastinate",
            "worker",
            "--concurrency",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)  # the worker connects and registers
        client = editor_client()
        busy = list(metric.claims.values_list("pk", flat=True)[:2000])
        rnd = random.Random(11)
        latencies: list[float] = []
        lock = threading.Lock()
        interval = 1 / options.rate

        def watch(claim_id: int, answered: float) -> None:
            reader = editor_client()
            deadline = answered + 60
            while time.perf_counter() < deadline:
                body = reader.get(f"/api/v1/claims/{claim_id}/").json()
                if body["conflicts_checked"]:
                    with lock:
                        latencies.append(time.perf_counter() - answered)
                    return
                time.sleep(0.01)

        watchers = []
        next_write = time.perf_counter()
        for _ in range(options.writes):
            time.sleep(max(0.0, next_write - time.perf_counter()))
            next_write += interval
            claim_id = rnd.choice(busy)
            patch(
                client, claim_id, {"value": str(Decimal(rnd.randrange(10, 90)) * 10**8)}
            )
            thread = threading.Thread(
                target=watch, args=(claim_id, time.perf_counter()), daemon=True
            )
            thread.start()
            watchers.append(thread)
        for thread in watchers:
            thread.join(70)
    finally:
        worker.terminate()
        worker.wait(10)
    print(f"\n2. Commit to visible, one worker, {options.rate:g} writes/s")
    if not latencies:
        print("  no write became visible within 60 s")
        return
    print(
        f"  {len(latencies)} of {options.writes} writes seen: "
        f"p50 {ms(statistics.median(latencies))}  p95 {ms(percentile(latencies, 0.95))}"
    )
    pending = Claim.objects.filter(metric=metric).exclude(
        conflicts_checked_version=models_f("version")
    )
    print(f"  claims of the busy metric still pending: {pending.count()}")


def models_f(name: str):
    from django.db.models import F

    return F(name)


def agreement(options, metric) -> None:
    """Part 3: random edits with inline jobs, then each touched metric against full."""
    from django.db import transaction

    from claims.conf import tolerance_setting
    from claims.figures.comparison import Reasons, detect, link_bits
    from claims.models import Claim, ClaimLink, Metric
    from claims.selectors.figures import rows_for_metric
    from claims.services.claims import claim_save
    from claims.services.conflicts import detect_metric_conflicts

    rnd = random.Random(options.seed)
    metric_ids = [
        metric.pk,
        *list(
            Metric.objects.exclude(pk=metric.pk)
            .filter(claims__isnull=False)
            .distinct()
            .order_by("?")
            .values_list("pk", flat=True)[: options.metrics]
        ),
    ]
    print(f"\n3. Agreement: full detection of {len(metric_ids)} metrics first ...")
    for metric_id in metric_ids:
        detect_metric_conflicts(metric_id)
    claim_ids = list(
        Claim.objects.filter(metric_id__in=metric_ids).values_list("pk", flat=True)
    )
    touched: set[int] = set()
    began = time.perf_counter()
    for _ in range(options.edits):
        claim = Claim.objects.get(pk=rnd.choice(claim_ids))
        touched.add(claim.metric_id)
        kind = rnd.random()
        if kind < 0.5:
            claim.value = Decimal(rnd.randrange(10, 90)) * 10**8
        elif kind < 0.65:
            claim.comparator = rnd.choice(["exact", "approximately", "more_than"])
        elif kind < 0.8:
            year = rnd.randrange(2000, 2020)
            claim.period_start = datetime.date(year, rnd.choice([1, 3]), 1)
            claim.period_end = datetime.date(year, 12, 31)
        elif kind < 0.9:
            claim.metric_id = rnd.choice(metric_ids)
            claim.unit = Metric.objects.get(pk=claim.metric_id).unit
        else:
            claim.change_percent = Decimal(rnd.choice([-40, -10, 25]))
        if claim.comparator == "range":
            claim.comparator = "exact"
            claim.value_upper = None
        touched.add(claim.metric_id)
        with transaction.atomic():
            claim_save(claim=claim)  # jobs inline: the refresh runs at commit
    took = time.perf_counter() - began
    print(f"  {options.edits:,} edits in {took:.0f} s ({options.edits / took:.0f}/s)")
    tolerance = tolerance_setting()
    mismatches = 0
    for metric_id in sorted(touched):
        metric_row = Metric.objects.get(pk=metric_id)
        found = detect(
            rows_for_metric(metric_id), kind=metric_row.kind, tolerance=tolerance
        )
        reasons = Reasons(tolerance)
        full = {
            pair: (bits, reasons.reason(pair, bits, found.figures))
            for pair, bits in link_bits(found.holds).items()
        }
        ids = set(
            Claim.objects.filter(metric_id=metric_id).values_list("pk", flat=True)
        )
        stored = {
            (link.from_claim_id, link.to_claim_id): (link.holds, link.note)
            for link in ClaimLink.objects.filter(detected=True).filter(
                from_claim_id__in=ids
            )
        }
        stored |= {
            (link.from_claim_id, link.to_claim_id): (link.holds, link.note)
            for link in ClaimLink.objects.filter(detected=True, to_claim_id__in=ids)
        }
        flags_full = {k: v for k, v in found.flags.items() if v}
        flags_stored = dict(
            Claim.objects.filter(pk__in=ids)
            .exclude(comparison_flag="")
            .values_list("pk", "comparison_flag")
        )
        differ = set(stored.items()) ^ set(full.items())
        differ_flags = set(flags_stored.items()) ^ set(flags_full.items())
        mismatches += len(differ) + len(differ_flags)
    print(
        f"  touched metrics: {len(touched)}; mismatches against full detection: "
        f"{mismatches} ({'MET' if mismatches == 0 else 'MISSED'}, target 0)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL)
    )
    parser.add_argument("--claims", type=int, default=None)
    parser.add_argument("--busy", type=int, default=12_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--rate", type=float, default=5.0)
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--metrics", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2013)
    parser.add_argument(
        "--only", nargs="*", choices=["writes", "visible", "agreement"], default=None
    )
    options = parser.parse_args()
    parts = options.only or ["writes", "visible", "agreement"]
    ensure_claims(options.database_url, options.claims)
    setup_django(options.database_url, "queue")
    from claims.models import Claim

    print(f"{Claim.objects.count():,} claims in {options.database_url}")
    metric = busy_metric(options.busy)
    if "writes" in parts:
        writes(options, metric)
        settle(metric)
    if "visible" in parts:
        visible(options, metric, options.database_url)
    if "agreement" in parts:
        from django.conf import settings

        settings.JOBS_MODE = "inline"
        agreement(options, metric)


if __name__ == "__main__":
    main()
