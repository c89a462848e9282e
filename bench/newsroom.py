"""Load that looks like a newsroom: readers at a set rate, editors, partners.

    .venv/bin/python bench/load.py --profile newsroom \\
        --database-url postgres://postgres@127.0.0.1:5432/fc_newsroom1m \\
        --cache-url redis://127.0.0.1:6379/8
    ... --rates 200,300,400 --step-duration 30      # chosen reader rates
    ... --front http://127.0.0.1:6081 --port 8001   # through a front cache

Three classes of clients, in one asyncio process, against gunicorn (production
settings, --workers x --server-threads, throttles raised as in the stress profile)
and one job-queue worker (`manage.py procrastinate worker`, which gives the events
their feed positions and runs the re-checks a write defers):

- **readers**, anonymous, at a set arrival rate (an open model: requests are sent
  when their time comes, whether or not earlier ones were answered; Poisson
  arrivals by default, --arrivals uniform for evenly spaced ones). Each request is
  one of the hot pages: a claim's public page `/claims/<id>/` (40%), the same
  claim in the API `/api/v1/claims/<id>/` (30%), a metric's public page
  `/metrics/<slug>/` (15%) and the first page of the claims list
  `/api/v1/claims/` (15%), drawn uniformly from --hot-claims claims with a verdict
  (a viral fact-check has one) and the metrics of the first --hot-metrics of them.
  Their latency runs from the request's scheduled time, so time spent waiting for
  one of the --reader-connections keep-alive connections counts (no coordinated
  omission).
- **editors**, --editors of them, signed in, each doing one action every
  --editor-interval seconds (think time; an action late by more than the interval
  is not made up) in this order, on a claim of its own (--claims-per-editor,
  taken in turn): search the list (`?q=<word>`, token), open the claim (its admin
  change page with a session cookie every other time, else the API with the
  token), edit it (GET for the ETag, then PATCH `editor_note` with `If-Match`),
  `POST /api/v1/claims/match/` with its text, and set a verdict (docs/domain.md's
  workflow: the editor moves an unverified claim to in review; a verdict already
  set is reopened; then the editor's reviewer, a second account in the Reviewers
  group, sets a verdict with a rationale, so the four-eyes rule holds). Each
  request is a sample; the class's latency runs from the request's send.
- **partners**, --partners of them, anonymous, polling the events feed every
  --partner-interval seconds from the position they last saw
  (`GET /api/v1/events/?after=<position>` with the last ETag in `If-None-Match`;
  200 or 304), following `next` while `has_more`.

The setup writes into --database-url, once per run: 2 x --editors staff users
(`newsroom-editor-<n>` in the Editors group, `newsroom-reviewer-<n>` in the
Reviewers group, unusable passwords, made again if missing), their API tokens and,
for the editors, a database session for the admin. The load then edits claims,
sets verdicts and records events there: run it on a copy of its own (createdb -T
<source> <copy>), never on a shared database.

Before the steps, every hot page is read twice through --front (or gunicorn) and
each editor request kind is sent a few times, so that no step pays the first
call of a worker (quantulum3's tables, the matcher). Then one step per reader
rate (--rates, or --start-rate, +--rate-step until --max-rate), --step-duration
seconds each; editors and partners run throughout and each sample counts in the
step it was sent in. After each step it prints per class (and per kind of
request) count, p50, p95, max and errors (any answer but the expected status, or
none in --timeout seconds), the reader rate achieved, the share of the readers'
200s saying `X-Cache: hit` (through a front, `X-Front-Cache: hit`), and the CPU
used during the step by gunicorn, this database's PostgreSQL backends, the job
worker, the front cache (varnishd) and this load generator, beside the machine's
busy share and load average. The rate steps up until a step where the readers or
the partners (the classes the rate loads) have p95 >= --target-ms or an error
(--all-steps: every rate); then it prints the highest rate at which every class
had p95 < --target-ms and no error, every lower rate having passed too, and the
same for readers and partners alone (the editors' latency is the cost of their
own requests: the admin page, match, search). The exit status is 1 when no rate
held for every class. --editors 0 or --partners 0 leaves that class out (and
out of the judgement): readers alone say what the editors' requests cost them.

--front URL sends every class to a front cache already listening there;
--front-vcl FILE starts varnishd (Debian's package; `-j none -s malloc,256m`, a
working directory of its own) on a free port with that VCL, its one backend's
.host and .port rewritten to this gunicorn (e.g. docker/varnish/default.vcl). Its
answers' X-Front-Cache gives the front's hit share (the app's X-Cache then is the
stored answer's). --port fixes gunicorn's port for a front started by hand.
Signed-in requests pass through the front. With either option the app and its job
worker get FACTCHECK_FRONT_CACHE_PURGE_URLS naming the front, so the editors'
verdicts purge it by tag as in production. Loopback only.

The generator is one Python process (asyncio, the standard library's streams, no
HTTP library): its CPU is printed per step, so a step it could not keep up with
shows (readers answered less than the rate; its share near one core).
"""

