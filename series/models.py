"""Official series: who publishes them, each load (vintage), and their observations.

A load never overwrites: each load of a series that changes anything is a new
Vintage holding the observations that file gave, and the value of a period is
the one of the latest vintage that has the period; earlier vintages stay readable.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from claims.models import Claim, Metric

from .records.countries import is_country_code


class Dataset(models.Model):
    """A publisher's collection of series: UN Comtrade, IMF IMTS, World Bank WDI."""

    code = models.SlugField(
        max_length=40,
        unique=True,
        help_text="The key links use: comtrade, imf-imts, wb-wdi, ...",
    )
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    licence = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    """One indicator (or trade flow) of one reporter, towards one partner."""

    class Frequency(models.TextChoices):
        ANNUAL = "A", "Annual"
        QUARTERLY = "Q", "Quarterly"
        MONTHLY = "M", "Monthly"

    class Valuation(models.TextChoices):
        FOB = "FOB", "FOB (free on board)"
        CIF = "CIF", "CIF (cost, insurance, freight)"
        NONE = "", "Not applicable"

    class Flow(models.TextChoices):
        EXPORTS = "exports", "Exports"
        IMPORTS = "imports", "Imports"
        OTHER = "", "Not a trade flow"

    dataset = models.ForeignKey(
        Dataset, on_delete=models.PROTECT, related_name="series"
    )
    indicator = models.CharField(
        max_length=64,
        help_text="The source's code: X/M (Comtrade flows), XG_FOB_USD, "
        "NY.GDP.MKTP.CD, ...",
    )
    reporter = models.CharField(
        max_length=3, help_text="ISO 3166 alpha-3 of the reporting country."
    )
    partner = models.CharField(
        max_length=3,
        blank=True,
        help_text="ISO 3166 alpha-3 of the partner (WLD: the world); empty when "
        "the indicator has none.",
    )
    frequency = models.CharField(max_length=1, choices=Frequency.choices)
    flow = models.CharField(max_length=8, choices=Flow.choices, blank=True)
    unit = models.CharField(max_length=32, help_text="USD, cars, ...")
    valuation = models.CharField(max_length=3, choices=Valuation.choices, blank=True)
    name = models.CharField(max_length=300, blank=True)
    coverage_notes = models.TextField(
        blank=True, help_text="e.g. goods only; oil excluded; secret codes omitted."
    )

    class Meta:
        ordering = ["dataset__code", "reporter", "partner", "indicator", "frequency"]
        verbose_name_plural = "series"
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "indicator", "reporter", "partner", "frequency"],
                name="series_unique_key",
            ),
        ]
        indexes = [
            models.Index(fields=["reporter", "partner"], name="series_countries")
        ]

    def __str__(self) -> str:
        towards = f"→{self.partner}" if self.partner else ""
        return f"{self.indicator} {self.reporter}{towards} ({self.frequency})"

    def clean(self) -> None:
        errors = {}
        if self.reporter and not is_country_code(self.reporter):
            errors["reporter"] = f"{self.reporter!r} is not an ISO 3166 alpha-3 code."
        if self.partner and not is_country_code(self.partner, world=True):
            errors["partner"] = f"{self.partner!r} is not an ISO 3166 alpha-3 code."
        if errors:
            raise ValidationError(errors)


class Vintage(models.Model):
    """One load of a series that changed something: what the file said, and when."""

    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="vintages"
    )
    number = models.PositiveIntegerField(help_text="1 for the first load, then 2, ...")
    loaded_at = models.DateTimeField(auto_now_add=True)
    retrieved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the file was downloaded, if known."
    )
    published_on = models.DateField(
        null=True, blank=True, help_text="When the source published it, if known."
    )
    file_name = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=20)
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the file.")
    changes = models.JSONField(
        default=dict,
        help_text="Against the series as it stood: periods added, revised (with "
        "the old and new value) and unchanged.",
    )
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["series_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], name="vintage_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series} vintage {self.number}"


class Observation(models.Model):
    """A value of a series for a period, as one vintage gave it."""

    vintage = models.ForeignKey(
        Vintage, on_delete=models.CASCADE, related_name="observations"
    )
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="observations"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(
        max_digits=28,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Empty when the country did not report the period.",
    )
    estimated = models.BooleanField(default=False)
    preliminary = models.BooleanField(default=False)
    not_reported = models.BooleanField(
        default=False, help_text="Not reported by this country (an estimate or gap)."
    )

    class Meta:
        ordering = ["series_id", "period_start", "-vintage_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vintage", "period_start", "period_end"],
                name="observation_unique_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="observation_period_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["series", "period_start", "period_end"],
                name="observation_series_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.period_start}..{self.period_end}: {self.value}"


