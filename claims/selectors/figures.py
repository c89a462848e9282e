"""The figures conflict detection reads: a metric's, some claims', or those near
some periods (the GiST indexes of migration 0014 on PostgreSQL)."""

import datetime
from collections.abc import Collection, Sequence

from django.db import connection
from psycopg import sql

from ..figures.intervals import FigureRow
from ..figures.windows import Window, meet
from ..models import Claim

FIGURE_COLUMNS = (
    "id",
    "unit",
    "value",
    "value_upper",
    "comparator",
    "period_start",
    "period_end",
    "change_percent",
    "change_comparator",
)
# How far before its claim's period an implied figure's period may start, beyond the
# claim's own length: the previous Iranian year or run of months is a few days
# longer at most (claims.figures.intervals.previous_period).
IMPLIED_MARGIN_DAYS = 45


def rows_for_metric(metric_id: int) -> list[FigureRow]:
    """Return the figures stated about `metric_id`, in claim order, in one query."""
    rows = (
        Claim.objects.filter(metric_id=metric_id, value__isnull=False)
        .order_by("id")
        .values_list(*FIGURE_COLUMNS)
    )
    return [FigureRow(*row) for row in rows]


def rows_near(metric_id: int, windows: Sequence[Window]) -> list[FigureRow]:
    """Return the figures of a metric whose period, or implied period, meets a window.

    A window is (first day, last day), None for open. On PostgreSQL two GiST indexes
    (migration 0014) answer it in O(log n + k); on SQLite the metric's claims are
    read and filtered here.
    """
    if not windows:
        return []
    if connection.vendor == "postgresql":
        return _rows_near_postgresql(metric_id, windows)
    found = []
    for row in rows_for_metric(metric_id):
        spans = [(row.period_start, row.period_end)]
        if row.change_percent is not None and row.period_start and row.period_end:
            length = row.period_end - row.period_start
            spans.append(
                (
                    row.period_start
                    - length
                    - datetime.timedelta(days=IMPLIED_MARGIN_DAYS),
                    row.period_start,
                )
            )
        if row.period_start is None and row.period_end is None:
            continue
        if any(meet(span, window) for span in spans for window in windows):
            found.append(row)
    return found


# The index expressions of migration 0014, written the same way so that PostgreSQL
# uses them.
_OWN_RANGE = sql.SQL("daterange(period_start, period_end, '[]')")
# In days from DAY_ZERO (integers): date arithmetic before year 1 would be out of
# range for a claim stored with such a period, and fail its insert.
_IMPLIED_RANGE = sql.SQL(
    "int8range((period_start - DATE '2000-01-01') - (period_end - period_start) "
    "- {margin}, period_start - DATE '2000-01-01', '[]')"
).format(margin=sql.Literal(IMPLIED_MARGIN_DAYS))
DAY_ZERO = datetime.date(2000, 1, 1)


def _rows_near_postgresql(metric_id: int, windows: Sequence[Window]) -> list[FigureRow]:
    dates = sql.SQL("daterange(%s::date, %s::date, '[]')")
    days = sql.SQL("int8range(%s, %s, '[]')")
    own = sql.SQL(" OR ").join(
        sql.SQL("{} && {}").format(_OWN_RANGE, dates) for _ in windows
    )
    implied = sql.SQL(" OR ").join(
        sql.SQL("{} && {}").format(_IMPLIED_RANGE, days) for _ in windows
    )
    statement = sql.SQL(
        "SELECT {columns} FROM {table} WHERE metric_id = %s AND ("
        " (value IS NOT NULL AND (period_start IS NOT NULL OR period_end IS NOT NULL)"
        "  AND ({own}))"
        " OR (value IS NOT NULL AND change_percent IS NOT NULL"
        "  AND period_start IS NOT NULL AND period_end IS NOT NULL AND ({implied}))"
        ") ORDER BY id"
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, FIGURE_COLUMNS)),
        table=sql.Identifier(Claim._meta.db_table),
        own=own,
        implied=implied,
    )
    bounds = [day for window_days in windows for day in window_days]
    offsets = [None if day is None else (day - DAY_ZERO).days for day in bounds]
    with connection.cursor() as cursor:
        cursor.execute(statement.as_string(), [metric_id, *bounds, *offsets])
        return [FigureRow(*row) for row in cursor.fetchall()]


def rows_for_metric_claims(
    metric_id: int, claim_ids: Collection[int]
) -> list[FigureRow]:
    rows = (
        Claim.objects.filter(
            metric_id=metric_id, value__isnull=False, pk__in=list(claim_ids)
        )
        .order_by("id")
        .values_list(*FIGURE_COLUMNS)
    )
    return [FigureRow(*row) for row in rows]
