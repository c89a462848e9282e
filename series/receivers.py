"""Recompute a claim's comparisons when the claim changes.

The claims app knows nothing of series (series depends on claims, one way): a
saved claim is noticed here, by Django's post_save, and the work is a job.
"""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from claims.models import Claim


@receiver(post_save, sender=Claim, dispatch_uid="series.claim_saved")
def claim_saved(
    sender: type[Claim], instance: Claim, raw: bool = False, **kwargs: Any
) -> None:
    if raw:  # loaddata: fixtures are not edits
        return
    from .services.comparisons import defer_claim_comparisons

    # Deferred inside the save's transaction: the job exists exactly when it commits.
    defer_claim_comparisons(claim_id=instance.pk, metric_id=instance.metric_id)