import argparse
import asyncio
import json
import math
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only, by design
TARGET_MS = 300
CLASSES = ("reader", "editor", "partner")
# The classes whose load the rate steps up: a step stops the run when one of them
# misses (editors' latency is their own requests' cost, not the rate's).
RATED = ("reader", "partner")
# (kind, weight) of the readers' requests.
READER_MIX = [("claim_page", 40), ("claim_api", 30), ("metric_page", 15), ("list", 15)]
EDITOR_ACTIONS = ("search", "open", "edit", "match", "verdict")
SEARCH_WORDS = ["imports", "inflation", "exports", "public debt", "reserves", "trade"]
VERDICT_CHOICES = ["verified", "misleading", "false", "disputed", "unverifiable"]
# A keep-alive connection idle this long is reopened before a request: gunicorn
# closes one idle for 2 s (its --keep-alive), and a write must not be sent twice.
IDLE_REOPEN_SECONDS = 1.5
WARM_TIMEOUT = 120
JSON = "application/json"
HTML = "text/html,application/xhtml+xml"


# --- The pure parts: schedule, summary, decision (tests/bench/test_newsroom.py) ---


def rate_steps(start: int, step: int, maximum: int) -> list[int]:
    """Return the reader rates to try: start, start + step, ... up to maximum."""
    if start < 1 or step < 1 or maximum < start:
        raise ValueError("rates need start >= 1, step >= 1 and maximum >= start")
    return list(range(start, maximum + 1, step))


def arrival_times(
    rate: float, duration: float, rng: random.Random, *, poisson: bool = True
) -> list[float]:
    """Return the send times (seconds from the step's start) of `rate` req/s.

    Poisson arrivals (exponential gaps, as independent readers arrive) or evenly
    spaced ones; every time lies in [0, duration).
    """
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    if not poisson:
        return [number / rate for number in range(math.ceil(rate * duration))]
    times = []
    moment = rng.expovariate(rate)
    while moment < duration:
        times.append(moment)
        moment += rng.expovariate(rate)
    return times


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (share in (0, 1])."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Sample:
    """One request: its class, kind, step, latency (s) and outcome."""

    cls: str
    kind: str
    step: int
    latency: float
    outcome: str  # the status as text, or "no answer"
    ok: bool
    cache: str = ""  # "<X-Front-Cache>/<X-Cache>" of a reader's answer, "-" if none


@dataclass
class Stats:
    count: int = 0
    p50: float = 0.0
    p95: float = 0.0
    max: float = 0.0
    errors: Counter = field(default_factory=Counter)


def stats_of(samples: list[Sample]) -> Stats:
    latencies = sorted(sample.latency for sample in samples)
    if not latencies:
        return Stats()
    return Stats(
        count=len(latencies),
        p50=percentile(latencies, 0.50),
        p95=percentile(latencies, 0.95),
        max=latencies[-1],
        errors=Counter(
            f"{sample.kind} {sample.outcome}" for sample in samples if not sample.ok
        ),
    )


def summarize(samples: list[Sample]) -> dict[str, tuple[Stats, dict[str, Stats]]]:
    """Return, per class, its stats and its stats per kind of request."""
    by_class: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_class[sample.cls].append(sample)
    summary = {}
    for cls, members in by_class.items():
        by_kind: dict[str, list[Sample]] = defaultdict(list)
        for sample in members:
            by_kind[sample.kind].append(sample)
        summary[cls] = (
            stats_of(members),
            {kind: stats_of(kind_samples) for kind, kind_samples in by_kind.items()},
        )
    return summary


def failures(
    summary: dict[str, tuple[Stats, dict[str, Stats]]],
    classes: tuple[str, ...] = CLASSES,
    target_ms: float = TARGET_MS,
) -> list[str]:
    """Return why a step missed the target (empty: every class met it).

    A class with no request in the step fails it: nothing was shown to hold.
    """
    reasons = []
    for cls in classes:
        if cls not in summary or summary[cls][0].count == 0:
            reasons.append(f"{cls}: no requests")
            continue
        stats = summary[cls][0]
        if stats.p95 * 1000 >= target_ms:
            reasons.append(f"{cls}: p95 {stats.p95 * 1000:.0f} ms >= {target_ms} ms")
        if stats.errors:
            reasons.append(f"{cls}: {sum(stats.errors.values())} errors")
    return reasons


def highest_passing_rate(steps: list[tuple[int, list[str]]]) -> int | None:
    """Return the highest rate held: it and every step before it passed.

    `steps` are (rate, failure reasons) in the order run (rising rates); a pass at
    a higher rate after a failure does not count (noise, not a rate that holds).
    """
    held = None
    for rate, reasons in steps:
        if reasons:
            break
        held = rate
    return held


def reader_paths(
    rng: random.Random, count: int, hot_claims: list[int], hot_metrics: list[str]
) -> list[tuple[str, str, str]]:
    """Return `count` (kind, path, Accept) of the readers' mix, drawn with rng."""
    kinds = rng.choices(
        [kind for kind, _ in READER_MIX], [weight for _, weight in READER_MIX], k=count
    )
    chosen = []
    for kind in kinds:
        if kind == "claim_page":
            chosen.append((kind, f"/claims/{rng.choice(hot_claims)}/", HTML))
        elif kind == "claim_api":
            chosen.append((kind, f"/api/v1/claims/{rng.choice(hot_claims)}/", JSON))
        elif kind == "metric_page":
            chosen.append((kind, f"/metrics/{rng.choice(hot_metrics)}/", HTML))
        else:
            chosen.append((kind, "/api/v1/claims/", JSON))
    return chosen


