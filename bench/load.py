"""Load test over loopback: gunicorn on PostgreSQL, mixed reads and writes.

    .venv/bin/python bench/load.py                       # 50 users for 60 s
    .venv/bin/python bench/load.py --profile newsroom --database-url ...  # see below
    .venv/bin/python bench/load.py --users 10 --duration 10
    .venv/bin/python bench/load.py --template factcheck_bench   # on a copy of 1M claims

Creates a PostgreSQL database of its own (--database, dropped afterwards unless
--keep-database), migrates it, loads the seed fixtures plus --synthetic claims and
runs conflict detection; then starts gunicorn (production settings, 2 workers x 4
threads, throttles raised) on a free port of 127.0.0.1 and drives it with --users
concurrent clients (asyncio, one keep-alive connection each) for --duration
seconds: claim lists, filters, search, details, ClaimReview JSON-LD, and an
editor's PATCHes and POSTs with a token. Prints requests/s, latency percentiles and
errors (any answer but the expected 200 or 201, or no answer in 30 s).

--template DB makes the database a copy of DB (`CREATE DATABASE ... TEMPLATE`, e.g. the
1M-claim `factcheck_bench`; nothing may be connected to DB meanwhile) instead of an
empty one: the seed fixtures are then not loaded (their ids would collide), the
synthetic claims go on top and detection runs only on their metrics.

Loopback only: the server binds 127.0.0.1 and the clients connect nowhere else.
PostgreSQL is reached at --postgres (default: the server of DATABASE_URL, else
postgres://postgres@127.0.0.1:5432).

Two profiles. The default, `--profile stress`, is the closed mix above: every user
sends its next request as soon as the last is answered, with no think time.
`--profile newsroom` (bench/newsroom.py, its options with `--profile newsroom
--help`) is a newsroom's traffic on an existing database: anonymous readers of hot
claim and metric pages and the list at a set arrival rate, stepped up, 20 editors
with think time and 5 partners polling the events feed; it prints p50/p95/errors per
class at each rate and the highest rate every class held (docs/caching.md, "Load
like a newsroom").
"""

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, by design
REQUEST_TIMEOUT = 30
WORKERS, THREADS = 2, 4
OPEN_RATE = "1000000/minute"

