"""Sentences extraction proposes as claims, for an editor to accept or reject."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from sources.models import Document

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
        ]

    def __str__(self):
        return self.quote[:80]
