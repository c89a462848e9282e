"""An uploaded file of claims waiting for its import job (POST /api/v1/imports/)."""

from django.conf import settings
from django.db import models


class ClaimImport(models.Model):
    """The rows a user sent to import, kept for the job that imports them.

    The job reads them from here (a worker may run on another machine than the
    web process that received them); the Job row holds only this row's id.
    """

    class Format(models.TextChoices):
        CSV = "csv", "CSV with a header"
        JSONL = "jsonl", "JSON Lines"

    format = models.CharField(max_length=5, choices=Format.choices)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(help_text="The file as sent, decoded as UTF-8.")
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
        return f"import #{self.pk} ({self.filename or self.format})"
