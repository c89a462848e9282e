"""What supports a claim (evidence) and how claims relate to each other (links)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from sources.models import Document

from .claims import Claim


class Evidence(models.Model):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        REFUTES = "refutes", "Refutes"
        CONTEXT = "context", "Context"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    url = models.URLField(max_length=1000, blank=True)
    stance = models.CharField(max_length=10, choices=Stance.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False) | ~Q(url=""),
                name="evidence_has_document_or_url",
                violation_error_message="Evidence needs a document or a URL.",
            ),
        ]

    def __str__(self):
        return f"{self.get_stance_display()}: {self.document or self.url}"

    def clean(self):
        if self.document_id is None and not self.url:
            raise ValidationError({"url": "Evidence needs a document or a URL."})


class ClaimLink(models.Model):
    class Relation(models.TextChoices):
        CONTRADICTS = "contradicts", "Contradicts"
        CORROBORATES = "corroborates", "Corroborates"
        SAME_CLAIM = "same_claim", "Same claim"
        UPDATES = "updates", "Updates"

    from_claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="links_from"
    )
    to_claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="links_to"
    )
    relation = models.CharField(max_length=20, choices=Relation.choices)
    note = models.TextField(blank=True)
    detected = models.BooleanField(
        default=False, help_text="Made by conflict detection rather than by an editor."
    )
    holds = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="Which figures hold a detected link (claims.figures.comparison "
        "bits); 0 for an editor's link.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Which figures hold it is detection's bookkeeping, not an editorial change.
    history = HistoricalRecords(excluded_fields=["holds"])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_claim=F("to_claim")),
                name="claim_link_not_to_itself",
                violation_error_message="A claim cannot be linked to itself.",
            ),
            models.UniqueConstraint(
                fields=["from_claim", "to_claim", "relation"], name="claim_link_unique"
            ),
        ]

    def __str__(self):
        relation = self.get_relation_display().lower()
        return f"#{self.from_claim_id} {relation} #{self.to_claim_id}"

    def clean(self):
        if self.from_claim_id and self.from_claim_id == self.to_claim_id:
            raise ValidationError({"to_claim": "A claim cannot be linked to itself."})
        symmetric = self.relation != self.Relation.UPDATES
        if symmetric and self.from_claim_id and self.to_claim_id:
            reverse = ClaimLink.objects.filter(
                from_claim_id=self.to_claim_id,
                to_claim_id=self.from_claim_id,
                relation=self.relation,
            ).exclude(pk=self.pk)
            if reverse.exists():
                raise ValidationError(
                    {"to_claim": "These claims are already linked the other way round."}
                )
