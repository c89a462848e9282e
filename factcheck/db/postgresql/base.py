"""Django's PostgreSQL backend, with bulk writes that fit server-side binding and the
statement timeout of web requests.

With server-side binding (settings: DATABASE_PREPARED_STATEMENTS) a statement may
carry at most 65,535 parameters, and Django does not split a bulk_create, a
bulk_update or a deletion to fit. This backend tells Django the largest batch that
fits, as Django's own SQLite and Oracle backends do for their limits.

Inside a web request (factcheck.db.statement_timeout) the session's statement_timeout
is set to what the request asks for (DATABASE_STATEMENT_TIMEOUT), and outside one it
is reset to the server's own: when a connection opens, and before a cursor is made
outside a transaction whenever the two differ (a SET inside a transaction would be
undone by its rollback without us knowing). A web worker's connections serve
requests only, so after the first request this costs nothing.
"""

from django.db.backends.postgresql import base, operations
from psycopg import sql

from factcheck.db import requested_statement_timeout

MAX_QUERY_PARAMS = 65_535


class DatabaseOperations(operations.DatabaseOperations):
    def bulk_batch_size(self, fields, objs):
        if not self.connection.settings_dict["OPTIONS"].get("server_side_binding"):
            return super().bulk_batch_size(fields, objs)
        return max(MAX_QUERY_PARAMS // max(len(fields), 1), 1)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    # What this session's statement_timeout was set to (ms); None: the server's own.
    session_statement_timeout: int | None = None

    def init_connection_state(self):
        super().init_connection_state()
        self.session_statement_timeout = None
        self.apply_statement_timeout()

    def create_cursor(self, name=None):
        self.apply_statement_timeout()
        return super().create_cursor(name)

    def apply_statement_timeout(self) -> None:
        """Set the session's statement_timeout to what the current context asks for."""
        wanted = requested_statement_timeout()
        if wanted == self.session_statement_timeout or self.connection is None:
            return
        if self.in_atomic_block or not self.autocommit:
            return  # the next cursor outside the transaction catches up
        statement: sql.Composable
        if wanted is None:
            statement = sql.SQL("RESET statement_timeout")
        else:
            statement = sql.SQL("SET statement_timeout = {}").format(
                sql.Literal(wanted)
            )
        with self.wrap_database_errors:
            self.connection.execute(statement)
        self.session_statement_timeout = wanted
