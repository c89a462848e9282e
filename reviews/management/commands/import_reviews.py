"""manage.py import_reviews FILE [FILE ...] [--format ...]: import published reviews."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.parsing.formats import FORMATS, FormatError
from reviews.services import import_reviews


class Command(BaseCommand):
    help = (
        "Import fact-checks from files: Google claims:search answers, a Data "
        "Commons DataFeed, Fact-Check Insights JSON or CSV, ClaimReview JSON-LD or "
        "saved HTML pages. Bad items are listed with their position; the rest are "
        "stored. Re-importing changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            default="",
            help="Default: told from each file's content.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print each file's report as JSON."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(f"{path}: no such file.")
            with path.open("rb") as handle:
                try:
                    report = import_reviews(
                        handle=handle, format=options["format"], filename=path.name
                    )
                except FormatError as error:
                    raise CommandError(f"{path}: {error}") from error
            if options["json"]:
                self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
                continue
            self.stdout.write(
                f"{path}: read {report.read}, created {report.created}, "
                f"updated {report.updated}, unchanged {report.unchanged}, "
                f"rejected {len(report.rejected)}"
            )
            for rejected in report.rejected:
                self.stdout.write(f"  {rejected['position']}: {rejected['reason']}")
