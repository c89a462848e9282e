"""What figures measure: claims on one metric are the ones compared."""

from django.db import models
from simple_history.models import HistoricalRecords

from ..figures.comparators import MetricKind


class Metric(models.Model):
    """What a figure measures; claims on one metric are the ones compared."""

    Kind = MetricKind

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    unit = models.CharField(
        max_length=32,
        help_text="ISO 4217 code for money (USD), a count noun (cars) or 'percent'.",
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind.choices,
        default=Kind.LEVEL,
        help_text="How figures are compared: per-year figures only over periods of "
        "about a year, totals only over the same span, levels over any overlap.",
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
