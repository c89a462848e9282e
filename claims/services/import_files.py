"""Read the rows of an import file (CSV with a header, or JSON Lines).

The rows are dicts keyed by the CSV export's columns, each with its line in the
file under imports.LINE_KEY; a line that cannot be a row carries why under
imports.ROW_ERROR_KEY, for import_claims to report with the line.
"""

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction

from .exports import CSV_TEXT_COLUMNS, formula_unquoted
from .imports import (
    EXPECTED_COLUMNS,
    LINE_KEY,
    ROW_ERROR_KEY,
    RowError,
    check_claim_rows,
    unknown_header_columns,
)

# A file of at most this many rows is validated in the request that uploads it,
# so a bad one is answered 400 with its errors instead of 202 and a job that
# fails. Validation cost about 0.47 ms a row on the shared 2-core machine (2,000
# rows in 0.94 s on SQLite and PostgreSQL; docs/pages.md), so the check stays
# near a quarter of a second; a larger file is validated by its job.
IMPORT_CHECK_IN_REQUEST_ROWS = 500

# The job that imports an upload (claims.tasks.import_upload), deferred by name.
IMPORT_UPLOAD_TASK = "claims.import_upload"

if TYPE_CHECKING:
    from factcheck.jobs.models import Job

    from ..models import ClaimImport


def csv_rows(handle: IO[str]) -> Iterator[dict[str, Any]]:
    """Yield the rows of a CSV text with a header, each with its first line number.

    Text cells the export wrote spreadsheet-safe lose that apostrophe again. A line
    the csv module cannot read (a cell over its 131,072-character limit, a quote
    never closed) ends the file with a row error naming the line the row began
    on: what follows it cannot be told apart into rows.
    """
    # strict: a quote left open at the end of the file is an error, not one cell
    # holding the rest of the file.
    reader = csv.DictReader(handle, strict=True)
    line = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield {ROW_ERROR_KEY: _csv_error(error), LINE_KEY: line + 1}
            return
        line += 1
        if None in row:
            row = {ROW_ERROR_KEY: "More cells than the header has columns."}
        else:
            row = {
                column: formula_unquoted(cell)
                if column in CSV_TEXT_COLUMNS and cell
                else cell
                for column, cell in row.items()
            }
        yield {**row, LINE_KEY: line}
        line = reader.line_num


def _csv_error(error: csv.Error) -> str:
    """Say what is wrong with a line the csv module could not read."""
    message = str(error)
    if "field larger than field limit" in message:
        return (
            f"A cell is longer than {csv.field_size_limit()} characters (the CSV "
            "reader's limit); no column holds that much."
        )
    if "unexpected end of data" in message:
        return "A quote opened on this line is never closed."
    if "expected after" in message:
        return (
            "A quote opened on this line closes inside a later cell "
            f"({message}): a quote in a cell is written twice."
        )
    return f"Not CSV: {message}."


def jsonl_rows(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Yield the objects of JSON Lines, each with its line number."""
    for line, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as error:
            hint = ""
            if line == 1 and "," in text and not text.lstrip().startswith("{"):
                hint = (
                    " This line looks like a CSV header: send the file as CSV "
                    "(a .csv name, or format=csv)."
                )
            row = {ROW_ERROR_KEY: f"Not JSON: {error}.{hint}"}
        except RecursionError:
            row = {ROW_ERROR_KEY: "Not a row: its JSON is nested too deeply."}
        if not isinstance(row, dict):
            row = {ROW_ERROR_KEY: "Not a JSON object."}
        yield {**row, LINE_KEY: line}


def claim_import_check(*, by: Any, format: str, content: str) -> list[RowError] | None:
    """Validate a small upload at once: its bad rows (empty: all good), or None
    when it has more than IMPORT_CHECK_IN_REQUEST_ROWS rows (its job checks it).

    A CSV header naming a column no row may have is reported once, as line 1 (the
    header), whatever the file's size; the rows are then not checked.
    """
    from ..models import ClaimImport

    if format == ClaimImport.Format.CSV:
        reader = csv.reader(io.StringIO(content.lstrip("\ufeff"), newline=""))
        try:
            header = next(reader, [])
        except csv.Error:
            header = []  # the rows' reader says what is wrong with the line
        unknown = unknown_header_columns(header)
        if unknown:
            return [
                RowError(
                    1,
                    {
                        "header": [
                            f"Unknown column{'s' if len(unknown) > 1 else ''} "
                            f"{', '.join(unknown)}; the columns are: "
                            f"{EXPECTED_COLUMNS}."
                        ]
                    },
                )
            ]
    rows = list(
        itertools.islice(_rows(format, content), IMPORT_CHECK_IN_REQUEST_ROWS + 1)
    )
    if len(rows) > IMPORT_CHECK_IN_REQUEST_ROWS:
        return None
    return check_claim_rows(rows, by=by).errors


def claim_import_start(
    *, by: Any, format: str, content: str, filename: str = ""
) -> "Job":
    """Keep an uploaded file of claims and start the job that imports it.

    One transaction: the upload exists exactly when its job does. The job
    (claims.tasks.import_upload) validates every row, then stores all of them in
    one transaction or none.
    """
    from factcheck.jobs import start_job

    from ..models import ClaimImport

    with transaction.atomic():
        upload = ClaimImport(
            format=format,
            content=content,
            filename=filename[:255],
            created_by=by if by is not None and by.is_authenticated else None,
        )
        upload.full_clean()
        upload.save()
        return start_job(IMPORT_UPLOAD_TASK, by=by, import_id=upload.pk)


def upload_rows(upload: "ClaimImport") -> Iterator[dict[str, Any]]:
    """Yield the rows of a ClaimImport's file."""
    return _rows(upload.format, upload.content)


def _rows(format: str, content: str) -> Iterator[dict[str, Any]]:
    if format == "csv":
        return csv_rows(io.StringIO(content.lstrip("\ufeff"), newline=""))
    return jsonl_rows(io.StringIO(content))
