"""The representation version: what ETags and cache keys of public reads hang on.

Triggers (claims migration 0015) add 1 to a share of claims_representationversion
in the transaction of every statement that writes a table the representations are
made of; the version is the sum of the shares. Read it before the rows it stands
for: a reader then never holds rows older than its version, so a representation
cached under a version can never be staler than that version. Read it from the
database the rows come from (the router's choice: a replica for a safe request, the
primary otherwise): a primary's newer version over a lagging replica's rows would
file stale rows under a new key.
"""

import functools

from psycopg import sql

from factcheck.db import read_database

from ..models import Claim, RepresentationVersion

_VERSION_SQL = "SELECT COALESCE(SUM(value), 0) FROM {version}"

# A claim's own version and the representation version, in one statement.
_CLAIM_STAMP_SQL = (
    "SELECT claim.version, (SELECT COALESCE(SUM(value), 0) FROM {version}) "
    "FROM {claim} claim WHERE claim.id = %s"
)


@functools.cache
def _statement(template: str) -> str:
    return (
        sql.SQL(template)
        .format(
            version=sql.Identifier(RepresentationVersion._meta.db_table),
            claim=sql.Identifier(Claim._meta.db_table),
        )
        .as_string()
    )


def representation_version() -> int:
    """Return the representation version: it grows with every committed write."""
    with read_database(Claim).cursor() as cursor:
        cursor.execute(_statement(_VERSION_SQL))
        return int(cursor.fetchone()[0])


def claim_stamp(claim_id: int) -> tuple[int, int] | None:
    """Return the claim's own version and the representation version; None: no claim."""
    with read_database(Claim).cursor() as cursor:
        cursor.execute(_statement(_CLAIM_STAMP_SQL), [claim_id])
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), int(row[1]))
