"""The series app's background jobs: loading an uploaded file, and comparisons.

Each is idempotent: a load of a file already loaded stores nothing new, and a
comparison run replaces the comparisons it computes.
"""

import io
from typing import Any

from factcheck.jobs import JobFailed, task

from .models import SeriesImport
from .records.formats import FormatError
from .services.comparisons import REFRESH_CLAIM_COMPARISONS_TASK, refresh_comparisons
from .services.loading import (
    LOAD_UPLOAD_TASK,
    REFRESH_METRIC_COMPARISONS_TASK,
    load_series_file,
)


@task(name=LOAD_UPLOAD_TASK)
def load_upload(*, job_id: int, import_id: int) -> dict[str, Any]:
    """Load an uploaded file of official observations: one vintage each, or none."""
    upload = SeriesImport.objects.filter(pk=import_id).first()
    if upload is None:
        raise JobFailed(f"Series import {import_id} no longer exists.")
    try:
        report = load_series_file(
            stream=io.BytesIO(bytes(upload.content)),
            format=upload.format,
            file_name=upload.file_name,
            options=upload.options,
            by=upload.created_by,
        )
    except FormatError as error:
        raise JobFailed(
            f"Nothing was stored: {error}", input=f"{error.where} {error.field}".strip()
        ) from None
    return report.as_dict()


@task(name=REFRESH_METRIC_COMPARISONS_TASK)
def refresh_metric_comparisons(*, metric_id: int) -> dict[str, int]:
    """Recompute the comparisons of every claim with a figure on a metric."""
    return refresh_comparisons(metric_id=metric_id)


@task(name=REFRESH_CLAIM_COMPARISONS_TASK)
def refresh_claim_comparisons(*, claim_id: int) -> dict[str, int]:
    """Recompute one claim's comparisons (its figure, period or metric changed)."""
    return refresh_comparisons(claim_ids=[claim_id])