# (kind, weight): the share of each kind of request in the mix.
MIX = [
    ("list", 20),
    ("filter", 15),
    ("search", 15),
    ("detail", 20),
    ("claimreview", 10),
    ("patch", 12),
    ("post", 8),
]
FILTERS = [
    "metric=iran-russia-trade-volume&ordering=period_start",
    "status=disputed,unverified&unit=USD&value_min=2000000000",
    "period_overlaps_start=2012-06-01&period_overlaps_end=2012-12-31"
    "&has_conflicts=true",
    "metric=load-metric-3&ordering=-value&page_size=100",
    "claimed_after=2013-01-01&claimed_before=2014-12-31&ordering=claimed_on",
]
SEARCHES = ["trade", "export", "billion", "Russia", "cars", "sanctions", "oil"]


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--profile",
        choices=["stress", "newsroom"],
        default="stress",
        help="newsroom: readers at a rate, editors, partners (bench/newsroom.py)",
    )
    parser.add_argument("--users", type=int, default=50, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument(
        "--synthetic", type=int, default=2000, help="claims added to the seed"
    )
    parser.add_argument("--database", default="factcheck_load")
    parser.add_argument("--postgres", default=None, help="postgres://user@host:port")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--template", default=None, help="copy this database first")
    parser.add_argument("--seed", type=int, default=2013, help="random seed")
    arguments = parser.parse_args(argv)
    if not 1 <= arguments.users <= 500 or not 1 <= arguments.duration <= 600:
        parser.error("--users must be 1 to 500 and --duration 1 to 600 seconds")
    return arguments


def postgres_server(given: str | None) -> str:
    url = given or os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = "postgres://postgres@127.0.0.1:5432"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def recreate_database(
    server: str, name: str, *, drop_only: bool = False, template: str | None = None
) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        if drop_only:
            return
        if template:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            admin.execute(
                sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(
                    sql.Identifier(name)
                )
            )


def server_environment(database_url: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "API_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="factcheck.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        API_THROTTLE_ANON=OPEN_RATE,
        API_THROTTLE_USER=OPEN_RATE,
        PYTHONPATH=str(ROOT),
        # No collectstatic here: WhiteNoise's warning about it is noise for an API.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    return environment


def prepare_data(synthetic: int, seed: int, *, copied: bool = False) -> dict:
    """Migrate, load the seed and synthetic claims; return the ids the load uses."""
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connections
    from rest_framework.authtoken.models import Token

    from claims.models import Claim, Metric
    from claims.services.conflicts import (
        detect_all_conflicts,
        detect_metric_conflicts,
    )
    from sources.models import Document, Publisher

    call_command("migrate", verbosity=0)
    if not copied:
        call_command("loaddata", "seed", verbosity=0)
    rng = random.Random(seed)
    publisher = Publisher.objects.create(name="Load test wire", kind="news_agency")
    documents = Document.objects.bulk_create(
        Document(
            title=f"Load test report {number}",
            url=f"https://load.example.org/{number}",
            publisher=publisher,
            published_on=f"2013-{1 + number % 12:02d}-15",
        )
        for number in range(20)
    )
    metrics = Metric.objects.bulk_create(
        Metric(name=f"Load metric {number}", slug=f"load-metric-{number}", unit="USD")
        for number in range(10)
    )
    words = ["trade", "exports", "oil", "cars", "sanctions", "imports", "growth"]
    Claim.objects.bulk_create(
        Claim(
            text=f"Synthetic claim {number}: {rng.choice(words)} reached "
            f"{rng.randrange(1, 60) / 10} billion dollars.",
            quote=f"{rng.choice(words)} reached some billions {number}",
            document=rng.choice(documents),
            claimed_on=f"{2010 + number % 5}-06-01",
            metric=metric,
            value=Decimal(rng.randrange(10, 61)) * 10**8,
            unit="USD",
            comparator=rng.choice(["exact", "approximately"]),
            period_start=f"{2009 + number % 5}-01-01",
            period_end=f"{2009 + number % 5}-12-31",
        )
        for number, metric in ((n, rng.choice(metrics)) for n in range(synthetic))
    )
    if copied:
        for metric in metrics:
            detect_metric_conflicts(metric.pk)
    else:
        detect_all_conflicts()
    editor = User.objects.create_user("load-editor", password=secrets.token_hex(16))
    editor.groups.add(Group.objects.get(name="Editors"))
    data = {
        "token": Token.objects.create(user=editor).key,
        "claims": list(Claim.objects.values_list("id", flat=True)),
        "writable": list(
            Claim.objects.filter(document__in=documents).values_list("id", flat=True)
        ),
        "reviewed": list(Claim.objects.reviewed().values_list("id", flat=True)),
        "documents": [document.pk for document in documents],
        "metrics": [metric.slug for metric in metrics],
    }
    connections.close_all()
    return data


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_gunicorn(port: int, environment: dict) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "factcheck.wsgi:application",
        "-b",
        f"{HOST}:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(
        command, cwd=ROOT, env=environment, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(
                f"http://{HOST}:{port}/api/v1/metrics/", timeout=2
            ) as answer:
                if answer.status == 200:
                    return server
        except (OSError, urllib.error.URLError):
            time.sleep(0.2)
    stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: it and its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class Connection:
    """One keep-alive HTTP/1.1 connection to the server (Content-Length or chunked)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict, body: bytes):
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(
                    HOST, self.port
                )
            lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            lines += [f"Content-Length: {len(body)}", "", ""]
            try:
                self.writer.write("\r\n".join(lines).encode() + body)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()  # the server closed an idle keep-alive connection
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        status = int((await self.reader.readuntil(b"\r\n")).split()[1])
        headers = {}
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = b""
            while size := int((await self.reader.readuntil(b"\r\n")).strip(), 16):
                body += await self.reader.readexactly(size + 2)
            await self.reader.readuntil(b"\r\n")
        else:
            body = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def next_request(rng: random.Random, data: dict, number: int):
    """Return (kind, method, path, body, expected status) for one request."""
    kind = rng.choices([kind for kind, _ in MIX], [weight for _, weight in MIX])[0]
    claims = "/api/v1/claims/"
    if kind == "list":
        return kind, "GET", f"{claims}?page_size={rng.choice([20, 50])}", None, 200
    if kind == "filter":
        return kind, "GET", f"{claims}?{rng.choice(FILTERS)}", None, 200
    if kind == "search":
        return kind, "GET", f"{claims}?q={rng.choice(SEARCHES)}", None, 200
    if kind == "detail":
        return kind, "GET", f"{claims}{rng.choice(data['claims'])}/", None, 200
    if kind == "claimreview":
        if data["reviewed"] and rng.random() < 0.7:
            claim = rng.choice(data["reviewed"])
            return kind, "GET", f"{claims}{claim}/claimreview/", None, 200
        return kind, "GET", "/api/v1/claimreview/", None, 200
    if kind == "patch":
        body = {"editor_note": f"Checked by load client, request {number}."}
        claim = rng.choice(data["writable"])
        return kind, "PATCH", f"{claims}{claim}/", body, 200
    value = rng.randrange(10, 61) * 10**8
    body = {
        "text": f"Load test claim {number}: trade reached {value} dollars.",
        "quote": f"trade reached {value} dollars",
        "document": rng.choice(data["documents"]),
        "metric": rng.choice(data["metrics"]),
        "value": str(value),
        "unit": "USD",
        "period_start": "2012-01-01",
        "period_end": "2012-12-31",
    }
    return kind, "POST", claims, body, 201


async def user(number: int, port: int, data: dict, deadline: float, seed: int):
    rng = random.Random(seed * 1000 + number)
    connection = Connection(port)
    results = []
    sent = 0
    while time.monotonic() < deadline:
        sent += 1
        kind, method, path, body, expected = next_request(
            rng, data, number * 10**6 + sent
        )
        headers = {"Accept": "application/json"}
        if method != "GET":
            headers |= {
                "Authorization": f"Token {data['token']}",
                "Content-Type": "application/json",
            }
        payload = json.dumps(body).encode() if body is not None else b""
        started = time.monotonic()
        try:
            status, _ = await asyncio.wait_for(
                connection.request(method, path, headers, payload), REQUEST_TIMEOUT
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            connection.close()
            status = "no answer"
        results.append((kind, time.monotonic() - started, status, expected))
    connection.close()
    return results


async def drive(users: int, duration: float, port: int, data: dict, seed: int):
    deadline = time.monotonic() + duration
    started = time.monotonic()
    per_user = await asyncio.gather(
        *(user(number, port, data, deadline, seed) for number in range(users))
    )
    return [result for results in per_user for result in results], (
        time.monotonic() - started
    )


def percentile(sorted_values: list[float], share: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(share * len(sorted_values)) - 1))
    return sorted_values[index]


def report(results, elapsed: float, arguments, data: dict) -> int:
    latencies = sorted(latency for _, latency, _, _ in results)
    errors = Counter(
        f"{kind} {status}"
        for kind, _, status, expected in results
        if status != expected
    )
    by_kind = defaultdict(list)
    for kind, latency, _, _ in results:
        by_kind[kind].append(latency)

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.0f} ms"

    print(
        f"Load: {arguments.users} users for {arguments.duration:.0f} s over loopback; "
        f"gunicorn {WORKERS} workers x {THREADS} threads, production settings, "
        f"PostgreSQL with {len(data['claims'])} claims"
    )
    print(f"requests        {len(results)}")
    print(f"requests/s      {len(results) / elapsed:.1f}")
    print(f"latency p50     {ms(percentile(latencies, 0.50))}")
    print(f"latency p95     {ms(percentile(latencies, 0.95))}")
    print(f"latency p99     {ms(percentile(latencies, 0.99))}")
    print(f"latency max     {ms(latencies[-1])}")
    print(f"errors          {sum(errors.values())}")
    for error, count in sorted(errors.items()):
        print(f"  {error}: {count}")
    print("by kind         count   p50      p95")
    for kind, _ in MIX:
        values = sorted(by_kind[kind])
        if values:
            print(
                f"  {kind:<13} {len(values):>6}   {ms(statistics.median(values)):>7}  "
                f"{ms(percentile(values, 0.95)):>7}"
            )
    return 1 if errors else 0


def main(argv=None) -> int:
    chooser = argparse.ArgumentParser(add_help=False)
    chooser.add_argument("--profile", choices=["stress", "newsroom"], default="stress")
    chosen, rest = chooser.parse_known_args(argv)
    if chosen.profile == "newsroom":
        sys.path.insert(0, str(ROOT))
        from bench import newsroom

        return newsroom.main(rest)
    arguments = parse_arguments(argv)
    server_url = postgres_server(arguments.postgres)
    database_url = f"{server_url}/{arguments.database}"
    environment = server_environment(database_url)
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    recreate_database(server_url, arguments.database, template=arguments.template)
    server = None
    try:
        data = prepare_data(
            arguments.synthetic, arguments.seed, copied=bool(arguments.template)
        )
        port = free_port()
        server = start_gunicorn(port, environment)
        results, elapsed = asyncio.run(
            drive(arguments.users, arguments.duration, port, data, arguments.seed)
        )
    finally:
        if server is not None:
            stop(server)
        if not arguments.keep_database:
            recreate_database(server_url, arguments.database, drop_only=True)
    return report(results, elapsed, arguments, data)


if __name__ == "__main__":
    sys.exit(main())
