"""Import claims from a CSV or JSON Lines file shaped like the API's CSV export."""

from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from claims.services import import_files
from claims.services.imports import DEFAULT_BATCH_SIZE, import_claims

# How many errors are printed; the summary counts them all.
SHOWN_ERRORS = 50


def csv_rows(path: Path) -> Iterator[dict]:
    """Yield the rows of a CSV file with a header, each with its first line number."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from import_files.csv_rows(handle)


def jsonl_rows(path: Path) -> Iterator[dict]:
    """Yield the objects of a JSON Lines file, each with its line number."""
    with path.open(encoding="utf-8") as handle:
        yield from import_files.jsonl_rows(handle)


class Command(BaseCommand):
    help = (
        "Import claims from FILE (.csv with a header, or .jsonl), with the columns of "
        "the CSV export; each batch is stored whole or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--format",
            choices=["csv", "jsonl"],
            help="default: from the file's extension (.jsonl/.ndjson, else csv)",
        )
        parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
        parser.add_argument(
            "--stop-on-error",
            action="store_true",
            help="stop at the first batch with a bad row",
        )
        parser.add_argument(
            "--no-detect",
            action="store_true",
            help="do not defer conflict detection (the incremental job) for the "
            "metrics that got claims",
        )

    def handle(self, *args, **options):
        path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        kind = options["format"] or (
            "jsonl" if path.suffix.lower() in {".jsonl", ".ndjson"} else "csv"
        )
        rows = csv_rows(path) if kind == "csv" else jsonl_rows(path)
        with tqdm(rows, unit=" rows", desc=path.name, disable=None) as progress:
            report = import_claims(
                progress,
                batch_size=options["batch_size"],
                stop_on_error=options["stop_on_error"],
                # Deferred per batch: workers run it (inline on SQLite).
                detect=not options["no_detect"],
            )
        for error in report.errors[:SHOWN_ERRORS]:
            self.stderr.write(str(error))
        if len(report.errors) > SHOWN_ERRORS:
            self.stderr.write(f"... and {len(report.errors) - SHOWN_ERRORS} more")
        self.stdout.write(
            f"rows read: {report.rows_read}, created: {report.created}, "
            f"failed: {report.failed}, not stored with a failed batch: "
            f"{report.not_stored}; conflict detection on "
            f"{report.conflicts_detected_for} metrics"
            + (" (stopped at the first bad batch)" if report.stopped_early else "")
        )
        if not report.ok:
            raise CommandError(f"{report.failed} rows failed.")