# --- HTTP over asyncio streams ---


class Connection:
    """One keep-alive HTTP/1.1 connection; answers (status, headers, body)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        if self.writer is not None and (
            time.monotonic() - self.last_used > IDLE_REOPEN_SECONDS
        ):
            self.close()
        retry = method in {"GET", "HEAD"}
        for attempt in (1, 2):
            fresh = self.writer is None
            if self.reader is None or self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(
                    self.host, self.port
                )
            reader, writer = self.reader, self.writer
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
            lines += [f"{name}: {value}" for name, value in headers.items()]
            if body or method not in {"GET", "HEAD"}:
                lines.append(f"Content-Length: {len(body)}")
            lines += ["", ""]
            try:
                writer.write("\r\n".join(lines).encode() + body)
                await writer.drain()
                answer = await self._response(reader, method)
                self.last_used = time.monotonic()
                return answer
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                # A connection reused and found closed: a read is sent again; a
                # write only if the connection was not fresh and nothing answered.
                if attempt == 2 or fresh or not retry:
                    raise
        raise AssertionError("unreachable")

    async def _response(
        self, reader: asyncio.StreamReader, method: str
    ) -> tuple[int, dict[str, str], bytes]:
        status = int((await reader.readuntil(b"\r\n")).split()[1])
        headers: dict[str, str] = {}
        while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = b""
        if method == "HEAD" or status in {204, 304}:
            pass
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append((await reader.readexactly(size + 2))[:-2])
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # trailers
            body = b"".join(parts)
        else:
            body = await reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Pool:
    """At most `size` keep-alive connections, handed out in turn."""

    def __init__(self, host: str, port: int, size: int):
        self.idle = [Connection(host, port) for _ in range(size)]
        self.waiters: list[asyncio.Future] = []

    async def acquire(self) -> Connection:
        if self.idle:
            return self.idle.pop()
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        return await waiter

    def release(self, connection: Connection) -> None:
        while self.waiters:
            waiter = self.waiters.pop(0)
            if not waiter.done():
                waiter.set_result(connection)
                return
        self.idle.append(connection)


# --- CPU accounting from /proc ---

TICKS = os.sysconf("SC_CLK_TCK")


def process_times() -> dict[int, tuple[str, int, float]]:
    """Return pid -> (command, process group, CPU seconds) of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        command = text[text.index("(") + 1 : text.rindex(")")]
        rest = text[text.rindex(")") + 2 :].split()
        found[int(entry)] = (
            command,
            int(rest[2]),
            (int(rest[11]) + int(rest[12])) / TICKS,
        )
    return found


