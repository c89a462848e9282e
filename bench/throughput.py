"""Requests/s under gunicorn: the claims list against a hello-world view, with wrk.

    .venv/bin/python bench/throughput.py                 # factcheck_bench, 30 s a URL
    .venv/bin/python bench/throughput.py --duration 10 --database-url postgres://...
    .venv/bin/python bench/throughput.py --cache-url redis://127.0.0.1:6379/5 ...
    .venv/bin/python bench/throughput.py --hot-set --duration 60 ...  # hit rate

The cached reads (docs/caching.md): GET /api/v1/ (the API root: DRF's whole path,
no database) is loaded too, and the warm list is compared with it (cached list /
API root, target >= 0.8: an anonymous read answered before the framework); then
the list again with the If-None-Match of its ETag (a 304, which should cost no more
than the cached 200). Each cached URL must say X-Cache: hit on its second read.

--hot-set measures the hit rate instead: --readers threads read, for --duration
seconds, a hot set of --hot-claims public claim pages (/claims/<id>/, drawn with
--seed) and the first page of the list, at random, while one write a second
(--writes-per-second) lands on a random claim (of all, or of the hot set with
--writes-on hot) as raw SQL; it prints the share of reads answered X-Cache: hit
(target >= 90%).

Starts gunicorn (factcheck.wsgi, bench.settings: production settings, throttles off,
the /bench/ peer views) bound to a free port of 127.0.0.1 and, once it answers, loads
it with wrk over loopback, one URL after the other: GET /bench/hello/ (the smallest
JSON view: the ceiling for this server on this machine), GET /api/v1/claims/ (the
first page, 50 claims) and a filtered list (--filter-url; "" to skip). wrk runs with
one thread (--threads 1: 2 cores are shared by wrk, gunicorn and PostgreSQL) and a
fixed number of keep-alive connections (--connections, 8 by default) for --duration
seconds per URL, with --latency. Each URL is first asked once with http.client and
must answer 200 (a redirect would count as a success for wrk); any non-2xx/3xx
answer or socket error during the load makes the script fail. Prints requests/s,
latency p50/p99 per URL and the ratio list/hello (target >= 50%). gunicorn is always
stopped at the end.

Server: 2 workers (one per core) of --worker-class gthread with --server-threads 1
by default. The database is local, so a request is CPU-bound in Python: a second
thread in a worker only overlaps the short PostgreSQL round trips and otherwise
contends for the GIL. The sync worker costs the same per request but closes the
connection after every response (no keep-alive), so wrk pays a new TCP connection
and gunicorn an accept per request, which flatters the list/hello ratio (the
per-connection cost weighs most on hello) and is not what a client behind a
keep-alive proxy costs; gthread with one thread keeps connections alive at the sync
worker's cost. Measured on 1M claims, 8 connections, 10-15 s per URL, on the shared
2-core machine while other jobs ran: hello 1,970-2,530 req/s and the list 80-220 with
gthread x 1 or 2 threads (x 4: 1,970 and 120), sync 990-2,460 and 140-300; the same
configuration varied up to 2x from run to run, so no class was measurably faster for
the list. Compare on a quiet machine with --worker-class and --server-threads.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HOST = "127.0.0.1"  # loopback only
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/factcheck_bench"
HELLO = "/bench/hello/"
ROOT_URL = "/api/v1/"
CLAIMS = "/api/v1/claims/"
FILTER = "/api/v1/claims/?status=disputed,false&unit=USD"
RATIO_TARGET = 0.50
# Cached list / API root (issue 27).
CACHED_RATIO_TARGET = 0.80
HIT_RATE_TARGET = 0.90
WORKERS = 2
START_TIMEOUT = 60


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--duration", type=int, default=30, help="seconds per URL")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--worker-class", choices=["gthread", "sync"], default="gthread"
    )
    parser.add_argument(
        "--server-threads", type=int, default=1, help="threads per gthread worker"
    )
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument(
        "--filter-url", default=FILTER, help='a third URL to load ("" to skip)'
    )
    parser.add_argument(
        "--cache-url",
        default=None,
        help="CACHE_URL of the server (a Redis server: redis://...); "
        "default: the environment's, else each process's memory",
    )
    parser.add_argument(
        "--hot-set", action="store_true", help="measure the hit rate instead"
    )
    parser.add_argument("--hot-claims", type=int, default=100)
    parser.add_argument("--readers", type=int, default=4, help="--hot-set threads")
    parser.add_argument("--writes-per-second", type=float, default=1.0)
    parser.add_argument("--writes-on", choices=["all", "hot"], default="all")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="load the URLs one after the other this many times, interleaved, and "
        "keep each URL's median round (a shared machine's load varies)",
    )
    options = parser.parse_args()
    if not 1 <= options.duration <= 600 or not 1 <= options.connections <= 256:
        parser.error("--duration must be 1 to 600 s and --connections 1 to 256")
    return options


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_environment(database_url: str, cache_url: str | None) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "API_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        # One key for every worker (bench.settings would draw one per process).
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        PYTHONPATH=str(ROOT),
        # No collectstatic here: WhiteNoise's warning about it is noise for an API.
        PYTHONWARNINGS="ignore:No directory at:UserWarning",
    )
    if cache_url is not None:
        environment["CACHE_URL"] = cache_url
    return environment


def gunicorn_path() -> Path:
    """Return the gunicorn of this checkout's venv, else of this interpreter's."""
    local = ROOT / ".venv" / "bin" / "gunicorn"
    return local if local.exists() else Path(sys.executable).parent / "gunicorn"


def start_gunicorn(options, port: int, log) -> subprocess.Popen:
    command = [
        str(gunicorn_path()),
        "factcheck.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(options.workers),
        "--worker-class",
        options.worker_class,
        "--log-level",
        "warning",
    ]
    if options.worker_class == "gthread":
        command += ["--threads", str(options.server_threads)]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=server_environment(options.database_url, options.cache_url),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, to stop it whole
    )


def get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    status, _, body = get_with_headers(port, path, timeout)
    return status, body


def get_with_headers(
    port: int, path: str, timeout: float = 30
) -> tuple[int, http.client.HTTPMessage, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def wait_until_up(server: subprocess.Popen, port: int) -> float:
    began = time.perf_counter()
    while time.perf_counter() - began < START_TIMEOUT:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
        try:
            status, _ = get(port, HELLO, timeout=5)
            if status == 200:
                return time.perf_counter() - began
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer in {START_TIMEOUT} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)  # the master stops its workers
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    scale = {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]
    return float(number) * scale


def parse_wrk(output: str) -> dict:
    """Read requests/s, latency percentiles and errors from `wrk --latency`."""

    def find(pattern: str) -> re.Match:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise ValueError(f"no {pattern!r} in wrk's output:\n{output}")
        return match

    percentiles = {
        int(p): milliseconds(v)
        for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE)
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return {
        "requests": int(find(r"(\d+) requests in")[1]),
        "rps": float(find(r"^Requests/sec:\s+([\d.]+)")[1]),
        "p50": percentiles[50],
        "p99": percentiles[99],
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": tuple(map(int, socket_errors.groups()))
        if socket_errors
        else (0, 0, 0, 0),
    }


def run_wrk(options, port: int, path: str, headers: dict | None = None) -> dict:
    command = [
        "wrk",
        f"--threads={options.threads}",
        f"--connections={options.connections}",
        f"--duration={options.duration}s",
        "--timeout=30s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        command.append(f"--header={name}: {value}")
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}")
    return parse_wrk(done.stdout)


def claim_count(database_url: str) -> int:
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT count(*) FROM claims_claim").fetchone()[0]


def main() -> None:
    options = parse_arguments()
    if options.hot_set:
        hot_set(options)
        return
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is missing: install it (apt-get install -y wrk) and run again."
        )
    paths = {"hello": HELLO, "root": ROOT_URL, "list": CLAIMS, "list 304": CLAIMS}
    if options.filter_url:
        paths["filter"] = options.filter_url
    port = free_port()
    claims = claim_count(options.database_url)
    server_threads = (
        f" x {options.server_threads} threads"
        if options.worker_class == "gthread"
        else ""
    )
    print(
        f"gunicorn {options.workers} {options.worker_class} workers{server_threads} "
        f"on {HOST}:{port}, {claims:,} claims in "
        f"{options.database_url.rsplit('/', 1)[-1]}, cache "
        f"{options.cache_url or os.environ.get('CACHE_URL') or 'locmem'}; "
        f"wrk {options.threads} thread, "
        f"{options.connections} connections, {options.duration} s per URL",
        flush=True,
    )
    results = {}
    failures = []
    with tempfile.TemporaryFile("w+") as log:
        server = start_gunicorn(options, port, log)
        try:
            print(f"gunicorn answered after {wait_until_up(server, port):.1f} s")
            headers_of: dict[str, dict[str, str]] = {}
            for name, path in paths.items():
                headers_of[name] = {}
                if name == "list 304":
                    headers_of[name]["If-None-Match"] = warm(port, path)
                else:
                    status, body = get(port, path)
                    if status != 200:
                        raise RuntimeError(
                            f"GET {path} answered {status}: {body[:300]!r}"
                        )
                if name in {"list", "filter"}:
                    warm(port, path)
            rounds: dict[str, list[dict]] = {name: [] for name in paths}
            for number in range(options.rounds):
                for name, path in paths.items():
                    headers = headers_of[name]
                    print(
                        f"round {number + 1}, loading {name}: GET {path} "
                        f"{headers or ''}",
                        flush=True,
                    )
                    result = run_wrk(options, port, path, headers)
                    rounds[name].append(result)
                    if result["non_2xx"] or any(result["socket_errors"]):
                        failures.append(
                            f"{path}: {result['non_2xx']} non-2xx/3xx answers, "
                            f"socket errors (connect, read, write, timeout) "
                            f"{result['socket_errors']}"
                        )
            for name, results_of in rounds.items():
                ordered = sorted(results_of, key=lambda result: result["rps"])
                results[name] = ordered[len(ordered) // 2]
                if options.rounds > 1:
                    print(
                        f"{name}: req/s by round "
                        + ", ".join(f"{r['rps']:,.0f}" for r in results_of)
                    )
        except BaseException as error:
            log.seek(0)
            sys.stderr.write(log.read()[-3000:])
            if isinstance(error, RuntimeError | ValueError):
                raise SystemExit(f"FAILED: {error}") from error
            raise
        finally:
            stop(server)
    print(f"{'':<9} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}  URL")
    for name, result in results.items():
        print(
            f"{name:<9} {result['requests']:>9,} {result['rps']:>9,.1f} "
            f"{result['p50']:>8.2f} {result['p99']:>8.2f}  {paths[name]}"
        )
    ratio = results["list"]["rps"] / results["hello"]["rps"]
    met = "met" if ratio >= RATIO_TARGET else "MISSED"
    print(f"ratio list/hello {ratio:.1%} (target >= {RATIO_TARGET:.0%}: {met})")
    cached = results["list"]["rps"] / results["root"]["rps"]
    met = "met" if cached >= CACHED_RATIO_TARGET else "MISSED"
    print(
        f"ratio cached list/API root {cached:.2f} "
        f"(target >= {CACHED_RATIO_TARGET}: {met})"
    )
    not_modified, cached_200 = results["list 304"], results["list"]
    met = "met" if not_modified["p50"] <= cached_200["p50"] * 1.05 else "MISSED"
    print(
        f"304 vs cached 200: {not_modified['rps']:,.0f} vs {cached_200['rps']:,.0f} "
        f"req/s, p50 {not_modified['p50']:.2f} vs {cached_200['p50']:.2f} ms "
        f"(a 304 no dearer: {met})"
    )
    if failures:
        raise SystemExit("FAILED, answers other than 2xx:\n" + "\n".join(failures))


def warm(port: int, path: str) -> str:
    """Read `path` twice; return its ETag, failing unless the second was a hit."""
    for _ in range(2):
        status, headers, body = get_with_headers(port, path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    if headers.get("X-Cache") != "hit":
        raise RuntimeError(f"GET {path} again said X-Cache: {headers.get('X-Cache')}")
    return headers["ETag"]


def hot_set(options) -> None:
    """Print the share of hot reads answered from the store under writes."""
    import psycopg

    rng = random.Random(options.seed)
    with psycopg.connect(options.database_url) as connection:
        ids = [
            row[0]
            for row in connection.execute("SELECT id FROM claims_claim ORDER BY id")
        ]
    hot = rng.sample(ids, min(options.hot_claims, len(ids)))
    paths = [f"/claims/{pk}/" for pk in hot] + [CLAIMS]
    targets = hot if options.writes_on == "hot" else ids
    port = free_port()
    print(
        f"gunicorn {options.workers} {options.worker_class} workers on {HOST}:{port}, "
        f"{len(ids):,} claims in {options.database_url.rsplit('/', 1)[-1]}, cache "
        f"{options.cache_url or os.environ.get('CACHE_URL') or 'locmem'}; "
        f"{options.readers} readers of {len(paths)} hot pages (the first list page "
        f"and {len(hot)} claim pages), {options.writes_per_second} write/s on "
        f"{options.writes_on} claims, {options.duration} s",
        flush=True,
    )
    counts: dict[str, int] = {}
    lock = threading.Lock()
    stopping = threading.Event()
    writes = [0]

    def read(seed: int) -> None:
        local_rng = random.Random(seed)
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        local: dict[str, int] = {}
        try:
            while not stopping.is_set():
                path = local_rng.choice(paths)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                key = (
                    f"{response.status} {response.headers.get('X-Cache', '-')}"
                    if response.status == 200
                    else str(response.status)
                )
                local[key] = local.get(key, 0) + 1
        finally:
            connection.close()
            with lock:
                for key, number in local.items():
                    counts[key] = counts.get(key, 0) + number

    def write() -> None:
        interval = 1 / options.writes_per_second
        with psycopg.connect(options.database_url, autocommit=True) as connection:
            while not stopping.wait(interval):
                connection.execute(
                    "UPDATE claims_claim SET editor_note = %s WHERE id = %s",
                    [
                        f"bench/throughput.py --hot-set write {writes[0]}",
                        rng.choice(targets),
                    ],
                )
                writes[0] += 1

    with tempfile.TemporaryFile("w+") as log:
        server = start_gunicorn(options, port, log)
        try:
            print(f"gunicorn answered after {wait_until_up(server, port):.1f} s")
            for path in paths:  # warm: each hot page read once
                get(port, path)
            threads = [
                threading.Thread(target=read, args=(options.seed + n,))
                for n in range(options.readers)
            ]
            threads.append(threading.Thread(target=write))
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            time.sleep(options.duration)
            stopping.set()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-3000:])
            raise
        finally:
            stop(server)
    total = sum(counts.values())
    hits = counts.get("200 hit", 0)
    rate = hits / total if total else 0.0
    met = "met" if rate >= HIT_RATE_TARGET else "MISSED"
    print(
        f"{total:,} reads in {elapsed:.0f} s ({total / elapsed:,.0f} req/s), "
        f"{writes[0]} writes; answers: "
        + ", ".join(f"{key}: {number:,}" for key, number in sorted(counts.items()))
    )
    print(f"hit rate {rate:.1%} (target >= {HIT_RATE_TARGET:.0%}: {met})")
    if total != sum(n for k, n in counts.items() if k.startswith("200")):
        raise SystemExit("FAILED: answers other than 200")


if __name__ == "__main__":
    main()
