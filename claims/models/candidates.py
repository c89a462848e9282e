"""Sentences extraction proposes as claims, for an editor to accept or reject."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from sources.models import Document

from ..figures.comparators import Comparator
from .claims import Claim
from .figures import StatedFigure
from .metrics import Metric


class Candidate(StatedFigure):
    """A checkable sentence extraction proposed from a document, for an editor to judge.

    Accepting one makes a normal claim; a rejected one is kept so re-extraction does not
    propose it again.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="candidates"
    )
    quote = models.TextField(help_text="The exact span of the document's text.")
    quote_start = models.PositiveIntegerField()
    quote_end = models.PositiveIntegerField()
    sentence = models.TextField(blank=True, help_text="The sentence around the quote.")
    suggested_metric = models.ForeignKey(
        Metric, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the reading found beside the figure, in the terms a claim stores them:
    # a Russian or Persian quote stays verbatim, and its period and change compare
    # with claims in any language (conflict detection, matching).
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    period_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="The period as read, in English: '2012', 'Iranian calendar year "
        "1391', 'last year'.",
    )
    period_resolution = models.CharField(
        max_length=400,
        blank=True,
        help_text="How a relative period was read against the document's date.",
    )
    change_percent = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Signed change the quote states, in percent: -40 = a 40% drop.",
    )
    change_comparator = models.CharField(
        max_length=20,
        choices=Comparator.choices,
        default=Comparator.EXACT,
        help_text="How exact the change is: 'почти вдвое' is approximately.",
    )
    language = models.CharField(
        max_length=8,
        blank=True,
        help_text="The language the quote is written in (ISO 639-1: en, ru, fa).",
    )
    score = models.FloatField(help_text="Check-worthiness, 0 to 1 (rule-based).")
    reasons = models.CharField(
        max_length=500, blank=True, help_text="What raised or lowered the score."
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PROPOSED, db_index=True
    )
    claim = models.OneToOneField(
        Claim,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="candidate",
        help_text="The claim made when the candidate was accepted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "quote_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "quote_start", "quote_end"],
                name="candidate_span_unique_per_document",
            ),
            models.CheckConstraint(
                condition=Q(quote_start__lt=F("quote_end")),
                name="candidate_span_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="candidate_period_start_before_end",
                violation_error_message="The period must not end before it starts.",
            ),
        ]

    def __str__(self):
        return self.quote[:80]

    def clean(self):
        errors: dict[str, list[str]] = {}
        if (
            self.period_start
            and self.period_end
            and self.period_start > self.period_end
        ):
            errors.setdefault("period_end", []).append(
                "The period must not end before it starts."
            )
        if self.change_percent is not None and self.change_percent <= -100:
            errors.setdefault("change_percent", []).append(
                "A drop of 100% or more leaves nothing to compare."
            )
        if errors:
            raise ValidationError(errors)
