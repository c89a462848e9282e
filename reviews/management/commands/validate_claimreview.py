"""manage.py validate_claimreview FILE: check ClaimReview markup by Google's rules."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reviews.validation import ValidationInputError, validate_document


class Command(BaseCommand):
    help = (
        "Check the ClaimReview JSON-LD of a file (JSON-LD or a saved HTML page) "
        "against Google's documented required and recommended properties. Exits 1 "
        "when a required rule is broken (or, with --strict, any rule)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--strict", action="store_true", help="Warnings fail the check too."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        try:
            result = validate_document(path.read_bytes())
        except ValidationInputError as error:
            raise CommandError(f"{path}: {error}") from error
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                f"{path}: {result['reviews']} ClaimReview(s), "
                f"{result['errors']} error(s), {result['warnings']} warning(s)"
            )
            for problem in result["problems"]:
                self.stdout.write(
                    f"  {problem['severity']}: {problem['rule']} at "
                    f"{problem['path']}: {problem['message']}"
                )
        failed = result["errors"] or (options["strict"] and result["warnings"])
        if failed:
            raise SystemExit(1)
