"""Compare the figures of every metric (or one) and update the detected links."""

from django.core.management.base import BaseCommand, CommandError

from claims.models import Metric
from claims.services.conflicts import (
    DetectionSummary,
    detect_all_conflicts,
    detect_metric_conflicts,
)


class Command(BaseCommand):
    help = (
        "Find figures that contradict each other (same metric and unit, overlapping "
        "periods, values that cannot both hold): add detected 'contradicts' links, "
        "remove the detected ones that no longer hold and set the claims' comparison "
        "flags. Editors' own links are left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--metric", metavar="SLUG", help="Only the metric with this slug."
        )

    def handle(self, *args, **options):
        progress = options["verbosity"] > 0
        if options["metric"]:
            metric = Metric.objects.filter(slug=options["metric"]).first()
            if metric is None:
                raise CommandError(f"No metric with the slug {options['metric']!r}.")
            summary = detect_metric_conflicts(metric.pk)
        else:
            summary = detect_all_conflicts(progress=progress)
        self.stdout.write(_summary_line(summary))


def _summary_line(summary: DetectionSummary) -> str:
    return (
        f"Conflict detection: {summary.created} links created, {summary.removed} "
        f"removed, {summary.flagged} claims flagged."
    )
