"""What an event adds to the write that causes it: the PATCH that publishes a verdict.

    .venv/bin/python bench/event_write_cost.py                      # 300 rounds
    .venv/bin/python bench/event_write_cost.py --rounds 1000 --database-url postgres://...

Each round makes a claim in review (made up for the benchmark, untimed), then a
reviewer publishes its verdict with PATCH /api/v1/claims/{id}/ (status and
rationale) through django.test.Client (the full middleware stack, in process),
alternately with the event recorded as the service does (the public body read, the
Event row, the sequencer job deferred) and with claims' record_claim_events
replaced by a no-op (no event, no job). Prints p50/p95 of each, the added time,
the ratio, and the queries per PATCH of each. Settings: bench.settings (production,
JOBS_MODE as they say: "queue" on PostgreSQL, so the job is a row in the
transaction, run later by a worker; none runs here). Writes claims, documents and
events into its database (default factcheck_bench; migrated first) and leaves them.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    run(args.rounds, args.warmup)


def run(rounds: int, warmup: int) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import claims.services.claims as claim_services
    from claims.models import Claim
    from claims.ratings import Status
    from events.models import Event
    from sources.models import Document
    from tests.factories import user_in_group

    recording = claim_services.record_claim_events
    reviewer = user_in_group("Reviewers", username=f"bench-reviewer-{time.time_ns()}")
    client = Client()
    client.force_login(reviewer)
    document = Document.objects.create(
        title="Benchmark document (made up)", text="made up for the benchmark"
    )

    def publish(with_events: bool) -> tuple[float, int]:
        claim = Claim.objects.create(
            text="Trade stood at 5 billion (made up for the benchmark).",
            quote="made up for the benchmark",
            document=document,
            status=Status.IN_REVIEW,
        )
        claim_services.record_claim_events = (  # type: ignore[assignment]
            recording if with_events else (lambda changes, saved=None: [])
        )
        connection.queries_log.clear()  # a full log (9,000) would count nothing
        try:
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.patch(
                    f"/api/v1/claims/{claim.pk}/",
                    {"status": "false", "rationale": "Made up for the benchmark."},
                    content_type="application/json",
                )
                elapsed = time.perf_counter() - start
        finally:
            claim_services.record_claim_events = recording
        if response.status_code != 200:
            raise SystemExit(
                f"PATCH answered {response.status_code}: {response.content!r}"
            )
        return elapsed, len(queries)

    for round_ in range(warmup):
        publish(round_ % 2 == 0)
    times: dict[bool, list[float]] = {True: [], False: []}
    queries: dict[bool, int] = {}
    events_before = Event.objects.count()
    for round_ in range(rounds):
        # Alternate which goes first, so drift hits both alike.
        for with_events in (True, False) if round_ % 2 else (False, True):
            elapsed, count = publish(with_events)
            times[with_events].append(elapsed)
            queries[with_events] = count
    written = Event.objects.count() - events_before

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    print(
        f"database: {connection.vendor}, JOBS_MODE={settings.JOBS_MODE}, "
        f"rounds: {rounds}, events written: {written}, "
        f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'case':<22}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    cases = ((False, "PATCH without event"), (True, "PATCH with event"))
    for with_events, name in cases:
        print(
            f"{name:<22}{ms(times[with_events], 50):>9.2f}"
            f"{ms(times[with_events], 95):>9.2f}{queries[with_events]:>9}"
        )
    added = ms(times[True], 50) - ms(times[False], 50)
    ratio = ms(times[True], 50) / ms(times[False], 50)
    print(f"added by the event (p50): {added:.2f} ms, ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
