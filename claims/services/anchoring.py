"""Where each claim's quote sits in its document's stored text."""

from sources.anchoring import AnchorReport, locate_quote
from sources.models import Document

from ..models import Claim


def anchor_claims(*, document: Document) -> AnchorReport:
    """Set quote_start and quote_end on every claim of `document` from its text."""
    claims = list(
        Claim.objects.filter(document=document)
        .only("id", "quote", "quote_start", "quote_end")
        .order_by("id")
    )
    report = AnchorReport()
    changed = []
    for claim in claims:
        span = locate_quote(document.text, claim.quote) if document.text else None
        if span is None:
            report.missing.append((claim.pk, claim.quote))
            start = end = None
        else:
            report.anchored.append(claim.pk)
            start, end = span
        if (claim.quote_start, claim.quote_end) != (start, end):
            claim.quote_start, claim.quote_end = start, end
            changed.append(claim)
    if changed:
        # Offsets are derived data: no new version, no history row, no updated_at.
        Claim.objects.bulk_update(changed, ["quote_start", "quote_end"], batch_size=500)
    return report
