"""Evidence writes: what supports or refutes a claim, and the events they make.

The one write path for evidence (the API, the admin, series' official values and
reviews' external fact-checks attached as evidence): evidence added to or removed
from a claim with a verdict records claim.evidence.added or .removed, and flags the
verdict for re-check, in the write's transaction (claims.services.events).

Evidence an editor adds from a match (the admin's "Already in the database?" panel):
a stored claim's source, or another app's record (an external review) through the
attach function that app registers. claims imports no app that builds on it, so
reviews registers its review_attach_as_evidence here in AppConfig.ready, as it
registers its match source in claims.selectors.matching.
"""

from collections.abc import Callable
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


# kind -> attach(record_id, *, claim, stance) -> Evidence; raises LookupError when
# there is no such record.
EvidenceAttacher = Callable[..., Evidence]
EVIDENCE_ATTACHERS: dict[str, EvidenceAttacher] = {}


def register_evidence_attacher(kind: str, attach: EvidenceAttacher) -> None:
    """Let the panel add a match of `kind` as evidence (from AppConfig.ready)."""
    EVIDENCE_ATTACHERS[kind] = attach


def evidence_from_claim(
    *, claim: Claim, source: Claim, stance: str = Evidence.Stance.CONTEXT
) -> Evidence:
    """Cite another claim's document as evidence for `claim` (once per document)."""
    existing = Evidence.objects.filter(claim=claim, document=source.document).first()
    if existing is not None:
        return existing
    evidence = Evidence(
        claim=claim,
        document=source.document,
        stance=stance,
        note=f"Claim #{source.pk}: {source.text}",
    )
    return evidence_save(evidence=evidence)


def evidence_from_record(
    *, claim: Claim, kind: str, record_id: int, stance: str = Evidence.Stance.CONTEXT
) -> Evidence:
    """Attach another app's record (`kind`, e.g. "review") to `claim` as evidence."""
    attach = EVIDENCE_ATTACHERS.get(kind)
    if attach is None:
        raise LookupError(f"No {kind} can be added as evidence here.")
    return attach(record_id, claim=claim, stance=stance)
