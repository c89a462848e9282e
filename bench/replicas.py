"""Read throughput with and without the read replica, and CPU per request.

    bin/cluster up
    .venv/bin/python bench/make_data.py --claims 20000 --reset \\
        --database-url postgres://postgres@127.0.0.1:55432/factcheck_replicas_bench
    .venv/bin/python bench/replicas.py                      # 4 threads, 4 x 8 s rounds

Django runs in this process (bench.settings: production settings, throttles off)
with DATABASE_URL at the cluster's primary and DATABASE_REPLICA_URLS at its replica
(bin/cluster, 127.0.0.1:55432 and :55433). Requests go through Django's test client,
anonymous, from --threads threads for --seconds per round, half the claims list
(first page, 50 claims) and half a claim's detail (random ids). Rounds alternate
"primary alone" (no replica configured for the round: the router has no opinion)
and "with the replica" (the router sends these reads to it), --rounds of each, so
both see the same machine at the same moment; it prints requests/s per round, the
medians and their ratio, and which server answered (pg_stat_database.xact_commit on
each server, before and after).

Then, one request at a time (--samples each), the CPU time per request of the main
read and write paths: in this process (time.process_time(), the web process's
share; the client's is included, small beside the view) and in PostgreSQL (user +
system time of every process of the server's cluster, from /proc, before and
after: the backends serving the requests and anything else the server did
meanwhile). Writes (POST of a claim, PATCH with If-Match) go to the primary.

The load shares the machine's cores with both servers: on one machine a replica
cannot add CPU, so the ratio shows what routing costs and where the database work
went, not the capacity a replica on its own machine adds. docs/operations.md ("Scaling")
turns the CPU per request into processes and servers for a rate.
"""

import argparse
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PRIMARY = "postgres://postgres@127.0.0.1:55432/factcheck_replicas_bench"
REPLICA = "postgres://postgres@127.0.0.1:55433/factcheck_replicas_bench"
CLAIMS = "/api/v1/claims/"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--primary-url", default=PRIMARY)
    parser.add_argument("--replica-url", default=REPLICA)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0, help="per round")
    parser.add_argument("--rounds", type=int, default=4, help="of each setup")
    parser.add_argument("--samples", type=int, default=200, help="per CPU path")
    return parser.parse_args()


def setup_django(options) -> None:
    os.environ["DATABASE_URL"] = options.primary_url
    os.environ["DATABASE_REPLICA_URLS"] = options.replica_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    import django

    django.setup()


def cluster_pids(port: int) -> list[int]:
    """Return the PostgreSQL server on this port (its postmaster) and its children.

    A postmaster is a `postgres -D DATADIR` process whose DATADIR/postmaster.pid
    names the port on its fourth line. Taken after the connections are open: the
    backends that serve them are children of the postmaster.
    """
    postmasters = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if len(command) < 3 or not command[0].endswith(b"/postgres"):
            continue
        if command[1] != b"-D":
            continue
        try:
            lines = (Path(command[2].decode()) / "postmaster.pid").read_text().split()
        except OSError:
            continue
        if len(lines) > 3 and lines[3] == str(port):
            postmasters.append(int(entry.name))
    pids = list(postmasters)
    for postmaster in postmasters:
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)],
            capture_output=True,
            text=True,
        ).stdout.split()
        pids.extend(map(int, children))
    return pids


