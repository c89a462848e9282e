"""External fact-checks: reviews others published, their publishers, the crosswalk."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from claims.models import StatedFigure
from claims.ratings import Status

from .parsing.formats import FORMATS
from .parsing.ratings import STATUSES

MAPPED_STATUSES = [
    (value, label) for value, label in Status.choices if value in STATUSES
]


class ReviewPublisher(models.Model):
    """A fact-checking organisation, shared by its reviews; known by its site."""

    name = models.CharField(max_length=200)
    site = models.CharField(
        max_length=255,
        unique=True,
        help_text="Host of its site, without www. (factcheck.example.org).",
    )
    url = models.URLField(max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or self.site


class ReviewImport(models.Model):
    """An uploaded file of reviews waiting for (or done by) its import job."""

    format = models.CharField(
        max_length=20, choices=[(key, label) for key, label in FORMATS.items()]
    )
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(help_text="The file as sent, decoded as UTF-8.")
    progress = models.JSONField(
        default=dict,
        blank=True,
        help_text="What the import has committed so far (items read, counts, "
        "rejected items), written with each batch: a run after a worker died "
        "goes on from there.",
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
        return f"review import #{self.pk} ({self.filename or self.format})"


class ExternalReviewQuerySet(models.QuerySet["ExternalReview"]):
    def unmapped(self) -> "ExternalReviewQuerySet":
        return self.filter(status="").exclude(textual_rating="")


class ExternalReview(StatedFigure):
    """A ClaimReview (or MediaReview) another fact-checker published.

    One per url + claimReviewed + publisher (`key`, a hash of the three, as the
    texts are too long for an index). The figure fields hold what our parser reads
    in claimReviewed, so it is compared with our claims by the same rules.
    """

    class Kind(models.TextChoices):
        CLAIM = "claim", "ClaimReview"
        MEDIA = "media", "MediaReview"

    class RatingSource(models.TextChoices):
        NONE = "", "Unmapped"
        PUBLISHER = "publisher", "Publisher's crosswalk"
        NUMERIC = "numeric", "Numeric rating on its scale"
        CROSSWALK = "crosswalk", "Shared crosswalk"

    key = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.CLAIM)
    claim_reviewed = models.TextField()
    url = models.URLField(max_length=1000)
    publisher = models.ForeignKey(
        ReviewPublisher, on_delete=models.PROTECT, related_name="reviews"
    )
    author_name = models.CharField(max_length=200, blank=True)
    date_published = models.DateField(null=True, blank=True)
    date_modified = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=35, blank=True)
    textual_rating = models.CharField(
        max_length=200, blank=True, help_text="reviewRating.alternateName as published."
    )
    rating_value = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    best_rating = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    worst_rating = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True
    )
    status = models.CharField(
        max_length=20,
        choices=MAPPED_STATUSES,
        blank=True,
        help_text="The rating on our scale; blank while the crosswalk lacks it.",
    )
    status_source = models.CharField(
        max_length=10, choices=RatingSource.choices, blank=True
    )
    claimant_name = models.CharField(max_length=200, blank=True)
    claimant_same_as = models.CharField(max_length=1000, blank=True)
    claim_date = models.DateField(null=True, blank=True)
    appearances = models.JSONField(default=list, blank=True)
    first_appearance = models.CharField(max_length=1000, blank=True)
    media_category = models.CharField(max_length=60, blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    period_label = models.CharField(max_length=200, blank=True)
    feed = models.CharField(max_length=20, help_text="The format it was read from.")
    source_import = models.ForeignKey(
        ReviewImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviews",
    )
    imported_at = models.DateTimeField()
    original = models.JSONField(help_text="The item as published.")
    problems = models.JSONField(
        null=True,
        blank=True,
        help_text="The ClaimReview rules it breaks (null: not JSON-LD, not checked).",
    )

    objects = ExternalReviewQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["original"])

    class Meta:
        ordering = ["-date_published", "-id"]
        indexes = [
            models.Index(fields=["unit", "value"], name="review_unit_value"),
            models.Index(fields=["language"], name="review_language"),
            models.Index(fields=["status"], name="review_status"),
            models.Index(
                fields=["-date_published", "-id"], name="review_date_published"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publisher_id}: {self.claim_reviewed[:60]}"


class RatingMapping(models.Model):
    """A published rating label and the status it means, for all or one publisher."""

    # Migration 0002 ships the default crosswalk: a new database is not "empty" of
    # them (factcheck's import_all replaces them with the backup's).
    seeded_by_migrations = True

    publisher = models.ForeignKey(
        ReviewPublisher,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="rating_mappings",
        help_text="Blank: every publisher (the shared crosswalk).",
    )
    label = models.CharField(
        max_length=200, help_text="As published; matched case-insensitively."
    )
    status = models.CharField(max_length=20, choices=MAPPED_STATUSES)

    history = HistoricalRecords()

    class Meta:
        ordering = ["label", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["label"],
                condition=Q(publisher__isnull=True),
                name="rating_mapping_shared_label_unique",
                violation_error_message="The shared crosswalk maps this label already.",
            ),
            models.UniqueConstraint(
                fields=["publisher", "label"],
                name="rating_mapping_publisher_label_unique",
                violation_error_message="This publisher maps this label already.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} → {self.status}"
