"""What the claims app does when another app tells it something (signals)."""

from typing import Any

from factcheck.jobs import start_job
from factcheck.jobs.models import Job
from sources.models import Document

from . import tasks


def anchor_quotes_in_attached_text(
    sender: type[Document], *, document: Document, by: Any = None, **kwargs: object
) -> Job:
    """Start anchoring the quotes of a document's claims in its newly stored text."""
    return start_job(tasks.anchor_document, by=by, document_id=document.pk)
