"""The front cache drill: Varnish in front of gunicorn, hot pages and staleness.

    .venv/bin/python bench/frontcache.py --database-url postgres://.../fc_frontcache \\
        --cache-url redis://127.0.0.1:6379/5
    .venv/bin/python bench/frontcache.py --no-staleness --database-url .../fc_bench1m

Starts gunicorn (bench.settings: production settings, throttles off; JOBS_MODE
queue, FACTCHECK_FRONT_CACHE_PURGE_URLS naming the Varnish below) on a free port of
127.0.0.1, and varnishd (Debian's package, with vmod xkey) on another, in the
foreground (-F) with its own working directory (-n, a temporary directory) and the
VCL of docker/varnish/default.vcl with its backend rewritten to that gunicorn.

(a) Hot pages: a hot set of --hot-claims public claim pages (/claims/<id>/, drawn
    with --seed) and the first page of the claims list (/api/v1/claims/), read at
    random by wrk (a Lua script: one URL per request) for --duration seconds with
    --connections connections, first from the app alone, then through Varnish (each
    URL warmed first). Prints requests/s, p50, p95, p99 and non-2xx, and Varnish's
    hits and misses over the run (varnishstat).
(b) Staleness (skipped with --no-staleness, which writes nothing; with
    --staleness-under-load while wrk reads the hot set through Varnish): starts a job
    worker (manage.py procrastinate worker), warms a claim with a verdict through
    Varnish, revises its verdict's rationale through the service layer as a
    reviewer (claims.services.claims.claim_set_status: the four-eyes workflow; the
    user `frontcache-drill-reviewer` in the Reviewers group is made if missing),
    and polls its page and its API answer through Varnish every 20 ms until both
    show the new rationale: prints the seconds from the commit, --rounds times.
    It writes: run it on your own database (bench/make_data.py), never a shared one.

Needs varnishd, wrk and PostgreSQL (the job queue). Everything is stopped at the end.
"""

import argparse
import contextlib
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.throughput import (  # noqa: E402
    free_port,
    gunicorn_path,
    server_environment,
    stop,
    wait_until_up,
)

HOST = "127.0.0.1"  # loopback only
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/fc_frontcache"
VCL = ROOT / "docker" / "varnish" / "default.vcl"
LIST_URL = "/api/v1/claims/"
START_TIMEOUT = 30
REVIEWER = "frontcache-drill-reviewer"


# Varnish ------------------------------------------------------------------------


def varnishd_path() -> str | None:
    """Return the varnishd program (Debian puts it in /usr/sbin), or None."""
    return shutil.which("varnishd") or next(
        (p for p in ("/usr/sbin/varnishd",) if os.access(p, os.X_OK)), None
    )


def vcl_text(backend_host: str, backend_port: int) -> str:
    """Return docker/varnish/default.vcl with its backend naming this app server."""
    text = VCL.read_text()
    text, hosts = re.subn(r'\.host = "[^"]*";', f'.host = "{backend_host}";', text)
    text, ports = re.subn(r'\.port = "[^"]*";', f'.port = "{backend_port}";', text)
    if hosts != 1 or ports != 1:
        raise RuntimeError(f"{VCL}: expected one backend .host and .port")
    return text


