"""Where claims come from: publishers, people and the documents they appear in."""

import datetime
import hashlib
import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .languages import detect_document_language

wikidata_id_validator = RegexValidator(
    r"^Q[1-9]\d*$", "A Wikidata id is a Q followed by digits, e.g. Q42."
)
country_code_validator = RegexValidator(
    r"^[A-Z]{2}$", "Use a two-letter ISO 3166-1 country code in capitals, e.g. US."
)
language_code_validator = RegexValidator(
    r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
    "Use a BCP 47 language tag, e.g. en or fa-IR.",
)


# The dates a document or claim may carry: any source's, with room on both sides,
# so that the day after or the period before one is still a date (charts, conflict
# detection). Checked in clean(), so the admin and the API refuse others.
EARLIEST_DATE = datetime.date(1000, 1, 1)
LATEST_DATE = datetime.date(2999, 12, 31)
DATE_RANGE_MESSAGE = (
    f"Use a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."
)


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


def format_date_with_precision(value, precision: str) -> str:
    """Return a date as far as it is known: "2013-04-23", "2013-04" or "2013"."""
    if value is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def validate_not_in_future(value) -> None:
    """Refuse a date after today."""
    if value is not None and value > timezone.localdate():
        raise ValidationError("This date is in the future.", code="future_date")


class PublisherQuerySet(models.QuerySet):
    def get_by_natural_key(self, name):
        return self.get(name=name)


class Publisher(models.Model):
    class Kind(models.TextChoices):
        NEWS_OUTLET = "news_outlet", "News outlet"
        NEWS_AGENCY = "news_agency", "News agency"
        THINK_TANK = "think_tank", "Think tank"
        GOVERNMENT = "government", "Government"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    url = models.URLField(max_length=500, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[country_code_validator],
        help_text="ISO 3166-1 alpha-2 code of the country it is based in.",
    )

    objects = PublisherQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class PersonQuerySet(models.QuerySet):
    def named(self, name: str):
        """Return the people called `name`, by their main name or any alias."""
        name = name.strip()
        return self.filter(
            Q(name__iexact=name) | Q(aliases__name__iexact=name)
        ).distinct()


class Person(models.Model):
    name = models.CharField(max_length=200, db_index=True)
    description = models.CharField(max_length=500, blank=True)
    wikidata_id = models.CharField(
        "Wikidata id",
        max_length=20,
        blank=True,
        validators=[wikidata_id_validator],
        help_text="e.g. Q42",
    )

    objects = PersonQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["wikidata_id"],
                condition=~Q(wikidata_id=""),
                name="person_wikidata_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__regex=r"^Q[1-9][0-9]*$"),
                name="person_wikidata_id_format",
                violation_error_message=wikidata_id_validator.message,
            ),
        ]

    def __str__(self):
        return self.name


class PersonAlias(models.Model):
    """Another spelling of a person's name ("Mahdi Sanaei" for "Mehdi Sanaei")."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=200, db_index=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "name"], name="person_alias_unique"
            ),
        ]

    def __str__(self):
        return self.name


def text_sha256(text: str) -> str:
    """Return the hex sha256 of a document text encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_for_matching(text: str) -> str:
    """Fold whitespace runs and typographic quotes so a quote can be found in a text."""
    text = re.sub(r"[\u2018\u2019\u201a\u201b\u2032]", "'", text)
    text = re.sub(r"[\u201c\u201d\u201e\u201f\u2033]", '"', text)
    return re.sub(r"\s+", " ", text).strip()


class Document(models.Model):
    class Type(models.TextChoices):
        NEWS_ARTICLE = "news_article", "News article"
        BLOG_POST = "blog_post", "Blog post"
        REPORT = "report", "Report"
        PRESS_RELEASE = "press_release", "Press release"
        DATASET = "dataset", "Dataset"
        OTHER = "other", "Other"

    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    publisher = models.ForeignKey(
        Publisher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
    )
    authors = models.ManyToManyField(
        Person, blank=True, related_name="authored_documents"
    )
    type = models.CharField(
        max_length=20, choices=Type.choices, default=Type.NEWS_ARTICLE
    )
    language = models.CharField(
        max_length=35, default="en", validators=[language_code_validator]
    )
    published_on = models.DateField(
        null=True, blank=True, validators=[validate_not_in_future]
    )
    published_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    published_note = models.CharField(
        max_length=500,
        blank=True,
        help_text="How the publication date was established.",
    )
    accessed_on = models.DateField(
        null=True, blank=True, validators=[validate_not_in_future]
    )
    text = models.TextField(blank=True, help_text="The full text, when it is stored.")
    text_sha256 = models.CharField(
        max_length=64, blank=True, db_index=True, editable=False
    )
    text_language = models.CharField(
        "language of the text",
        max_length=8,
        blank=True,
        default="",
        # Rows written by code that predates the column (a rolled-back migration
        # state, an old release during a deploy) get "" too.
        db_default="",
        editable=False,
        help_text="Detected from the stored text (ISO 639-1, 'und' when unclear); "
        "candidate extraction reads English, Russian and Persian.",
    )
    # A changed text at the same URL is a new version; claims keep pointing at the
    # version they were quoted from.
    previous_version = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        help_text="The earlier text of this document at the same URL.",
    )
    is_current = models.BooleanField(
        default=True, help_text="False once a newer version of the text is stored."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["url"],
                condition=~Q(url="") & Q(is_current=True),
                name="document_url_unique_when_given",
                violation_error_message="A current document with this URL exists.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # The checksum is derived data: keep it true however the row is written.
        self.text_sha256 = text_sha256(self.text) if self.text else ""
        self.text_language = detect_document_language(self.text) if self.text else ""
        super().save(*args, **kwargs)

    def clean(self):
        errors = {
            name: DATE_RANGE_MESSAGE
            for name in ("published_on", "accessed_on")
            if getattr(self, name) is not None
            and not EARLIEST_DATE <= getattr(self, name) <= LATEST_DATE
        }
        if self.url and self.is_current:
            same_url = Document.objects.filter(url=self.url, is_current=True)
            if same_url.exclude(pk=self.pk).exists():
                errors["url"] = "A current document with this URL exists."
        if errors:
            raise ValidationError(errors)

    @property
    def published_display(self) -> str:
        return format_date_with_precision(self.published_on, self.published_precision)

    def contains_quote(self, quote: str) -> bool:
        """Return whether the quote appears in the stored text (normalized match)."""
        return normalize_for_matching(quote) in normalize_for_matching(self.text)
