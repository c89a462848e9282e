"""Writes with rules: every change to a claim goes through here."""

from django.db import transaction
from django.utils import timezone

from .models import Claim
from .ratings import VERDICTS, Status


@transaction.atomic
def claim_save(*, claim: Claim, by=None) -> Claim:
    """Validate and store a new or changed claim, recording who wrote it."""
    if by is not None and getattr(by, "is_authenticated", False):
        if claim.pk is None:
            claim.created_by = by
        claim.updated_by = by
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def claim_set_status(
    *, claim: Claim, status: str, by=None, rationale: str = ""
) -> Claim:
    """Move a claim to another verification status."""
    status = Status(status)
    if status in VERDICTS and status != claim.status:
        claim.reviewed_at = timezone.now()
        if by is not None and getattr(by, "is_authenticated", False):
            claim.reviewed_by = by
    claim.status = status
    if rationale:
        claim.rationale = rationale
    return claim_save(claim=claim, by=by)