def compile_vcl(vcl_path: Path, workdir: Path) -> subprocess.CompletedProcess:
    """Compile a VCL file with varnishd -C (its syntax, VMODs and backend checked)."""
    return subprocess.run(
        [
            varnishd_path() or "varnishd",
            "-C",
            "-j",
            "none",
            "-n",
            str(workdir),
            "-f",
            str(vcl_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


class Varnish:
    """varnishd in the foreground on 127.0.0.1:`port`, in front of `backend_port`.

    `-j none`: no privilege separation (the drill may run as root, whose jail
    would compile the VCL as a user that cannot read a temporary directory).
    """

    def __init__(self, backend_port: int, *, port: int | None = None):
        self.backend_port = backend_port
        self.port = port or free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="frontcache-"))
        self.workdir = self.directory / "varnish"
        self.vcl = self.directory / "default.vcl"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def start(self) -> "Varnish":
        varnishd = varnishd_path()
        if varnishd is None:
            raise RuntimeError("varnishd is missing: apt-get install varnish")
        self.vcl.write_text(vcl_text(HOST, self.backend_port))
        self.log = open(self.directory / "varnishd.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                varnishd,
                "-F",
                "-j",
                "none",
                "-n",
                str(self.workdir),
                "-a",
                f"{HOST}:{self.port}",
                "-T",
                f"{HOST}:{free_port()}",
                "-f",
                str(self.vcl),
                "-s",
                "malloc,256m",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        began = time.monotonic()
        while time.monotonic() - began < START_TIMEOUT:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"varnishd exited with {self.process.returncode}: "
                    + (self.directory / "varnishd.log").read_text()[-2000:]
                )
            with (
                contextlib.suppress(OSError),
                socket.create_connection((HOST, self.port), timeout=1),
            ):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"varnishd did not listen in {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)

    def counters(self) -> dict[str, int]:
        """Return Varnish's hit, miss and pass counters (varnishstat)."""
        done = subprocess.run(
            [
                "varnishstat",
                "-n",
                str(self.workdir),
                "-1",
                "-f",
                "MAIN.cache_hit",
                "-f",
                "MAIN.cache_miss",
                "-f",
                "MAIN.s_pass",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        found = dict(re.findall(r"^MAIN\.(\w+)\s+(\d+)", done.stdout, re.MULTILINE))
        return {name: int(value) for name, value in found.items()}

    def __enter__(self) -> "Varnish":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def request(port: int, path: str, headers: dict | None = None, method: str = "GET"):
    """Return (status, headers, body) of one request to 127.0.0.1:`port`."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


# The drill ----------------------------------------------------------------------


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--cache-url", default=None, help="the app's CACHE_URL")
    parser.add_argument("--duration", type=int, default=20, help="seconds per run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--hot-claims", type=int, default=100)
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument("--rounds", type=int, default=3, help="staleness rounds")
    parser.add_argument("--no-staleness", action="store_true", help="write nothing")
    parser.add_argument("--no-load", action="store_true", help="staleness only")
    parser.add_argument(
        "--staleness-under-load",
        action="store_true",
        help="measure the staleness while wrk reads the hot set through Varnish",
    )
    return parser.parse_args()


def hot_set(database_url: str, size: int, seed: int) -> tuple[list[int], int]:
    """Return `size` claim ids drawn with `seed`, and a claim with a verdict."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        top = connection.execute("SELECT max(id) FROM claims_claim").fetchone()[0]
        judged = connection.execute(
            "SELECT id FROM claims_claim WHERE status IN "
            "('verified', 'misleading', 'false', 'disputed', 'unverifiable') "
            "AND rationale <> '' ORDER BY id LIMIT 1"
        ).fetchone()
        draw = random.Random(seed)
        ids: set[int] = set()
        while len(ids) < size:
            candidates = [draw.randint(1, top) for _ in range(size * 2)]
            rows = connection.execute(
                "SELECT id FROM claims_claim WHERE id = ANY(%s)", (candidates,)
            ).fetchall()
            ids.update(row[0] for row in rows)
    if judged is None:
        raise SystemExit("No claim with a verdict and a rationale in the database.")
    ids.discard(judged[0])
    hot = [*sorted(ids)[: size - 1], judged[0]]
    return hot, judged[0]


def environment(options, purge_url: str) -> dict[str, str]:
    env = server_environment(options.database_url, options.cache_url)
    env.update(
        JOBS_MODE="queue",
        FACTCHECK_FRONT_CACHE_PURGE_URLS=purge_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    return env


def start_gunicorn(options, port: int, env: dict[str, str], log) -> subprocess.Popen:
    command = [
        str(gunicorn_path()),
        "factcheck.wsgi",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        str(options.workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(options.server_threads),
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


WRK_SCRIPT = """
local paths = {%s}
math.randomseed(%d)
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
done = function(summary, latency, requests)
  io.write(string.format("P50 %%d\\nP95 %%d\\nP99 %%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def run_wrk(options, port: int, paths: list[str], directory: Path) -> dict:
    script = directory / "hot.lua"
    quoted = ", ".join(f'"{path}"' for path in paths)
    script.write_text(WRK_SCRIPT % (quoted, options.seed))
    done = subprocess.run(
        [
            "wrk",
            "--threads=1",
            f"--connections={options.connections}",
            f"--duration={options.duration}s",
            "--timeout=30s",
            f"--script={script}",
            f"http://{HOST}:{port}/",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}")
    output = done.stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "p50": int(re.search(r"P50 (\d+)", output)[1]) / 1000,
        "p95": int(re.search(r"P95 (\d+)", output)[1]) / 1000,
        "p99": int(re.search(r"P99 (\d+)", output)[1]) / 1000,
        "non_2xx": int(non_2xx[1]) if non_2xx else 0,
        "socket_errors": errors[1] if errors else "none",
    }


def show(label: str, figures: dict) -> None:
    print(
        f"{label:<22} {figures['rps']:>9.0f} req/s   p50 {figures['p50']:7.2f} ms   "
        f"p95 {figures['p95']:7.2f} ms   p99 {figures['p99']:7.2f} ms   "
        f"non-2xx {figures['non_2xx']}   socket errors {figures['socket_errors']}"
    )


def hot_pages(options, app_port: int, varnish: Varnish, paths: list[str]) -> None:
    for path in paths:  # warm: the app's store, then Varnish's
        for port in (app_port, varnish.port):
            status, _, _ = request(port, path)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
    status, headers, _ = request(varnish.port, paths[-1])
    print(
        f"through Varnish, a warm page: X-Front-Cache {headers['X-Front-Cache']}, "
        f"X-Varnish {headers['X-Varnish']}"
    )
    app = run_wrk(options, app_port, paths, varnish.directory)
    show("app alone", app)
    before = varnish.counters()
    front = run_wrk(options, varnish.port, paths, varnish.directory)
    after = varnish.counters()
    show("through Varnish", front)
    delta = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    print(
        f"Varnish over the run: {delta.get('cache_hit', 0)} hits, "
        f"{delta.get('cache_miss', 0)} misses, {delta.get('s_pass', 0)} passes; "
        f"through Varnish / app alone: {front['rps'] / app['rps']:.1f}x"
    )


def revise(claim_id: int, rationale: str) -> float:
    """Revise the claim's verdict's rationale as the drill's reviewer; return when
    it committed (time.monotonic())."""
    from django.contrib.auth.models import Group, User

    from claims.models import Claim
    from claims.services.claims import claim_set_status
    from claims.workflow import REVIEWERS_GROUP

    reviewer, _ = User.objects.get_or_create(
        username=REVIEWER, defaults={"is_staff": True}
    )
    reviewer.groups.add(Group.objects.get(name=REVIEWERS_GROUP))
    reviewer = User.objects.get(pk=reviewer.pk)  # permissions read afresh
    claim = Claim.objects.get(pk=claim_id)
    claim_set_status(
        claim=claim,
        status=claim.status,
        by=reviewer,
        rationale=rationale,
        change_reason="Front cache drill: the rationale revised.",
    )
    return time.monotonic()


def staleness(
    options, env: dict[str, str], varnish: Varnish, claim_id: int, paths: list[str]
) -> None:
    os.environ.update(env)
    import django

    django.setup()
    log = open(varnish.directory / "worker.log", "w")  # noqa: SIM115
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    page, api = f"/claims/{claim_id}/", f"/api/v1/claims/{claim_id}/"
    seconds = []
    load = None
    if options.staleness_under_load:
        script = varnish.directory / "spike.lua"
        quoted = ", ".join(f'"{path}"' for path in paths)
        script.write_text(WRK_SCRIPT % (quoted, options.seed))
        load = subprocess.Popen(
            [
                "wrk",
                "--threads=1",
                f"--connections={options.connections}",
                "--duration=600s",
                f"--script={script}",
                f"http://{HOST}:{varnish.port}/",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(
            f"wrk reads the hot set through Varnish meanwhile "
            f"({options.connections} connections)"
        )
    try:
        time.sleep(3)  # the worker connects and listens
        for round_ in range(1, options.rounds + 1):
            for path in (page, api):
                request(varnish.port, path)
                _, headers, _ = request(varnish.port, path)
                if headers["X-Front-Cache"] != "hit":
                    raise RuntimeError(f"{path} not cached by Varnish before round")
            token = f"frontcache-drill-{secrets.token_hex(6)}"
            committed = revise(claim_id, f"Rationale revised by the drill ({token}).")
            pending = {page, api}
            while pending and time.monotonic() - committed < 120:
                for path in list(pending):
                    _, _, body = request(varnish.port, path)
                    if token.encode() in body:
                        pending.discard(path)
                if pending:
                    time.sleep(0.02)
            if pending:
                raise RuntimeError(f"still stale after 120 s: {sorted(pending)}")
            took = time.monotonic() - committed
            seconds.append(took)
            print(
                f"round {round_}: Varnish served the revised verdict "
                f"{took:.2f} s after the commit (page and API)"
            )
        time.sleep(6)  # the repeated purges (REPURGE_AFTER_SECONDS) run
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT status, count(*) FROM procrastinate_jobs "
                "WHERE task_name = 'frontcache.purge' GROUP BY status ORDER BY 1"
            )
            jobs = ", ".join(f"{status} {count}" for status, count in cursor)
        print(f"purge jobs in this database's queue, ever: {jobs}")
    finally:
        if load is not None:
            load.terminate()
            load.wait()
        stop(worker)
    print(
        f"staleness after a revision: max {max(seconds):.2f} s over "
        f"{len(seconds)} rounds (without the purge: up to CACHE_MAX_AGE + "
        "CACHE_STALE_WHILE_REVALIDATE)"
    )


def main() -> None:
    options = parse_arguments()
    for program in ("wrk", "varnishstat"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is missing")
    app_port = free_port()
    varnish = Varnish(app_port)
    env = environment(options, varnish.url)
    ids, judged = hot_set(options.database_url, options.hot_claims, options.seed)
    paths = [f"/claims/{claim_id}/" for claim_id in ids] + [LIST_URL]
    with varnish:
        log = open(varnish.directory / "gunicorn.log", "w")  # noqa: SIM115
        server = start_gunicorn(options, app_port, env, log)
        try:
            print(
                f"gunicorn {options.workers} workers x {options.server_threads} "
                f"threads on {HOST}:{app_port} (up after "
                f"{wait_until_up(server, app_port):.1f} s); varnishd on "
                f"{HOST}:{varnish.port}; {options.database_url.rsplit('/', 1)[-1]}, "
                f"CACHE_URL {options.cache_url or 'per process'}; "
                f"{os.getloadavg()[0]:.2f} load"
            )
            if not options.no_load:
                print(
                    f"hot set: {len(ids)} claim pages and {LIST_URL}, "
                    f"{options.connections} connections, {options.duration} s"
                )
                hot_pages(options, app_port, varnish, paths)
            if not options.no_staleness:
                staleness(options, env, varnish, judged, paths)
        finally:
            stop(server)


if __name__ == "__main__":
    main()
