"""Evidence writes: what supports or refutes a claim, and the events they make.

The one write path for evidence (the API, the admin, series' official values and
reviews' external fact-checks attached as evidence): evidence added to or removed
from a claim with a verdict records claim.evidence.added or .removed, and flags the
verdict for re-check, in the write's transaction (claims.services.events).
"""

from typing import Any

from django.db import transaction

from ..models import Claim, Evidence
from ..ratings import VERDICTS
from .events import ClaimChange, record_claim_events


def evidence_body(evidence: Evidence) -> dict[str, Any]:
    """Return the evidence as the API writes it (GET /api/v1/evidence/{id}/)."""
    return {
        "id": evidence.pk,
        "claim": evidence.claim_id,
        "document": evidence.document_id,
        "url": evidence.url,
        "stance": evidence.stance,
        "note": evidence.note,
        "created_at": evidence.created_at.isoformat().replace("+00:00", "Z")
        if evidence.created_at
        else None,
    }


def _what(evidence: Evidence) -> str:
    source = evidence.url or f"document {evidence.document_id}"
    return f"({evidence.get_stance_display().lower()}): {source}"


def _verdict_claims(*claim_ids: int | None) -> set[int]:
    """Lock the claims (in id order) and return those that carry a verdict.

    Locked before any event is written, so a claim's events keep the order of its
    changes (events.models.Event).
    """
    ids = sorted({claim_id for claim_id in claim_ids if claim_id is not None})
    rows = Claim.objects.filter(pk__in=ids).select_for_update().order_by("pk")
    return {pk for pk, status in rows.values_list("pk", "status") if status in VERDICTS}


@transaction.atomic
def evidence_save(
    *, evidence: Evidence, values: dict[str, Any] | None = None
) -> Evidence:
    """Set `values`, validate and store evidence; record what a verdict must know.

    New evidence on a claim with a verdict is claim.evidence.added; evidence moved
    to another claim is removed from the one and added to the other.
    """
    before = (
        Evidence.objects.filter(pk=evidence.pk)
        .values_list("claim_id", flat=True)
        .first()
        if evidence.pk is not None
        else None
    )
    for name, value in (values or {}).items():
        setattr(evidence, name, value)
    evidence.full_clean()
    verdicts = _verdict_claims(before, evidence.claim_id)
    evidence.save()
    changes = []
    if before is not None and before != evidence.claim_id and before in verdicts:
        changes.append(
            ClaimChange(
                before,
                "claim.evidence.removed",
                f"Evidence moved to another claim {_what(evidence)}",
                detail={"evidence": evidence_body(evidence)},
            )
        )
    if before != evidence.claim_id and evidence.claim_id in verdicts:
        changes.append(
            ClaimChange(
                evidence.claim_id,
                "claim.evidence.added",
                f"Evidence added {_what(evidence)}",
                detail={"evidence": evidence_body(evidence)},
            )
        )
    record_claim_events(changes)
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence) -> None:
    """Delete evidence; on a claim with a verdict, record claim.evidence.removed."""
    verdicts = _verdict_claims(evidence.claim_id)
    body = evidence_body(evidence)
    evidence.delete()
    if evidence.claim_id in verdicts:
        record_claim_events(
            [
                ClaimChange(
                    evidence.claim_id,
                    "claim.evidence.removed",
                    f"Evidence removed {_what(evidence)}",
                    detail={"evidence": body},
                )
            ]
        )
