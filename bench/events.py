"""Webhooks: delivery throughput, commit-to-delivery latency, and what the fan-out
adds to the write that records an event.

    .venv/bin/python bench/events.py       # 10,000 events, 10 subscriptions
    .venv/bin/python bench/events.py --events 2000 --workers 2
    .venv/bin/python bench/events.py --events 600 --rate 10 --batch 1 --skip-write-cost

On PostgreSQL (default: the factcheck_bench database, migrated first). Subscribes
`--subscriptions` URLs on a receiver on 127.0.0.1 in this process (answering 204),
starts `--workers` job-queue workers (`manage.py procrastinate worker`), then records
`--events` events, `--batch` per transaction, as fast as it can, and waits until
every delivery arrived. Prints deliveries per second (all workers, and per worker),
and p50/p95/max from each event's commit to its arrival at the receiver: with all
events recorded at once that is mostly the backlog's wait; `--rate` records them
at a steady pace below the throughput, for the latency of a delivery that waits
for no other.

Then the write cost: a transaction that edits one claim through the claims service
(claim_update: lock, history row, version) and records one event
(events.services.record_event), timed `--writes` times with 0 and then with 10
active subscriptions (rounds interleaved), no worker running (so the dispatch job
is waiting and each write joins it). Until the claims
app records its events (issue 25's emission), this stands in for the PATCH that
publishes a verdict. Everything it writes is made up (a claim made for the
benchmark, events of it); it empties the events and webhooks tables first.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"
TYPES = ["claim.verdict.published", "claim.verdict.revised"]


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["JOBS_MODE"] = "queue"
    os.environ["WEBHOOK_ALLOWED_HOSTS"] = "127.0.0.1"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def empty() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE webhooks_attempt, webhooks_delivery, webhooks_subscription,"
            " events_event, procrastinate_jobs, procrastinate_events CASCADE"
        )


def subscribe(url: str, count: int) -> None:
    from webhooks.services import subscription_create

    for number in range(count):
        subscription_create(url=f"{url}?s={number}", event_types=TYPES, by=None)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_workers(count: int, database_url: str, log_dir: Path) -> list:
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
        "JOBS_MODE": "queue",
        "WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }
    processes = []
    for number in range(count):
        log = (log_dir / f"bench-events-worker-{number}.log").open("w")
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "procrastinate",
                    "--skip-checks",
                    "worker",
                    "--fetch-job-polling-interval=0.1",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
    return processes


_last_analyze = [0.0]


def analyze_now_and_then() -> None:
    """VACUUM and ANALYZE the deliveries every 5 s, as autovacuum would (this
    machine's PostgreSQL runs with autovacuum off): a freshly emptied table's
    statistics say it is empty (the dispatcher's plan for 100,000 rows would be one
    for 10), and the index entries of delivered rows pile up until vacuumed."""
    from django.db import connection

    if time.time() - _last_analyze[0] < 5:
        return
    _last_analyze[0] = time.time()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) webhooks_delivery")


def delivery(args, receiver) -> None:
    from django.db import transaction

    from events.services import Change, record_events
    from webhooks.models import Delivery

    empty()
    subscribe(receiver.url, args.subscriptions)
    workers = start_workers(args.workers, args.database_url, Path("/tmp"))
    time.sleep(3)  # the workers connect
    committed: dict[str, float] = {}
    started = time.time()
    try:
        for first in range(0, args.events, args.batch):
            if args.rate:  # paced: events/s below the throughput, so no backlog
                time.sleep(max(0.0, started + first / args.rate - time.time()))
            with transaction.atomic():
                events = record_events(
                    Change(
                        type="claim.verdict.revised",
                        object_url=f"/api/v1/claims/{number % 500 + 1}/",
                        object_version=number,
                        claim_id=number % 500 + 1,
                        body={"id": number % 500 + 1, "made_for": "bench/events.py"},
                    )
                    for number in range(first, min(first + args.batch, args.events))
                )
            now = time.time()
            committed.update((event.public_id, now) for event in events)
            analyze_now_and_then()
        recorded = time.time()
        expected = args.events * args.subscriptions
        deadline = time.time() + args.timeout
        while len(receiver.received) < expected and time.time() < deadline:
            time.sleep(0.2)
            analyze_now_and_then()
    finally:
        for process in workers:
            process.kill()
            process.wait()
    arrived = list(receiver.received)
    latencies = [
        item.at - committed[item.headers["webhook-id"]]
        for item in arrived
        if item.headers["webhook-id"] in committed
    ]
    delivered = Delivery.objects.filter(state="delivered").count()
    seconds = max(item.at for item in arrived) - started if arrived else float("nan")
    print(
        f"events {args.events} x subscriptions {args.subscriptions} ="
        f" {args.events * args.subscriptions} deliveries; workers {args.workers}"
    )
    print(
        f"  recording took {recorded - started:.1f} s"
        f" ({args.batch} events a transaction)"
    )
    stopped = "" if len(arrived) >= expected else " (stopped: timeout)"
    print(
        f"  arrived {len(arrived)} (delivered rows {delivered}) in {seconds:.1f} s"
        f" from the first commit{stopped}"
    )
    print(
        f"  throughput {len(arrived) / seconds:.0f} deliveries/s,"
        f" {len(arrived) / seconds / args.workers:.0f} per worker"
    )
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(
        f"  commit to delivery: p50 {p50:.2f} s, p95 {p95:.2f} s,"
        f" max {max(latencies):.2f} s"
    )


def write_cost(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from claims.models import Claim
    from claims.services.claims import claim_update
    from events.services import Change, record_event
    from tests.factories import ClaimFactory
    from webhooks.models import Subscription

    empty()
    text = "A claim made for bench/events.py."
    claim = Claim.objects.filter(text__startswith=text[:-1]).first() or ClaimFactory(
        text=text, document__publisher__name="Publisher made for bench/events.py"
    )
    editor, _ = get_user_model().objects.get_or_create(
        username="bench-events-editor", defaults={"is_staff": True}
    )
    subscribe("http://127.0.0.1:9/hook", 10)

    def one_write(step: int) -> float:
        start = time.perf_counter()
        with transaction.atomic():
            saved = claim_update(
                claim=Claim.objects.get(pk=claim.pk),
                values={"text": f"{text} Edit {step}."},
                by=editor,
            )
            record_event(
                Change(
                    type="claim.verdict.revised",
                    object_url=f"/api/v1/claims/{saved.pk}/",
                    object_version=saved.version,
                    claim_id=saved.pk,
                    body={"id": saved.pk, "made_for": "bench/events.py"},
                )
            )
        return time.perf_counter() - start

    timings: dict[int, list[float]] = {0: [], 10: []}
    rounds, step = 10, 0
    for _ in range(rounds):
        for count in (0, 10):
            Subscription.objects.update(active=count > 0)
            for _ in range(args.writes // rounds + 5):
                step += 1
                elapsed = one_write(step)
                if _ >= 5:  # the first five warm up
                    timings[count].append(elapsed)
    base = statistics.median(timings[0])
    print(
        f"write cost ({len(timings[0])} transactions each: claim_update of a claim's"
        " text (the claim service: lock, history, version) and record_event):"
    )
    for count, values in timings.items():
        median = statistics.median(values)
        print(
            f"  {count:>2} subscriptions: median {median * 1000:.2f} ms,"
            f" p95 {percentile(values, 0.95) * 1000:.2f} ms"
            f" ({median / base - 1:+.1%} vs 0)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--writes", type=int, default=500)
    parser.add_argument(
        "--rate", type=float, default=0, help="events/s to record (0: at once)"
    )
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--skip-write-cost", action="store_true")
    parser.add_argument("--skip-delivery", action="store_true")
    args = parser.parse_args()
    setup(args.database_url)
    from tests.webhooks.receiver import Receiver

    receiver = Receiver()
    try:
        if not args.skip_delivery:
            delivery(args, receiver)
        if not args.skip_write_cost:
            write_cost(args)
    finally:
        receiver.stop()
        empty()


if __name__ == "__main__":
    main()
