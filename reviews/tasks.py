"""The background job of a review import."""

from typing import Any

from factcheck.jobs import JobFailed, job_progress, task

from .models import ReviewImport
from .parsing.formats import FormatError
from .services import IMPORT_UPLOAD_TASK, import_reviews, open_upload


# Not atomic: progress is seen while a large file imports. Each item is stored once
# by its key, so a run after a worker died mid-import stores only what is missing.
@task(name=IMPORT_UPLOAD_TASK, atomic=False)
def import_reviews_upload(*, job_id: int, import_id: int) -> dict[str, Any]:
    """Import an uploaded file of reviews: valid items stored, bad ones listed.

    Idempotent: a review is stored once per key, so a re-run changes nothing.
    """
    upload = ReviewImport.objects.filter(pk=import_id).first()
    if upload is None:
        raise JobFailed(f"Review import {import_id} no longer exists.")
    try:
        report = import_reviews(
            handle=open_upload(upload),
            format=upload.format,
            upload=upload,
            on_batch=lambda read: job_progress(job_id, read, None),
        )
    except FormatError as error:
        raise JobFailed(str(error)) from error
    return report.as_dict()
