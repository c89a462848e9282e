"""Row counts from the planner's statistics, for pages that must not count a table.

An exact COUNT(*) reads every row (or every index entry): seconds at a million
claims. PostgreSQL keeps an estimate of each table's rows (pg_class.reltuples) and
of the commonest values of each column (pg_stats), refreshed by autovacuum's
ANALYZE; these read one catalogue row. SQLite has neither: callers count there.
"""

from django.db import connection
from django.db.models import Model

# Below this many rows an exact count is cheap, and an estimate would look wrong.
EXACT_BELOW = 10_000


def estimated_rows(model: type[Model]) -> int | None:
    """Return the planner's estimate of the table's rows; None if it has none.

    None on SQLite, for a table never analyzed (reltuples -1 since PostgreSQL 14),
    and for a small table, whose exact count is cheap.
    """
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)",
            [model._meta.db_table],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None or row[0] < EXACT_BELOW:
        return None
    return int(row[0])


def estimated_value_counts(model: type[Model], column: str) -> dict[str, int] | None:
    """Return the estimated rows per value of `column`, for its commonest values.

    From pg_stats' most_common_vals and most_common_freqs times the table's
    estimated rows; None where there is no estimate (see estimated_rows). Values
    too rare to be among the commonest are missing.
    """
    total = estimated_rows(model)
    if total is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_vals::text::text[], most_common_freqs FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = %s"
            " AND attname = %s",
            [model._meta.db_table, column],
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return {
        value: round(total * freq) for value, freq in zip(row[0], row[1], strict=True)
    }
