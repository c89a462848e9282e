"""manage.py load_series FILE --format ...: load a file of official observations."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from series.records.formats import FORMATS, FormatError
from series.services.loading import load_series_file


class Command(BaseCommand):
    help = (
        "Load a file of official observations as new vintages (one per series it "
        "changes), all or nothing. Formats: " + ", ".join(FORMATS) + ". The csv "
        "format reads period_start,period_end,value[,estimated,preliminary] and "
        "takes the series from --dataset --indicator --reporter [--partner] --unit."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        for name in ("dataset", "indicator", "reporter", "partner", "unit", "name"):
            parser.add_argument(f"--{name}", default="")
        parser.add_argument("--flow", default="", choices=["", "exports", "imports"])
        parser.add_argument("--valuation", default="", choices=["", "FOB", "CIF"])

    def handle(self, *args, **options):
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        metadata = {
            name: options[name]
            for name in (
                "dataset",
                "indicator",
                "reporter",
                "partner",
                "unit",
                "name",
                "flow",
                "valuation",
            )
            if options[name]
        }
        try:
            with path.open("rb") as stream:
                report = load_series_file(
                    stream=stream,
                    format=options["format"],
                    file_name=path.name,
                    options=metadata,
                )
        except FormatError as error:
            raise CommandError(f"{path.name}: {error}. Nothing was stored.") from None
        self.stdout.write(report.summary())
        if report.metrics_refreshed:
            self.stdout.write(
                f"Comparisons recomputed for metrics {report.metrics_refreshed}."
            )
