"""Drills with a real primary and streaming replica (bin/cluster): issue #16.

Django runs with the cluster's primary as DATABASE_URL and its replica as
DATABASE_REPLICA_URLS; the test database made on the primary reaches the replica by
streaming replication, and the alias replica_0 mirrors it (TEST MIRROR). Requests go
through the Django test client, from several threads where a drill needs load, and
through gunicorn where a web process is killed. Run them so (about a minute):

    FACTCHECK_CLUSTER_TESTS=1 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/factcheck \\
    DATABASE_REPLICA_URLS=postgres://postgres@127.0.0.1:55433/factcheck \\
    .venv/bin/python -m pytest tests/replicas/test_drills.py

The cluster is brought up if it is not (and then dropped at the end); one that is
up is reused and left up. Every wait is bounded.
"""

import http.client
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from urllib.parse import quote

import psycopg
import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from claims.models import Claim
from factcheck.db import replicas
from tests.factories import ClaimFactory, DocumentFactory, UserFactory
from tests.replicas.conftest import ROOT, cluster, cluster_names, eventually

CLAIMS = "/api/v1/claims/"
REPLICA = "replica_0"
NAMES = {
    os.environ.get("CLUSTER_PRIMARY_NAME", "factcheck_primary"),
    os.environ.get("CLUSTER_REPLICA_NAME", "factcheck_replica"),
}
ENABLED = (
    os.environ.get("FACTCHECK_CLUSTER_TESTS") == "1"
    and connection.vendor == "postgresql"
    and REPLICA in connections.settings
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.replicas,
    pytest.mark.skipif(
        not ENABLED,
        reason="needs the cluster: FACTCHECK_CLUSTER_TESTS=1, DATABASE_URL at its "
        "primary and DATABASE_REPLICA_URLS at its replica (see the docstring)",
    ),
    # Rows must be committed to reach the replica; the rollback restores the groups
    # the migrations made, for the transactional tests that follow.
    pytest.mark.django_db(
        transaction=True, serialized_rollback=True, databases="__all__"
    ),
]


@pytest.fixture(scope="session", autouse=True)
def replica_cluster():
    """Bring the cluster up before the test database is made; drop it if we made it."""
    if not ENABLED:
        yield
        return
    existed = NAMES & cluster_names()
    cluster("up")
    yield
    if not existed:
        cluster("down", check=False)


@pytest.fixture(autouse=True)
def no_throttling_in_the_load(monkeypatch):
    """The drills load the API as fast as 4 threads go: on a quiet machine a signed-
    in reader passes the user rate (2,000 a minute) and gets 429s, which is the
    throttle's work, not the replicas'. DRF reads its rates when it is imported, so
    they are raised on the throttle class itself."""
    rates = {**SimpleRateThrottle.THROTTLE_RATES, "user": "1000000/minute"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)


@pytest.fixture(autouse=True)
def quick_health(settings):
    """Check replicas every 0.2 s and retry one skipped after 0.5 s; heal after."""
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0.2
    settings.DATABASE_REPLICA_RETRY_SECONDS = 0.5
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 2
    replicas.health.reset()
    cache.clear()  # throttles and remembered writes of earlier tests
    yield
    heal_replica()
    connections.close_all()
    replicas.health.reset()


def heal_replica() -> None:
    """Start the replica if a drill stopped it; resume replay if one paused it."""
    try:
        with psycopg.connect(server_url(REPLICA), connect_timeout=2) as replica:
            state = replica.execute("SELECT pg_get_wal_replay_pause_state()").fetchone()
    except psycopg.OperationalError:
        cluster("start-replica")
        return
    if state[0] != "not paused":
        cluster("resume-replay")


@pytest.fixture
def served():
    """Record, per thread, the aliases the reads of requests were routed to."""
    record = threading.local()
    original = replicas.read_alias

    def recording():
        alias = original()
        if replicas.current_reads() is not None and hasattr(record, "aliases"):
            record.aliases.append(alias)
        return alias

    replicas.read_alias = recording
    yield record
    replicas.read_alias = original


