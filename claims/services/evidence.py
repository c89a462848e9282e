"""Evidence an editor adds from a match: a stored claim's source, or another app's
record (an external review) through the attach function that app registers.

claims imports no app that builds on it, so reviews registers its
review_attach_as_evidence here in AppConfig.ready, as it registers its match
source in claims.selectors.matching.
"""

from collections.abc import Callable

from ..models import Claim, Evidence

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
    evidence.full_clean()
    evidence.save()
    return evidence


def evidence_from_record(
    *, claim: Claim, kind: str, record_id: int, stance: str = Evidence.Stance.CONTEXT
) -> Evidence:
    """Attach another app's record (`kind`, e.g. "review") to `claim` as evidence."""
    attach = EVIDENCE_ATTACHERS.get(kind)
    if attach is None:
        raise LookupError(f"No {kind} can be added as evidence here.")
    return attach(record_id, claim=claim, stance=stance)