def machine_busy() -> tuple[float, float]:
    """Return (busy, total) jiffies of all CPUs since boot."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class CpuSnapshot:
    at: float
    processes: dict[int, tuple[str, int, float]]
    backends: set[int]
    machine: tuple[float, float]
    generator: float


def generator_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_shares(
    before: CpuSnapshot,
    after: CpuSnapshot,
    groups: dict[str, int],
    *,
    any_varnish: bool = False,
) -> dict[str, float]:
    """Return the share of one core each part used between two snapshots.

    `groups` name process groups (gunicorn, the job worker, our varnishd);
    any_varnish counts every varnishd of the machine as "front" (one started
    elsewhere, with --front).
    """
    wall = after.at - before.at

    def used(pids) -> float:
        return sum(
            after.processes[pid][2]
            - (before.processes[pid][2] if pid in before.processes else 0.0)
            for pid in pids
            if pid in after.processes
        )

    shares = {
        name: used(pid for pid, (_, group, _) in after.processes.items() if group == pg)
        / wall
        for name, pg in groups.items()
    }
    shares["postgres"] = used(after.backends) / wall
    if any_varnish:
        shares["front"] = (
            used(
                pid
                for pid, (command, _, _) in after.processes.items()
                if command in {"varnishd", "cache-main"}
            )
            / wall
        )
    shares["generator"] = (after.generator - before.generator) / wall
    busy = after.machine[0] - before.machine[0]
    total = after.machine[1] - before.machine[1]
    shares["machine"] = busy / total if total else 0.0
    return shares


# --- Setup (ORM, in this process) ---


def prepare(arguments) -> dict:
    """Set Django up in this process, run setup_newsroom, close its connections."""
    import django

    django.setup()
    from django.db import connections

    data = setup_newsroom(arguments)
    connections.close_all()
    return data


def setup_newsroom(arguments) -> dict:
    """Make the users, tokens and sessions; pick the hot set and editors' claims."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, User
    from django.db.models import Max
    from rest_framework.authtoken.models import Token

    from claims.models import Claim
    from claims.workflow import EDITORS_GROUP, REVIEWERS_GROUP
    from events.models import Event

    rng = random.Random(arguments.seed)
    store = import_module(settings.SESSION_ENGINE).SessionStore
    groups = {
        "editor": Group.objects.get(name=EDITORS_GROUP),
        "reviewer": Group.objects.get(name=REVIEWERS_GROUP),
    }
    pairs = []
    for number in range(arguments.editors):
        pair = {}
        for role, group in groups.items():
            user, _ = User.objects.get_or_create(
                username=f"newsroom-{role}-{number}", defaults={"is_staff": True}
            )
            if not user.is_staff or user.has_usable_password():
                user.is_staff = True
                user.set_unusable_password()
                user.save()
            user.groups.add(group)
            pair[f"{role}_token"] = Token.objects.get_or_create(user=user)[0].key
            if role == "editor":
                session = store()
                session[SESSION_KEY] = str(user.pk)
                session[BACKEND_SESSION_KEY] = (
                    "django.contrib.auth.backends.ModelBackend"
                )
                session[HASH_SESSION_KEY] = user.get_session_auth_hash()
                session.create()
                pair["session"] = session.session_key
        pairs.append(pair)
    reviewed = list(
        Claim.objects.reviewed().order_by("id").values_list("id", flat=True)
    )
    hot = rng.sample(reviewed, min(arguments.hot_claims, len(reviewed)))
    if len(hot) < arguments.hot_claims:
        raise SystemExit(
            f"only {len(reviewed)} claims with a verdict for --hot-claims "
            f"{arguments.hot_claims}"
        )
    metric_of = dict(Claim.objects.filter(pk__in=hot).values_list("id", "metric__slug"))
    hot_metrics: list[str] = []
    for claim_id in hot:
        slug = metric_of.get(claim_id)
        if (
            slug
            and slug not in hot_metrics
            and len(hot_metrics) < arguments.hot_metrics
        ):
            hot_metrics.append(slug)
    if not hot_metrics:
        raise SystemExit("none of the hot claims has a metric: no metric page to read")
    ids = list(Claim.objects.order_by("id").values_list("id", flat=True))
    hot_set = set(hot)
    wanted = arguments.editors * arguments.claims_per_editor
    if wanted > len(ids) - len(hot_set):
        raise SystemExit(
            f"--editors x --claims-per-editor ({wanted}) is more than the "
            f"{len(ids) - len(hot_set)} claims outside the hot set"
        )
    editable = rng.sample([pk for pk in ids if pk not in hot_set], wanted)
    for number, pair in enumerate(pairs):
        start = number * arguments.claims_per_editor
        pair["claims"] = editable[start : start + arguments.claims_per_editor]
    data = {
        "pairs": pairs,
        "hot_claims": hot,
        "hot_metrics": hot_metrics,
        "claims": len(ids),
        "last_position": Event.objects.aggregate(last=Max("position"))["last"] or 0,
    }
    return data


# --- The clients ---


@dataclass
class Run:
    """What the clients share: where to send, the current step, the samples."""

    host: str
    port: int
    timeout: float
    samples: list[Sample] = field(default_factory=list)
    step: int | None = None  # None between steps: samples then are not kept
    stopping: bool = False
    events_seen: int = 0  # by all the partners

    def record(self, cls, kind, step, latency, outcome, ok, cache=""):
        if step is not None:
            self.samples.append(Sample(cls, kind, step, latency, outcome, ok, cache))


async def send(
    run: Run,
    connection: Connection,
    method: str,
    path: str,
    headers: dict[str, str],
    payload: object = None,
) -> tuple[int | str, dict[str, str], bytes, float]:
    """Send one request; return (status or "no answer", headers, body, latency)."""
    body = json.dumps(payload).encode() if payload is not None else b""
    if payload is not None:
        headers = {**headers, "Content-Type": JSON}
    started = time.monotonic()
    try:
        status, answer_headers, answer = await asyncio.wait_for(
            connection.request(method, path, headers, body), run.timeout
        )
    except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
        connection.close()
        return "no answer", {}, b"", time.monotonic() - started
    return status, answer_headers, answer, time.monotonic() - started


async def read_once(run: Run, pool: Pool, step: int, scheduled: float, request):
    kind, path, accept = request
    connection = await pool.acquire()
    try:
        left = run.timeout - (time.monotonic() - scheduled)
        try:
            if left <= 0:
                raise TimeoutError
            status, headers, _ = await asyncio.wait_for(
                connection.request("GET", path, {"Accept": accept}), left
            )
            outcome = str(status)
            cache = f"{headers.get('x-front-cache', '-')}/{headers.get('x-cache', '-')}"
            ok = status == 200
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError):
            connection.close()
            outcome, cache, ok = "no answer", "", False
    finally:
        pool.release(connection)
    run.record(
        "reader", kind, step, time.monotonic() - scheduled, outcome, ok, cache=cache
    )


async def readers_step(
    run: Run, pool: Pool, step: int, rate: int, arguments, data, rng
) -> float:
    """Send one step's reader requests on schedule; wait for them; return its span."""
    times = arrival_times(
        rate, arguments.step_duration, rng, poisson=arguments.arrivals == "poisson"
    )
    requests = reader_paths(rng, len(times), data["hot_claims"], data["hot_metrics"])
    began = time.monotonic()
    run.step = step
    tasks = []
    for offset, request in zip(times, requests, strict=True):
        scheduled = began + offset
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(
            asyncio.create_task(read_once(run, pool, step, scheduled, request))
        )
    delay = began + arguments.step_duration - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)
    span = time.monotonic() - began
    run.step = None
    await asyncio.gather(*tasks)
    return span


