"""bin/cluster: a real primary and streaming replica on loopback (issue #16).

The tests create PostgreSQL clusters of their own with Debian's wrappers and drop
them at the end, so they run only when asked: FACTCHECK_CLUSTER_TESTS=1 (as root or
the postgres user). Ports and names come from the script's environment
(CLUSTER_PRIMARY_PORT, CLUSTER_REPLICA_PORT, CLUSTER_PRIMARY_NAME, ...); clusters of
those names that exist already are refused, never dropped. They talk to the servers
with psycopg directly, not Django. Every wait is bounded: the script's own by
CLUSTER_TIMEOUT (30 s here), the tests' by WAIT. The tests run in file order on
one pair of clusters: each leaves the replica streaming for the next.
"""

import os
import pwd
import shutil
import time
from collections.abc import Iterator

import psycopg
import pytest

from tests.replicas.conftest import cluster, cluster_names

WAIT = 10  # seconds a row may take to reach the replica
NAMES = {
    os.environ.get("CLUSTER_PRIMARY_NAME", "factcheck_primary"),
    os.environ.get("CLUSTER_REPLICA_NAME", "factcheck_replica"),
}

pytestmark = pytest.mark.skipif(
    os.environ.get("FACTCHECK_CLUSTER_TESTS") != "1",
    reason="creates and drops PostgreSQL clusters: run with FACTCHECK_CLUSTER_TESTS=1",
)


def eventually(condition, seconds: float = WAIT):
    """Return the first true value of condition(), polled for at most `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def missing_prerequisite() -> str:
    """Return why the clusters cannot be made here, or "" when they can."""
    if not shutil.which("pg_createcluster"):
        return (
            "Debian's postgresql-common is not installed (apt-get install postgresql)"
        )
    if pwd.getpwuid(os.geteuid()).pw_name not in {"root", "postgres"}:
        return "bin/cluster runs as root or as the postgres user"
    return ""


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    """Bring the clusters up for this module; return their URLs; drop them after."""
    if reason := missing_prerequisite():
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    if existing := NAMES & cluster_names():
        pytest.fail(
            f"clusters {sorted(existing)} exist already and the tests would drop "
            "them: run bin/cluster down, or set CLUSTER_PRIMARY_NAME and "
            "CLUSTER_REPLICA_NAME (and ports) to others"
        )
    try:
        up = cluster("up")
        found = dict(
            line.split(": DATABASE_URL=")
            for line in up.stdout.splitlines()
            if ": DATABASE_URL=" in line
        )
        yield found
    finally:
        cluster("down", check=False)


def connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def replica_has(url: str, note: str) -> bool:
    with connect(url) as replica:
        try:
            found = replica.execute(
                "SELECT 1 FROM drill WHERE note = %s", [note]
            ).fetchone()
        except psycopg.errors.UndefinedTable:
            return False  # the CREATE TABLE itself is not replayed yet
        return bool(found)


def write(url: str, note: str) -> None:
    with connect(url) as primary:
        primary.execute("INSERT INTO drill (note) VALUES (%s)", [note])


def lag() -> float:
    return float(cluster("lag").stdout)


def test_up_prints_both_urls_and_a_second_up_changes_nothing(urls):
    again = cluster("up")

    assert urls["primary"].endswith("/factcheck")
    assert urls["replica"].endswith("/factcheck")
    assert urls["primary"] != urls["replica"]
    assert "creating" not in again.stdout
    assert f"primary: DATABASE_URL={urls['primary']}" in again.stdout


def test_a_row_written_on_the_primary_is_read_on_the_replica(urls):
    with connect(urls["primary"]) as primary:
        primary.execute("CREATE TABLE drill (id serial PRIMARY KEY, note text)")
    write(urls["primary"], "first")

    assert eventually(lambda: replica_has(urls["replica"], "first"))
    with connect(urls["replica"]) as replica:
        assert replica.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            replica.execute("INSERT INTO drill (note) VALUES ('refused')")


def test_status_shows_the_replica_streaming(urls):
    status = cluster("status")

    assert "streaming" in status.stdout
    assert "online,recovery" in status.stdout


def test_a_database_created_on_the_primary_appears_on_the_replica(urls):
    cluster("createdb", "test_factcheck_drill")

    replica_url = urls["replica"].rsplit("/", 1)[0] + "/test_factcheck_drill"
    with connect(replica_url) as replica:
        assert replica.execute("SELECT current_database()").fetchone() == (
            "test_factcheck_drill",
        )


def test_with_replay_paused_the_replica_falls_behind_and_catches_up(urls):
    cluster("pause-replay")
    try:
        write(urls["primary"], "while paused")
        time.sleep(1)
        first = lag()
        time.sleep(1)
        second = lag()
        hidden = not replica_has(urls["replica"], "while paused")
    finally:
        cluster("resume-replay")

    assert 0 < first < second
    assert hidden
    assert eventually(lambda: replica_has(urls["replica"], "while paused"))
    assert eventually(lambda: lag() == 0)


def test_a_stopped_replica_catches_up_when_started_again(urls):
    cluster("stop-replica")
    with pytest.raises(psycopg.OperationalError):
        connect(urls["replica"])
    write(urls["primary"], "while the replica was down")

    cluster("start-replica")

    assert eventually(
        lambda: replica_has(urls["replica"], "while the replica was down")
    )


def test_after_a_primary_restart_the_replica_streams_again(urls):
    restart = cluster("restart-primary", "1")

    assert "replica streaming" in restart.stdout
    write(urls["primary"], "after the restart")
    assert eventually(lambda: replica_has(urls["replica"], "after the restart"))


def test_down_drops_both_clusters(urls):
    cluster("down")

    assert not NAMES & cluster_names()
    assert cluster("status", check=False).returncode == 1
