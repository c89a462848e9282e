"""The statement timeout of web requests (PostgreSQL).

A web request asks for it (factcheck.middleware.DatabaseGuardMiddleware wraps every
request in `statement_timeout(settings.DATABASE_STATEMENT_TIMEOUT)`), and the project's
backend (factcheck.db.postgresql) sets it on the session of every connection used
inside one: when the connection is opened, or before its next statement outside a
transaction. Anything else (management commands, migrations, the body of a streamed
answer written after its view returned, tests outside a request) runs with the
server's own setting.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DatabaseError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model

# Milliseconds, or None for the server's own setting.
_requested: ContextVar[int | None] = ContextVar("statement_timeout", default=None)


def requested_statement_timeout() -> int | None:
    """Return the statement timeout (ms) the current context asks for, if any."""
    return _requested.get()


@contextmanager
def statement_timeout(milliseconds: int | None) -> Iterator[None]:
    """Run the block's database statements under this timeout; 0 or None: none."""
    token = _requested.set(milliseconds or None)
    try:
        _apply_to_open_connections()
        yield
    finally:
        _requested.reset(token)


def _apply_to_open_connections() -> None:
    # A connection opened before the block (outside any request) catches up now, so
    # even a block whose first statement is inside a transaction runs under it; a
    # connection the server dropped is closed, so the block opens a new one.
    for wrapper in connections.all(initialized_only=True):
        raw = wrapper.connection
        if raw is not None and (
            getattr(raw, "closed", False) or getattr(raw, "broken", False)
        ):
            # Lost since the last request (a server restart): a failed statement
            # outside a transaction leaves it so, and nothing else closes it (an
            # atomic block's failed rollback does). Opened again when needed.
            wrapper.close()
            continue
        apply = getattr(wrapper, "apply_statement_timeout", None)
        if apply is None or raw is None:
            continue
        try:
            apply()
        except DatabaseError:
            wrapper.close()  # broken: opened again, with the timeout, when needed


def lift_statement_timeout(using: str = "default") -> None:
    """Run the rest of the current transaction without the statement timeout.

    For work a request starts but is not answered by, such as conflict detection
    after a write has committed: cut off, it would leave derived data stale and turn
    the committed write's answer into a 503.
    """
    wrapper = connections[using]
    if getattr(wrapper, "session_statement_timeout", None) is None:
        return
    if not wrapper.in_atomic_block:
        raise RuntimeError("lift_statement_timeout() needs a transaction to end it.")
    with wrapper.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")


def read_database(model: type[Model]) -> BaseDatabaseWrapper:
    """Return the connection the router reads `model` from: raw SQL reads open
    their cursor here, so they go where the ORM's reads of it go (a replica in a
    safe request, the primary after a write)."""
    return connections[router.db_for_read(model)]