class SeriesImport(models.Model):
    """A file sent to POST /api/v1/series/imports/, kept for the job that loads it."""

    format = models.CharField(max_length=20)
    file_name = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(help_text="The file as sent.")
    options = models.JSONField(
        default=dict, help_text="Series metadata for the tidy CSV format."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"series import #{self.pk} ({self.file_name or self.format})"


class MetricSeriesLink(models.Model):
    """How a metric is measured by one reporter's series: the sum of its terms.

    Every term is a series of the link's reporter (never mixing reporters in one
    line); a term is named by its key (indicator, partner) so a link may exist
    before any file holding the series is loaded.
    """

    class Role(models.TextChoices):
        REPORTED = "reported", "As reported by the reporter"
        MIRROR = "mirror", "Mirror: the partner's reports, flows swapped"

    class Measure(models.TextChoices):
        LEVEL = "level", "The sum of the terms"
        CHANGE = "change", "Percent change of the sum against the period before"

    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="official_links"
    )
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="+")
    reporter = models.CharField(max_length=3)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REPORTED)
    terms = models.JSONField(
        help_text='Series keys summed: [{"indicator": "X", "partner": "IRN"}, '
        '{"indicator": "M", "partner": "IRN"}].'
    )
    measure = models.CharField(
        max_length=10,
        choices=Measure.choices,
        default=Measure.LEVEL,
        help_text="change: the metric is a percent change (a rate over the claim's "
        "period against the period of the same length before it).",
    )
    label = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["metric_id", "dataset_id", "role", "reporter"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "dataset", "reporter", "role"],
                name="metric_series_link_unique",
            )
        ]

    def __str__(self) -> str:
        return self.label or f"{self.dataset_id}: as reported by {self.reporter}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.reporter and not is_country_code(self.reporter):
            errors["reporter"] = f"{self.reporter!r} is not an ISO 3166 alpha-3 code."
        problem = terms_problem(self.terms)
        if problem:
            errors["terms"] = problem
        if errors:
            raise ValidationError(errors)


def terms_problem(terms: object) -> str:
    """Return what is wrong with a link's terms, or "" when they are well formed."""
    if not isinstance(terms, list) or not terms:
        return 'Give a list of series keys: [{"indicator": "X", "partner": "IRN"}].'
    for number, term in enumerate(terms, start=1):
        if not isinstance(term, dict) or set(term) - {"indicator", "partner"}:
            return f"Term {number}: an object with 'indicator' and 'partner' only."
        indicator = term.get("indicator")
        if not isinstance(indicator, str) or not indicator.strip():
            return f"Term {number}: 'indicator' is required."
        partner = term.get("partner", "")
        if not isinstance(partner, str) or (
            partner and not is_country_code(partner, world=True)
        ):
            return f"Term {number}: {partner!r} is not an ISO 3166 alpha-3 code."
    return ""


class Comparison(models.Model):
    """A claim's stated figure beside one link's official value for its period."""

    class Assessment(models.TextChoices):
        CONSISTENT = "consistent", "Consistent within the wording"
        HIGHER = "higher", "Stated figure higher"
        LOWER = "lower", "Stated figure lower"
        NOT_COMPARABLE = "not_comparable", "Not comparable"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(
        MetricSeriesLink, on_delete=models.CASCADE, related_name="comparisons"
    )
    series_keys = models.CharField(max_length=300)
    reporter = models.CharField(max_length=3)
    partner = models.CharField(max_length=3, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    official_value = models.DecimalField(
        max_digits=28, decimal_places=6, null=True, blank=True
    )
    stated_value = models.DecimalField(
        max_digits=28, decimal_places=6, null=True, blank=True
    )
    ratio = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    assessment = models.CharField(max_length=20, choices=Assessment.choices)
    notes = models.JSONField(default=list)
    vintage = models.ForeignKey(
        Vintage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The latest vintage the official value was read from.",
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["claim_id", "link_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "link"], name="comparison_unique_claim_link"
            )
        ]

    def __str__(self) -> str:
        return f"claim {self.claim_id} vs {self.series_keys}: {self.assessment}"