def cpu_seconds(pids: list[int]) -> float:
    """Return the user + system CPU seconds the processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended since
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def commits(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as observer:
        return observer.execute(
            "SELECT xact_commit FROM pg_stat_database "
            "WHERE datname = current_database()"
        ).fetchone()[0]


def load_round(threads: int, seconds: float, ids: list[int]) -> tuple[int, int]:
    """Return (requests answered 200, others) from `threads` clients for `seconds`."""
    from django.db import connections
    from django.test import Client

    stop = threading.Event()
    counts = [[0, 0] for _ in range(threads)]

    def client_loop(index: int) -> None:
        client = Client()
        chooser = random.Random(index)
        try:
            while not stop.is_set():
                if chooser.random() < 0.5:
                    response = client.get(CLAIMS)
                else:
                    response = client.get(f"{CLAIMS}{chooser.choice(ids)}/")
                counts[index][response.status_code != 200] += 1
        finally:
            connections.close_all()

    pool = [threading.Thread(target=client_loop, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join(60)
    return sum(ok for ok, _ in counts), sum(bad for _, bad in counts)


def throughput(options, ids: list[int]) -> None:
    from factcheck.db import replicas

    configured = replicas.replica_aliases
    setups = {
        "primary alone": lambda: [],
        "with the replica": configured,
    }
    rates: dict[str, list[float]] = {name: [] for name in setups}
    served: dict[str, list[int]] = {name: [0, 0] for name in setups}
    print(
        f"read load: {options.threads} threads, {options.seconds:g} s rounds, "
        "half list, half detail"
    )
    load_round(options.threads, 2, ids)  # warm up: connections, caches
    for round_number in range(options.rounds):
        for name, aliases in setups.items():
            replicas.replica_aliases = aliases
            before = commits(options.primary_url), commits(options.replica_url)
            started = time.monotonic()
            ok, bad = load_round(options.threads, options.seconds, ids)
            elapsed = time.monotonic() - started
            after = commits(options.primary_url), commits(options.replica_url)
            served[name][0] += after[0] - before[0]
            served[name][1] += after[1] - before[1]
            rates[name].append(ok / elapsed)
            print(
                f"  round {round_number + 1} {name:17} {ok / elapsed:7.1f} req/s"
                f"  ({ok} answered 200, {bad} not)"
            )
            if bad:
                raise SystemExit(f"{bad} requests were not answered 200")
    replicas.replica_aliases = configured
    alone = statistics.median(rates["primary alone"])
    scaled = statistics.median(rates["with the replica"])
    print(
        f"median: primary alone {alone:.1f} req/s, with the replica {scaled:.1f} "
        f"req/s, ratio {scaled / alone:.2f}"
    )
    for name, (on_primary, on_replica) in served.items():
        print(
            f"  {name}: transactions on the primary {on_primary}, "
            f"on the replica {on_replica}"
        )


def cpu_per_request(options, ids: list[int]) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connections
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from claims.models import Claim
    from factcheck.db import replicas

    user, _ = get_user_model().objects.get_or_create(
        username="bench-replicas", defaults={"is_staff": True, "is_superuser": True}
    )
    token, _ = Token.objects.get_or_create(user=user)
    document_id = Claim.objects.values_list("document_id", flat=True).first()
    anonymous = APIClient()
    writer = APIClient()
    writer.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    chooser = random.Random(7)
    created: list[int] = []

    def read_list():
        return anonymous.get(CLAIMS)

    def read_detail():
        return anonymous.get(f"{CLAIMS}{chooser.choice(ids)}/")

    def write_create():
        response = writer.post(
            CLAIMS,
            {
                "text": f"Bench claim {secrets.token_hex(4)}.",
                "quote": "a quote for the benchmark",
                "document": document_id,
            },
            format="json",
        )
        created.append(response.json().get("id"))
        return response

    def write_update():
        claim_id = chooser.choice(created)
        current = writer.get(f"{CLAIMS}{claim_id}/")
        return writer.patch(
            f"{CLAIMS}{claim_id}/",
            {"text": f"Bench claim edited {secrets.token_hex(4)}."},
            format="json",
            HTTP_IF_MATCH=current["ETag"],
        )

    configured = replicas.replica_aliases
    paths = [
        ("GET list (50 claims), primary alone", read_list, (200,), "alone"),
        ("GET list (50 claims), with the replica", read_list, (200,), None),
        ("GET detail, primary alone", read_detail, (200,), "alone"),
        ("GET detail, with the replica", read_detail, (200,), None),
        ("POST claim", write_create, (201,), None),
        ("PATCH claim (If-Match; its GET included)", write_update, (200,), None),
    ]
    print(
        f"\nCPU per request, one at a time, {options.samples} samples "
        "(ms: web process | primary | replica):"
    )
    for label, call, expected, setup in paths:
        # "primary alone": no replica configured for these requests.
        replicas.replica_aliases = list if setup == "alone" else configured
        for _ in range(5):  # warm up: the connections are open after it
            call()
        primary_pids = cluster_pids(_port(options.primary_url))
        replica_pids = cluster_pids(_port(options.replica_url))
        web, primary, replica = (
            time.process_time(),
            cpu_seconds(primary_pids),
            cpu_seconds(replica_pids),
        )
        started = time.perf_counter()
        for _ in range(options.samples):
            response = call()
            if response.status_code not in expected:
                raise SystemExit(f"{label}: {response.status_code} {response.content}")
        wall = time.perf_counter() - started
        web = time.process_time() - web
        primary = cpu_seconds(primary_pids) - primary
        replica = cpu_seconds(replica_pids) - replica
        per = 1000 / options.samples
        print(
            f"  {label:45} {web * per:6.2f} | {primary * per:6.2f} | "
            f"{replica * per:6.2f}   (wall {wall * per:6.2f})"
        )
    replicas.replica_aliases = configured
    Claim.objects.filter(pk__in=[i for i in created if i]).delete()
    connections.close_all()


def _port(url: str) -> int:
    from urllib.parse import urlsplit

    return urlsplit(url).port or 5432


def main() -> None:
    options = parse_arguments()
    setup_django(options)
    from claims.models import Claim

    ids = list(Claim.objects.values_list("id", flat=True)[:5000])
    if not ids:
        raise SystemExit("no claims: run bench/make_data.py first (see the docstring)")
    print(f"claims in the database: {Claim.objects.count()}")
    throughput(options, ids)
    cpu_per_request(options, ids)


if __name__ == "__main__":
    main()
