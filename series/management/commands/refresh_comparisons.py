"""manage.py refresh_comparisons: recompute the comparisons of every linked metric."""

from django.core.management.base import BaseCommand

from series.models import MetricSeriesLink
from series.services.comparisons import refresh_comparisons


class Command(BaseCommand):
    help = (
        "Recompute the official-record comparisons of every claim on a metric "
        "linked to official series (after loading fixtures, or to repair)."
    )

    def handle(self, *args, **options):
        metric_ids = sorted(
            set(MetricSeriesLink.objects.values_list("metric_id", flat=True))
        )
        claims = comparisons = 0
        for metric_id in metric_ids:
            done = refresh_comparisons(metric_id=metric_id)
            claims += done["claims"]
            comparisons += done["comparisons"]
        self.stdout.write(
            f"Official comparisons: {comparisons} for {claims} claims on "
            f"{len(metric_ids)} linked metrics."
        )
