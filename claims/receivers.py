"""What the claims app does when another app tells it something (signals)."""

from sources.anchoring import AnchorReport
from sources.models import Document

from .services.anchoring import anchor_claims


def anchor_quotes_in_attached_text(
    sender: type[Document], *, document: Document, **kwargs: object
) -> AnchorReport:
    """Anchor the quotes of a document's claims in the text just attached to it."""
    return anchor_claims(document=document)