async def editor(run: Run, number: int, pair: dict, arguments, rng) -> None:
    """One editor (with their reviewer): an action every --editor-interval s."""
    connection = Connection(run.host, run.port)
    as_editor = {"Accept": JSON, "Authorization": f"Token {pair['editor_token']}"}
    as_reviewer = {"Accept": JSON, "Authorization": f"Token {pair['reviewer_token']}"}
    admin = {"Accept": HTML, "Cookie": f"sessionid={pair['session']}"}
    next_at = time.monotonic() + rng.uniform(0, arguments.editor_interval)
    turn = rng.randrange(len(EDITOR_ACTIONS))  # editors start at different actions
    state: dict = {}

    async def call(kind, method, path, headers, payload=None, parse=False):
        step = run.step
        status, answer_headers, body, latency = await send(
            run, connection, method, path, headers, payload
        )
        run.record("editor", kind, step, latency, str(status), status == 200)
        if status != 200:
            return None, {}
        return answer_headers, json.loads(body) if parse else {}

    while not run.stopping:
        delay = next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if run.stopping:
            break
        cycle, action = divmod(turn, len(EDITOR_ACTIONS))
        claim = pair["claims"][cycle % len(pair["claims"])]
        api = f"/api/v1/claims/{claim}/"
        if action == 0:  # search
            word = rng.choice(SEARCH_WORDS).replace(" ", "+")
            await call("search", "GET", f"/api/v1/claims/?q={word}", as_editor)
        elif action == 1:  # open
            if arguments.admin_opens and (cycle + number) % 2:
                await call(
                    "open_admin", "GET", f"/admin/claims/claim/{claim}/change/", admin
                )
            else:
                await call("open_api", "GET", api, as_editor)
        elif action == 2:  # edit: read for the ETag, then PATCH with If-Match
            headers, read = await call("edit_read", "GET", api, as_editor, parse=True)
            if headers is not None:
                state = {
                    "claim": claim,
                    "status": read.get("status"),
                    "text": read.get("text", ""),
                }
                await call(
                    "edit",
                    "PATCH",
                    api,
                    {**as_editor, "If-Match": headers.get("etag", "*")},
                    {"editor_note": f"newsroom bench: editor {number}, turn {turn}."},
                )
        elif action == 3:  # match the claim's text
            text = state.get("text") if state.get("claim") == claim else None
            await call(
                "match",
                "POST",
                "/api/v1/claims/match/",
                as_editor,
                {"text": text or "India's rice imports totalled 600 million tonnes."},
            )
        else:  # verdict: to review (editor) or reopen (reviewer), then the verdict
            status = state.get("status") if state.get("claim") == claim else None
            if status is None:
                _, read = await call("verdict_read", "GET", api, as_editor, parse=True)
                status = read.get("status")
            moved = True
            if status == "unverified":
                answer, _ = await call(
                    "to_review", "PATCH", api, as_editor, {"status": "in_review"}
                )
                moved = answer is not None
            elif status in VERDICT_CHOICES:
                answer, _ = await call(
                    "reopen", "PATCH", api, as_reviewer, {"status": "in_review"}
                )
                moved = answer is not None
            if moved and status is not None:
                await call(
                    "verdict",
                    "PATCH",
                    api,
                    as_reviewer,
                    {
                        "status": rng.choice(VERDICT_CHOICES),
                        "rationale": f"newsroom bench: reviewer {number}, turn {turn}.",
                    },
                )
            state = {}
        turn += 1
        next_at = max(next_at + arguments.editor_interval, time.monotonic())
    connection.close()


async def partner(run: Run, arguments, data: dict, rng: random.Random) -> None:
    """One partner polling the events feed from the last position it saw."""
    connection = Connection(run.host, run.port)
    after = data["last_position"]
    etag = None
    next_at = time.monotonic() + rng.uniform(0, arguments.partner_interval)
    while not run.stopping:
        delay = next_at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if run.stopping:
            break
        more = True
        while more and not run.stopping:
            step = run.step
            headers = {"Accept": JSON}
            if etag:
                headers["If-None-Match"] = etag
            status, answer_headers, body, latency = await send(
                run, connection, "GET", f"/api/v1/events/?after={after}", headers
            )
            run.record(
                "partner", "events", step, latency, str(status), status in {200, 304}
            )
            more = False
            if status == 200:
                page = json.loads(body)
                if page["results"]:
                    run.events_seen += len(page["results"])
                    after = page["results"][-1]["position"]
                    etag = None
                    more = bool(page.get("has_more"))
                else:
                    etag = answer_headers.get("etag")
        next_at = max(next_at + arguments.partner_interval, time.monotonic())
    connection.close()


