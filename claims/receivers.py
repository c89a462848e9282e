"""What the claims app does when another app tells it something (signals)."""

from collections.abc import Collection
from typing import Any

from django.db import models

from factcheck.jobs import start_job
from factcheck.jobs.models import Job
from sources.models import Document

from . import tasks
from .services.corrections import published_source_change


def anchor_quotes_in_attached_text(
    sender: type[Document], *, document: Document, by: Any = None, **kwargs: object
) -> Job:
    """Start anchoring the quotes of a document's claims in its newly stored text."""
    return start_job(tasks.anchor_document, by=by, document_id=document.pk)


def guard_published_sources(
    sender: type[models.Model],
    *,
    instance: models.Model,
    changed: Collection[str],
    by: Any = None,
    reason: str = "",
    apply: bool,
    **kwargs: object,
) -> list[int]:
    """Refuse or record a change to what a published verdict shows (a correction)."""
    return published_source_change(
        instance=instance, changed=changed, by=by, reason=reason, apply=apply
    )
