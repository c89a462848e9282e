"""How a figure is stated and what a metric measures: the one list of each.

Django's TextChoices are plain enums (`django.db.models.enums` needs no database),
so the models, the API and the pure figure code share these very classes.
"""

from django.db.models.enums import TextChoices


class Comparator(TextChoices):
    EXACT = "exact", "Exactly"
    APPROXIMATELY = "approximately", "Approximately"
    MORE_THAN = "more_than", "More than"
    LESS_THAN = "less_than", "Less than"
    RANGE = "range", "Range"


class MetricKind(TextChoices):
    ANNUAL = "annual", "Per year (a yearly flow, e.g. trade volume)"
    TOTAL = "total", "Total over the period"
    LEVEL = "level", "Level at a time (a price, a share, a count standing)"