async def warm(run: Run, data: dict, pool: Pool) -> None:
    """Read every hot page twice; send each editor request kind a few times."""
    paths = [(f"/claims/{pk}/", HTML) for pk in data["hot_claims"]]
    paths += [(f"/api/v1/claims/{pk}/", JSON) for pk in data["hot_claims"]]
    paths += [(f"/metrics/{slug}/", HTML) for slug in data["hot_metrics"]]
    paths.append(("/api/v1/claims/", JSON))

    async def get(connection, path, headers):
        status, *_ = await send(run, connection, "GET", path, headers)
        if status != 200:
            raise SystemExit(f"warming: GET {path} answered {status}")

    async def read_all(share: list[tuple[str, str]]):
        connection = await pool.acquire()
        try:
            for path, accept in share:
                await get(connection, path, {"Accept": accept})
        finally:
            pool.release(connection)

    for _ in range(2):
        await asyncio.gather(*(read_all(paths[n::4]) for n in range(4)))

    async def editor_kinds(pair: dict):
        connection = Connection(run.host, run.port)
        token = {"Accept": JSON, "Authorization": f"Token {pair['editor_token']}"}
        claim = pair["claims"][0]
        await get(connection, f"/api/v1/claims/?q={SEARCH_WORDS[0]}", token)
        await get(
            connection,
            f"/admin/claims/claim/{claim}/change/",
            {"Accept": HTML, "Cookie": f"sessionid={pair['session']}"},
        )
        status, *_ = await send(
            run,
            connection,
            "POST",
            "/api/v1/claims/match/",
            token,
            {"text": "India's rice imports totalled 600 million tonnes last year."},
        )
        if status != 200:
            raise SystemExit(f"warming: POST /api/v1/claims/match/ answered {status}")
        connection.close()

    pairs = data["pairs"][:8]
    for _ in range(2):
        await asyncio.gather(*(editor_kinds(pair) for pair in pairs))


# --- Processes ---


def vcl_for(text: str, port: int) -> str:
    """Return the VCL with its one backend's .host and .port naming gunicorn."""
    text, hosts = re.subn(r'\.host = "[^"]*";', f'.host = "{HOST}";', text)
    text, ports = re.subn(r'\.port = "[^"]*";', f'.port = "{port}";', text)
    if hosts != 1 or ports != 1:
        raise SystemExit("--front-vcl: expected one backend with .host and .port")
    return text