def request_on(record, client, method: str, path: str, **extra):
    """Make a request; return its response and the aliases its reads went to."""
    record.aliases = []
    response = getattr(client, method)(path, **extra)
    aliases, record.aliases = record.aliases, []
    del record.aliases
    return response, aliases


def token_client(token: str) -> APIClient:
    """A client that keeps no cookies between calls: only its token names it."""
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def reader_token():
    return Token.objects.create(user=UserFactory(username="reader")).key


@pytest.fixture
def colleague_token():
    """An editor who has not written: reads the replica, with the staff audience."""
    user = UserFactory(username="colleague", is_staff=True, is_superuser=True)
    return Token.objects.create(user=user).key


@pytest.fixture
def writer_token():
    user = UserFactory(username="writer", is_staff=True, is_superuser=True)
    return Token.objects.create(user=user).key


def replicated(seconds: float = 10) -> None:
    """Wait until the replica has replayed everything committed on the primary."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        (lsn,) = cursor.fetchone()

    def caught_up():
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            return cursor.fetchone()[0]

    eventually(caught_up, seconds, "the replica to replay the primary's WAL")


def server_url(alias: str) -> str:
    params = connections[alias].settings_dict
    return (
        f"postgres://{quote(params['USER'] or '', safe='')}@{params['HOST']}:"
        f"{params['PORT']}/{params['NAME']}"
    )


def claim_scans(alias: str) -> int:
    """Scans of the claims table the server behind `alias` counted (its own stats)."""
    with psycopg.connect(server_url(alias), autocommit=True) as observer:
        row = observer.execute(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) "
            "FROM pg_stat_user_tables WHERE relname = 'claims_claim'"
        ).fetchone()
    return row[0] if row else 0


def claim_body(document, text: str) -> dict:
    return {
        "text": text,
        "quote": "plunging from four billion dollars to $1.5 billion",
        "document": document.pk,
    }


def test_reads_go_to_the_replica_and_writes_to_the_primary(
    served, reader_token, writer_token
):
    claims = ClaimFactory.create_batch(3)
    replicated()
    assert claim_scans(REPLICA) == 0  # nothing has read claims on the replica yet
    reader = token_client(reader_token)
    with CaptureQueriesContext(connections["default"]) as on_primary:
        listing, list_aliases = request_on(served, reader, "get", CLAIMS)
        detail, detail_aliases = request_on(
            served, reader, "get", f"{CLAIMS}{claims[0].pk}/"
        )
    assert listing.status_code == detail.status_code == 200
    assert len(listing.json()["results"]) == 3
    assert set(list_aliases) == set(detail_aliases) == {REPLICA}
    assert on_primary.captured_queries == []
    # The replica server itself saw the scans (a backend flushes its stats as it
    # ends); the primary's are its own.
    connections[REPLICA].close()
    eventually(lambda: claim_scans(REPLICA) >= 2, 5, "the replica's scan counters")

    writer = token_client(writer_token)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        created, write_aliases = request_on(
            served,
            writer,
            "post",
            CLAIMS,
            data=claim_body(claims[0].document, "Written on the primary."),
            format="json",
        )
    assert created.status_code == 201, created.content
    assert set(write_aliases) == {"default"}  # the write's own reads too
    assert on_replica.captured_queries == []
    assert Claim.objects.using("default").filter(pk=created.json()["id"]).exists()


def test_a_writer_reads_its_write_at_once_while_others_may_read_the_replica(
    served, settings, reader_token, writer_token, colleague_token
):
    document = DocumentFactory()
    replicated()
    reader, writer = token_client(reader_token), token_client(writer_token)
    assert set(request_on(served, reader, "get", CLAIMS)[1]) == {REPLICA}
    # Replay paused and not checked again during the test: the replica serves
    # reads while it falls behind, as one just under the lag threshold would.
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    cluster("pause-replay")
    body = claim_body(document, "Mine.")
    created, _ = request_on(served, writer, "post", CLAIMS, data=body, format="json")
    assert created.status_code == 201, created.content
    detail = f"{CLAIMS}{created.json()['id']}/"

    # The writer, with no cookie (a fresh client, the token alone), sees it at once.
    mine, aliases = request_on(served, token_client(writer_token), "get", detail)
    assert mine.status_code == 200
    assert set(aliases) == {"default"}
    # A browser that wrote is known by its signed cookie.
    browser = APIClient()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    posted = browser.post(CLAIMS, claim_body(document, "Also mine."), format="json")
    assert posted.status_code == 201
    assert "factcheck_wrote" in browser.cookies
    assert browser.get(f"{CLAIMS}{posted.json()['id']}/").status_code == 200
    # Anyone else reads the replica, which has not applied the write yet.
    theirs, aliases = request_on(served, reader, "get", detail)
    assert set(aliases) == {REPLICA}
    assert theirs.status_code == 404
    # A conditional request is decided on the primary: a current ETag is a 304.
    # (The browser's write above moved the representation version, so the ETag the
    # POST answered is no longer current: take the writer's fresh one. It is a
    # staff ETag, with working notes: asked by another editor, who has not written
    # and so reads the replica, since a reader without claim permissions has ETags
    # of the public audience, never a 304 for a staff one.)
    current, _ = request_on(served, token_client(writer_token), "get", detail)
    conditional, aliases = request_on(
        served,
        token_client(colleague_token),
        "get",
        detail,
        HTTP_IF_NONE_MATCH=current["ETag"],
    )
    assert conditional.status_code == 304
    assert set(aliases) == {"default"}


def test_a_replica_behind_is_skipped_and_used_again_once_it_catches_up(
    served, caplog, reader_token
):
    claim = ClaimFactory()
    replicated()
    reader = token_client(reader_token)
    caplog.set_level(logging.INFO, logger="factcheck.replicas")
    assert set(request_on(served, reader, "get", f"{CLAIMS}{claim.pk}/")[1]) == {
        REPLICA
    }

    cluster("pause-replay")
    newer = ClaimFactory()  # committed on the primary, not applied on the replica
    time.sleep(0.3)  # past DATABASE_REPLICA_CHECK_SECONDS: checked again
    response, aliases = request_on(served, reader, "get", f"{CLAIMS}{newer.pk}/")
    assert response.status_code == 200
    assert set(aliases) == {"default"}
    assert "replica_0 has its replay paused" in caplog.text

    cluster("resume-replay")
    replicated()
    time.sleep(0.6)  # past DATABASE_REPLICA_RETRY_SECONDS
    response, aliases = request_on(served, reader, "get", f"{CLAIMS}{newer.pk}/")
    assert response.status_code == 200
    assert set(aliases) == {REPLICA}
    assert "Replica replica_0 serves reads again" in caplog.text


def set_apply_delay(delay: str) -> None:
    """Make the replica apply WAL `delay` late: a delayed standby, replay not paused."""
    with psycopg.connect(server_url(REPLICA), autocommit=True) as replica:
        if delay:
            replica.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{delay}'")
        else:
            replica.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
        replica.execute("SELECT pg_reload_conf()")


def test_a_replica_lagging_past_the_threshold_is_skipped_until_it_catches_up(
    served, caplog, settings, reader_token
):
    # A margin over the time the steps before the first check take on a busy machine.
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 4
    claim = ClaimFactory()
    replicated()
    reader = token_client(reader_token)
    caplog.set_level(logging.INFO, logger="factcheck.replicas")
    assert set(request_on(served, reader, "get", f"{CLAIMS}{claim.pk}/")[1]) == {
        REPLICA
    }
    # Replay goes on, 9 s late: past DATABASE_REPLICA_MAX_LAG_SECONDS.
    set_apply_delay("9s")
    try:
        time.sleep(0.3)  # the reload
        newer = ClaimFactory()
        time.sleep(0.3)  # past DATABASE_REPLICA_CHECK_SECONDS: checked again
        # Under the threshold a reader other than the writer may still read the
        # replica and miss the newest write: the lag allowed is the staleness allowed.
        response, aliases = request_on(served, reader, "get", f"{CLAIMS}{newer.pk}/")
        assert response.status_code == 404
        assert set(aliases) == {REPLICA}
        time.sleep(4.5)  # the newest write applied is now more than 4 s old
        response, aliases = request_on(served, reader, "get", f"{CLAIMS}{newer.pk}/")
        assert response.status_code == 200
        assert set(aliases) == {"default"}
        assert "Replica replica_0 lags" in caplog.text
        assert "has its replay" not in caplog.text  # lagging, not paused
    finally:
        set_apply_delay("")
    replicated()
    time.sleep(0.6)  # past DATABASE_REPLICA_RETRY_SECONDS
    response, aliases = request_on(served, reader, "get", f"{CLAIMS}{newer.pk}/")
    assert response.status_code == 200
    assert set(aliases) == {REPLICA}


def test_a_replica_that_fails_after_its_check_is_read_again_on_the_primary(
    served, caplog, monkeypatch, reader_token
):
    claim = ClaimFactory()
    replicated()
    reader = token_client(reader_token)
    assert (
        request_on(served, reader, "get", f"{CLAIMS}{claim.pk}/")[0].status_code == 200
    )
    # The replica passed its check and then died before the request's queries.
    monkeypatch.setattr(replicas.health, "usable", lambda alias: True)
    cluster("stop-replica")
    caplog.set_level(logging.WARNING, logger="factcheck.replicas")
    response, aliases = request_on(served, reader, "get", f"{CLAIMS}{claim.pk}/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == claim.pk
    assert aliases[0] == REPLICA
    assert aliases[-1] == "default"
    assert "again from the primary after replica_0 failed" in caplog.text


def run_load(worker, threads: int, seconds: float, during) -> list:
    """Run worker(results) in threads for `seconds` while `during()` runs; gather."""
    results: list = []
    stop = threading.Event()

    def loop():
        try:
            while not stop.is_set():
                worker(results)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    started = time.monotonic()
    for thread in pool:
        thread.start()
    try:
        during()
        time.sleep(max(0.0, seconds - (time.monotonic() - started)))
    finally:
        stop.set()
        for thread in pool:
            thread.join(30)
    assert not any(thread.is_alive() for thread in pool)
    return results


def test_a_replica_stopped_under_read_load_fails_no_request_and_serves_again(
    served, reader_token
):
    claims = ClaimFactory.create_batch(5)
    replicated()
    phase = {"name": "before"}

    def read(results):
        client = token_client(reader_token)
        path = CLAIMS if len(results) % 2 else f"{CLAIMS}{claims[0].pk}/"
        started_in = phase["name"]
        response, aliases = request_on(served, client, "get", path)
        results.append((started_in, response.status_code, aliases))

    def drill():
        time.sleep(2)
        phase["name"] = "stopping"
        cluster("stop-replica")
        phase["name"] = "stopped"
        time.sleep(1.5)
        phase["name"] = "starting"
        cluster("start-replica")
        time.sleep(0.6)  # past DATABASE_REPLICA_RETRY_SECONDS
        phase["name"] = "after"
        time.sleep(1.5)

    request_on(served, token_client(reader_token), "get", CLAIMS)  # warm up
    results = run_load(read, threads=4, seconds=0, during=drill)
    statuses = Counter(status for _, status, _ in results)
    served_by = {name: Counter() for name in ("before", "stopped", "after")}
    tried = {name: Counter() for name in served_by}
    for name, _, aliases in results:
        if name in served_by:
            served_by[name][aliases[-1]] += 1  # the last: a retry ends on the primary
            tried[name].update(set(aliases))
    print("statuses", statuses, "served by, by phase", served_by, "tried", tried)
    assert set(statuses) == {200}, statuses
    assert served_by["before"][REPLICA] > 0
    assert served_by["stopped"]["default"] > 0
    # Requests started while it was down never tried it: its health check kept
    # them off it (the retry on the primary is for a replica failing mid-request).
    assert tried["stopped"][REPLICA] == 0
    assert served_by["after"][REPLICA] > 0


def test_writes_during_a_primary_restart_fail_with_503_then_resume_and_none_is_lost(
    writer_token,
):
    document = DocumentFactory()
    phase = {"name": "before"}
    counter = iter(range(1_000_000))
    lock = threading.Lock()

    def write(results):
        with lock:
            number = next(counter)
        text = f"Restart drill write {number}."
        response = token_client(writer_token).post(
            CLAIMS, claim_body(document, text), format="json"
        )
        if response["Content-Type"] == "application/json":
            body = response.json()
        else:
            body = {"detail": response.content.decode()[:200]}
        results.append((phase["name"], response.status_code, text, body))
        if response.status_code == 503:
            time.sleep(0.05)  # as a client honouring Retry-After would, sooner

    def drill():
        time.sleep(1)
        phase["name"] = "restarting"
        cluster("restart-primary", "2")
        phase["name"] = "after"
        time.sleep(1.5)

    results = run_load(write, threads=3, seconds=5, during=drill)
    connections.close_all()  # this thread's connection died with the server
    statuses = Counter((name, status) for name, status, _, _ in results)
    print("writes by phase and status", statuses)
    assert {status for _, status, _, _ in results} <= {201, 503}
    refused = [body for _, status, _, body in results if status == 503]
    assert refused, "no write was refused while the primary was down"
    assert all("unavailable" in body["detail"] for body in refused)
    assert statuses["after", 201] > 0, "writes did not resume"
    accepted = {text for _, status, text, _ in results if status == 201}
    stored = set(
        Claim.objects.using("default")
        .filter(text__startswith="Restart drill write")
        .values_list("text", flat=True)
    )
    assert accepted <= stored  # every write answered 2xx is in the database
    assert len(stored) <= len(results)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _children(pid: int) -> list[int]:
    listing = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
    )
    return [int(line) for line in listing.stdout.split()]


def test_a_web_process_killed_mid_request_loses_no_committed_write(
    tmp_path, writer_token
):
    document = DocumentFactory()
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "factcheck.settings.test",
        "DATABASE_URL": server_url("default"),
        "DATABASE_REPLICA_URLS": server_url(REPLICA),
        "PYTHONUNBUFFERED": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "factcheck.wsgi",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
            "--graceful-timeout=5",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        eventually(lambda: len(_children(server.pid)) == 2, 20, "two gunicorn workers")
        counter = iter(range(1_000_000))
        lock = threading.Lock()
        phase = {"name": "before"}

        def write(results):
            with lock:
                number = next(counter)
            text = f"Kill drill write {number}."
            web = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            try:
                web.request(
                    "POST",
                    CLAIMS,
                    body=json.dumps(claim_body(document, text)),
                    headers={
                        "Authorization": f"Token {writer_token}",
                        "Content-Type": "application/json",
                    },
                )
                status = web.getresponse().status
            except (http.client.HTTPException, OSError):
                status = None  # cut off with its worker
            finally:
                web.close()
            results.append((phase["name"], status, text))

        def drill():
            time.sleep(1.5)
            victim = _children(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            phase["name"] = "after"
            # The arbiter starts another worker in its place.
            eventually(
                lambda: len(set(_children(server.pid)) - {victim}) == 2,
                20,
                "gunicorn to replace the killed worker",
            )
            time.sleep(1)

        results = run_load(write, threads=4, seconds=5, during=drill)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
        log.close()
    statuses = Counter((name, status) for name, status, _ in results)
    print("writes by phase and status", statuses)
    print((tmp_path / "gunicorn.log").read_text()[-2000:])
    assert {status for _, status, _ in results} <= {201, None}, statuses
    assert statuses["after", 201] > 0, "writes did not resume"
    accepted = {text for _, status, text in results if status == 201}
    stored = set(
        Claim.objects.using("default")
        .filter(text__startswith="Kill drill write")
        .values_list("text", flat=True)
    )
    assert accepted <= stored
    assert len(stored) <= len(results)
