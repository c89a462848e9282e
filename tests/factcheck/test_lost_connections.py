"""A connection the server dropped between requests is opened again by the next one.

A statement that fails outside a transaction leaves Django holding a closed psycopg
connection, and nothing in the request cycle closed it (the test client does not run
close_old_connections, and a server's handlers run it only at the request's end):
after a primary restart every later write of that thread answered 503 (the restart
drill of tests/replicas/test_drills.py). factcheck.db.statement_timeout, which
DatabaseGuardMiddleware enters first in every request, closes it.
"""

import pytest
from django.db import OperationalError, connection

from factcheck.db import statement_timeout

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _select_one() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def test_a_dropped_connection_fails_until_a_request_block_opens_another(on_postgres):
    with statement_timeout(5_000):  # a request: the session takes its timeout
        assert _select_one() == 1
    connection.connection.close()  # as the server's restart leaves it
    with pytest.raises(OperationalError):
        _select_one()  # Django keeps the closed connection...
    with statement_timeout(5_000):  # ...the next request, same timeout: no SET
        assert _select_one() == 1  # runs on a connection opened again