def start_varnish(vcl: Path, backend_port: int, port: int, directory: Path, log):
    """Start varnishd in the foreground on `port`; return (process, port)."""
    from bench.load import free_port

    (directory / "front.vcl").write_text(vcl_for(vcl.read_text(), backend_port))
    process = subprocess.Popen(
        [
            "varnishd",
            "-F",
            "-j",
            "none",  # no jail: as root, its compiler user could not read /tmp
            "-n",
            str(directory / "varnish"),
            "-a",
            f"{HOST}:{port}",
            "-T",
            f"{HOST}:{free_port()}",
            "-f",
            str(directory / "front.vcl"),
            "-s",
            "malloc,256m",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"varnishd exited with {process.returncode}")
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            return process, port
        except OSError:
            time.sleep(0.2)
    raise SystemExit("varnishd did not listen within 30 s")


def start_processes(arguments, environment: dict, log) -> tuple:
    """Start gunicorn and one job worker; return them once gunicorn answers."""
    bin_dir = Path(sys.executable).parent
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    if not gunicorn.exists():
        gunicorn = bin_dir / "gunicorn"
    server = subprocess.Popen(
        [
            str(gunicorn),
            "factcheck.wsgi:application",
            "-b",
            f"{HOST}:{arguments.port}",
            "--workers",
            str(arguments.workers),
            "--threads",
            str(arguments.server_threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "procrastinate", "--skip-checks", "worker"],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(
                f"http://{HOST}:{arguments.port}/api/v1/metrics/", timeout=5
            ) as answer:
                if answer.status == 200:
                    return server, worker
        except (OSError, urllib.error.URLError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 90 s")


def snapshot(database: str, admin) -> CpuSnapshot:
    backends = {
        row[0]
        for row in admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database]
        )
    }
    return CpuSnapshot(
        at=time.monotonic(),
        processes=process_times(),
        backends=backends,
        machine=machine_busy(),
        generator=generator_cpu(),
    )


# --- Report ---


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def print_step(rate, span, step_samples, summary, shares, reasons) -> None:
    readers = [sample for sample in step_samples if sample.cls == "reader"]
    answered = [sample for sample in readers if sample.ok]
    front = [sample.cache.partition("/")[0] for sample in answered]
    app = [sample.cache.partition("/")[2] for sample in answered]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())

    def share(values, of="hit") -> str:
        return (
            f"{sum(1 for v in values if v == of) / len(values):.1%}" if values else "-"
        )

    print(
        f"\nrate {rate} req/s: readers answered {len(readers) / span:,.1f}/s; "
        + (
            f"X-Front-Cache hit {share(front)}"
            if any(value not in {"-", ""} for value in front)
            else f"X-Cache hit {share(app)}"
        )
        + f"; load average {load}; machine busy {shares['machine']:.0%} of "
        f"{os.cpu_count()} cores"
    )
    print(
        "CPU (share of one core): "
        + ", ".join(
            f"{name} {shares[name]:.0%}"
            for name in ("gunicorn", "postgres", "jobs", "front", "generator")
            if name in shares
        )
    )
    print(
        f"  {'class / kind':<22} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'errors':>7}"
    )
    for cls in CLASSES:
        if cls not in summary:
            print(f"  {cls:<22} {0:>7}")
            continue
        stats, kinds = summary[cls]
        for name, row in [(cls, stats)] + [
            (f"  {kind}", kinds[kind]) for kind in sorted(kinds)
        ]:
            print(
                f"  {name:<22} {row.count:>7} {ms(row.p50):>8} {ms(row.p95):>8} "
                f"{ms(row.max):>8} {sum(row.errors.values()):>7}"
            )
    errors: Counter[str] = Counter()
    for cls in summary.values():
        errors.update(cls[0].errors)
    for error, count in sorted(errors.items()):
        print(f"    error {error}: {count}")
    print("  PASS" if not reasons else "  MISS: " + "; ".join(reasons))


# --- Main ---


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="bench/load.py --profile newsroom", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--database-url", required=True, help="a copy of its own")
    parser.add_argument("--cache-url", default=None, help="CACHE_URL (Redis)")
    parser.add_argument("--rates", default=None, help="reader rates, e.g. 200,300")
    parser.add_argument("--start-rate", type=int, default=200)
    parser.add_argument("--rate-step", type=int, default=100)
    parser.add_argument("--max-rate", type=int, default=3000)
    parser.add_argument("--step-duration", type=float, default=30)
    parser.add_argument("--all-steps", action="store_true")
    parser.add_argument("--arrivals", choices=["poisson", "uniform"], default="poisson")
    parser.add_argument("--reader-connections", type=int, default=64)
    parser.add_argument("--hot-claims", type=int, default=100)
    parser.add_argument("--hot-metrics", type=int, default=10)
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--editor-interval", type=float, default=5)
    parser.add_argument("--claims-per-editor", type=int, default=10)
    parser.add_argument(
        "--admin-opens",
        type=int,
        choices=[0, 1],
        default=1,
        help="1: every other open is the admin page; 0: always the API",
    )
    parser.add_argument("--partners", type=int, default=5)
    parser.add_argument("--partner-interval", type=float, default=3)
    parser.add_argument("--timeout", type=float, default=10, help="seconds")
    parser.add_argument("--target-ms", type=float, default=TARGET_MS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's (0: free)")
    front = parser.add_mutually_exclusive_group()
    front.add_argument("--front", default=None, help="http://127.0.0.1:PORT")
    front.add_argument(
        "--front-vcl",
        type=Path,
        default=None,
        help="start varnishd with this VCL, its backend set to gunicorn",
    )
    parser.add_argument("--seed", type=int, default=27)
    arguments = parser.parse_args(argv)
    if arguments.rates:
        try:
            arguments.rate_list = [int(rate) for rate in arguments.rates.split(",")]
        except ValueError:
            parser.error("--rates: whole numbers, comma separated")
        if any(rate < 1 for rate in arguments.rate_list):
            parser.error("--rates: each rate must be 1 or more")
    else:
        try:
            arguments.rate_list = rate_steps(
                arguments.start_rate, arguments.rate_step, arguments.max_rate
            )
        except ValueError as error:
            parser.error(str(error))
    if not 1 <= arguments.step_duration <= 600:
        parser.error("--step-duration must be 1 to 600 seconds")
    if arguments.editors < 0 or arguments.partners < 0:
        parser.error("--editors and --partners must be 0 or more")
    if arguments.claims_per_editor < 1:
        parser.error("--claims-per-editor must be 1 or more")
    if arguments.front_vcl and not arguments.front_vcl.is_file():
        parser.error(f"--front-vcl: no file {arguments.front_vcl}")
    if arguments.front:
        parts = urlsplit(arguments.front)
        if parts.scheme != "http" or parts.hostname not in {HOST, "localhost"}:
            parser.error("--front must be http://127.0.0.1:PORT (loopback only)")
    return arguments


async def drive(arguments, data: dict, host: str, port: int, groups, database):
    import psycopg

    run = Run(host=host, port=port, timeout=arguments.timeout)
    pool = Pool(host, port, arguments.reader_connections)
    print("warming the hot pages and the editors' requests ...", flush=True)
    began = time.monotonic()
    # A first call may load what a worker has not yet (the matcher's tables).
    await warm(Run(host=host, port=port, timeout=WARM_TIMEOUT), data, pool)
    print(f"warm after {time.monotonic() - began:.0f} s", flush=True)
    rng = random.Random(arguments.seed)
    background = [
        asyncio.create_task(
            editor(run, number, pair, arguments, random.Random(arguments.seed + number))
        )
        for number, pair in enumerate(data["pairs"])
    ] + [
        asyncio.create_task(
            partner(run, arguments, data, random.Random(arguments.seed + 1000 + n))
        )
        for n in range(arguments.partners)
    ]
    results = []
    with psycopg.connect(arguments.database_url, autocommit=True) as admin:
        for step, rate in enumerate(arguments.rate_list):
            before = snapshot(database, admin)
            span = await readers_step(run, pool, step, rate, arguments, data, rng)
            after = snapshot(database, admin)
            step_samples = [sample for sample in run.samples if sample.step == step]
            summary = summarize(step_samples)
            # A class left out (--editors 0, --partners 0) is not judged.
            present = tuple(
                cls
                for cls, count in zip(
                    CLASSES, (1, arguments.editors, arguments.partners), strict=True
                )
                if count
            )
            reasons = failures(summary, present, target_ms=arguments.target_ms)
            rated = failures(
                summary,
                tuple(cls for cls in RATED if cls in present),
                target_ms=arguments.target_ms,
            )
            print_step(
                rate,
                span,
                step_samples,
                summary,
                cpu_shares(before, after, groups, any_varnish=bool(arguments.front)),
                reasons,
            )
            sys.stdout.flush()
            results.append((rate, reasons, rated))
            if rated and not arguments.all_steps:
                break
    run.stopping = True
    print(f"\npartners received {run.events_seen} events in all", flush=True)
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    return results


def main(argv=None) -> int:
    from bench.load import server_environment, stop

    arguments = parse_arguments(argv)
    if not arguments.port:
        from bench.load import free_port

        arguments.port = free_port()
    environment = server_environment(arguments.database_url)
    if arguments.cache_url:
        environment["CACHE_URL"] = arguments.cache_url
    front_port = None
    if arguments.front_vcl:
        from bench.load import free_port

        front_port = free_port()
    # The app purges the front cache it runs behind, as in production
    # (docs/frontcache.md): a revised verdict is not served for max-age.
    if front_port is not None:
        environment["FACTCHECK_FRONT_CACHE_PURGE_URLS"] = f"http://{HOST}:{front_port}/"
    elif arguments.front:
        environment["FACTCHECK_FRONT_CACHE_PURGE_URLS"] = arguments.front
    os.environ.update(environment)
    sys.path.insert(0, str(ROOT))
    database = urlsplit(arguments.database_url).path.lstrip("/")
    started = time.monotonic()
    data = prepare(arguments)
    print(
        f"newsroom load on {data['claims']:,} claims in {database}; gunicorn "
        f"{arguments.workers} workers x {arguments.server_threads} threads on "
        f"{HOST}:{arguments.port}, production settings, cache "
        f"{arguments.cache_url or os.environ.get('CACHE_URL') or 'locmem'}, one job "
        f"worker; readers ({arguments.arrivals}) at {arguments.rate_list} req/s, "
        f"{arguments.step_duration:.0f} s a step, on {len(data['hot_claims'])} hot "
        f"claims and {len(data['hot_metrics'])} metrics, {arguments.reader_connections}"
        f" connections; {arguments.editors} editors (an action every "
        f"{arguments.editor_interval:g} s); {arguments.partners} partners (every "
        f"{arguments.partner_interval:g} s)"
        + (f"; through the front at {arguments.front}" if arguments.front else "")
        + (f"; through varnishd ({arguments.front_vcl})" if arguments.front_vcl else "")
        + f" (setup {time.monotonic() - started:.0f} s)",
        flush=True,
    )
    if arguments.front:
        parts = urlsplit(arguments.front)
        host, port = parts.hostname, parts.port or 80
    else:
        host, port = HOST, arguments.port
    with (
        tempfile.TemporaryFile("w+") as log,
        tempfile.TemporaryDirectory(prefix="newsroom-") as directory,
    ):
        server, worker = start_processes(arguments, environment, log)
        front = None
        try:
            if arguments.front_vcl:
                front, port = start_varnish(
                    arguments.front_vcl,
                    arguments.port,
                    front_port,
                    Path(directory),
                    log,
                )
                print(
                    f"varnishd on {HOST}:{port} with {arguments.front_vcl} in front",
                    flush=True,
                )
            results = asyncio.run(
                drive(
                    arguments,
                    data,
                    host,
                    port,
                    {"gunicorn": server.pid, "jobs": worker.pid}
                    | ({"front": front.pid} if front is not None else {}),
                    database,
                )
            )
        except BaseException:
            log.seek(0)
            sys.stderr.write(log.read()[-3000:])
            raise
        finally:
            if front is not None:
                stop(front)
            stop(worker)
            stop(server)
        log.seek(0)
        tail = [line for line in log.read().splitlines() if line.strip()][-20:]
    if tail:
        print("\nserver and worker log (last lines):\n  " + "\n  ".join(tail))
    target = f"p95 < {arguments.target_ms:g} ms and 0 errors"
    held = highest_passing_rate([(rate, reasons) for rate, reasons, _ in results])
    rated = highest_passing_rate([(rate, reasons) for rate, _, reasons in results])
    tried = [rate for rate, *_ in results]
    print(
        f"\nhighest reader rate held, {target} for every class: "
        + (f"{held} req/s" if held is not None else f"none of {tried}")
    )
    print(
        f"highest reader rate held, {target} for readers and partners: "
        + (f"{rated} req/s" if rated is not None else f"none of {tried}")
        + ("" if results[-1][2] else " (no step missed: try higher rates)")
    )
    return 0 if held is not None else 1
