"""Where reads go when read replicas are configured (DATABASE_REPLICA_URLS).

Reads go to the primary ("default") unless the current context allows replicas:
only a safe web request does (factcheck.middleware.ReplicaReadsMiddleware), so
jobs, management commands, migrations and the shell read from the primary without
asking. Inside such a request the first read picks a replica (`choose_replica`)
and every later read of the request uses the same one, so a page is read from one
snapshot of the data.

A replica is skipped for DATABASE_REPLICA_RETRY_SECONDS when it cannot be reached,
is no longer a standby, has its replay paused, or lags more than
DATABASE_REPLICA_MAX_LAG_SECONDS. Its state is checked at most every
DATABASE_REPLICA_CHECK_SECONDS per process, and otherwise its connection is opened
(or found open) at its first use in a request. Each change of a replica's state is
logged on the logger `factcheck.replicas`.
"""

import contextlib
import itertools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger("factcheck.replicas")

PRIMARY = "default"
REPLICA_PREFIX = "replica_"

# Seconds behind: 0 when the replica has applied all the WAL it received (an idle
# primary sends none, and the age of the last replayed transaction then grows
# without the replica being behind), else the age of the last transaction it
# applied. Paused replay and a server that is no longer in recovery are reported.
LAG_QUERY = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END,
       CASE
           WHEN NOT pg_is_in_recovery() THEN NULL
           WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn()
               THEN 0
           ELSE extract(epoch FROM now() - coalesce(pg_last_xact_replay_timestamp(),
                                                    pg_postmaster_start_time()))
       END
"""


@dataclass
class RequestReads:
    """The reads of one web request: may they use a replica, and which one."""

    replicas_allowed: bool
    alias: str | None = None
    used_replicas: set[str] = field(default_factory=set)


_reads: ContextVar[RequestReads | None] = ContextVar("replica_reads", default=None)


def replica_aliases() -> list[str]:
    """Return the database aliases of the configured replicas, in order."""
    return [alias for alias in settings.DATABASES if alias.startswith(REPLICA_PREFIX)]


@contextmanager
def replica_reads(allowed: bool = True) -> Iterator[RequestReads]:
    """Let the block's reads go to a replica (allowed) or pin them to the primary."""
    state = RequestReads(replicas_allowed=allowed)
    token = _reads.set(state)
    try:
        yield state
    finally:
        _reads.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Read from the primary inside the block, whatever the context allowed."""
    with replica_reads(allowed=False):
        yield


def current_reads() -> RequestReads | None:
    return _reads.get()


def read_alias() -> str:
    """Return the alias the current context's reads go to."""
    state = _reads.get()
    if state is None or not state.replicas_allowed:
        return PRIMARY
    if state.alias is None:
        state.alias = health.choose()
        if state.alias != PRIMARY:
            state.used_replicas.add(state.alias)
    return state.alias


@dataclass
class ReplicaState:
    healthy: bool = True
    checked_at: float = float("-inf")  # monotonic seconds
    skip_until: float = float("-inf")
    reason: str = ""


class ReplicaHealth:
    """Per-process knowledge of which replicas may serve reads now."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, ReplicaState] = {}
        self._turn = itertools.count()

    def reset(self) -> None:
        with self._lock:
            self._states.clear()

    def state(self, alias: str) -> ReplicaState:
        with self._lock:
            return self._states.setdefault(alias, ReplicaState())

    def choose(self) -> str:
        """Return a replica that may serve reads now, else the primary."""
        aliases = replica_aliases()
        if not aliases:
            return PRIMARY
        start = next(self._turn) % len(aliases)
        for alias in aliases[start:] + aliases[:start]:
            if self.usable(alias):
                return alias
        return PRIMARY

    def usable(self, alias: str) -> bool:
        state = self.state(alias)
        now = time.monotonic()
        if now < state.skip_until:
            return False
        if now - state.checked_at >= settings.DATABASE_REPLICA_CHECK_SECONDS:
            state.checked_at = now
            reason = self.check(alias)
        else:
            reason = self.connect(alias)
        if reason:
            self.mark_down(alias, reason)
            return False
        if not state.healthy:
            state.healthy = True
            logger.info("Replica %s serves reads again", alias)
        return True

    def check(self, alias: str) -> str:
        """Return why the replica may not serve reads now, or "" when it may."""
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute(LAG_QUERY)
                in_recovery, pause_state, lag = cursor.fetchone()
        except DatabaseError as error:
            close_quietly(alias)
            return f"cannot be reached ({_first_line(error)})"
        if not in_recovery:
            return "is not a standby (promoted, or not a replica)"
        if pause_state != "not paused":
            return f"has its replay {pause_state}"
        limit = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if lag is not None and float(lag) > limit:
            return f"lags {float(lag):.1f} s (more than {limit:g} s)"
        return ""

    def connect(self, alias: str) -> str:
        """Open the replica's connection if needed; return why it failed, if it did."""
        wrapper = connections[alias]
        try:
            # A connection kept from an earlier request is pinged (once per request:
            # this runs at the request's first read): a replica stopped since is
            # noticed here, before a query of the request fails on it. Django's own
            # CONN_HEALTH_CHECKS would ping at the first query anyway, but only
            # where its request signals ran (not under the test client).
            # Set in BaseDatabaseWrapper.__init__, missing from django-stubs.
            wrapper.health_check_done = False  # type: ignore[attr-defined]
            wrapper.close_if_health_check_failed()
            wrapper.ensure_connection()
        except DatabaseError as error:
            close_quietly(alias)
            return f"cannot be reached ({_first_line(error)})"
        return ""

    def mark_down(self, alias: str, reason: str) -> None:
        """Skip the replica for DATABASE_REPLICA_RETRY_SECONDS, logging why."""
        state = self.state(alias)
        retry = settings.DATABASE_REPLICA_RETRY_SECONDS
        state.skip_until = time.monotonic() + retry
        state.checked_at = float("-inf")  # check it in full when it is tried again
        if state.healthy or state.reason != reason:
            logger.warning(
                "Replica %s %s: reads go elsewhere for %g s", alias, reason, retry
            )
        state.healthy = False
        state.reason = reason


health = ReplicaHealth()


def close_quietly(alias: str) -> None:
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
