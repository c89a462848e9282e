"""The background job of a review import."""

from typing import Any

from factcheck.jobs import JobFailed, complete_job, job_progress, task

from .models import ReviewImport
from .parsing.formats import FormatError
from .services import IMPORT_UPLOAD_TASK, import_reviews, open_upload


# Not atomic: progress is seen while a large file imports. Exactly once: each
# batch commits with the upload's progress, so a run after a worker died goes on
# after the items done (and a review is stored once per key in any case); the Job's
# completion commits in the import's last transaction.
@task(name=IMPORT_UPLOAD_TASK, atomic=False)
def import_reviews_upload(*, job_id: int, import_id: int) -> dict[str, Any]:
    """Import an uploaded file of reviews: valid items stored, bad ones listed."""
    upload = ReviewImport.objects.filter(pk=import_id).first()
    if upload is None:
        raise JobFailed(f"Review import {import_id} no longer exists.")
    try:
        report = import_reviews(
            handle=open_upload(upload),
            format=upload.format,
            upload=upload,
            on_batch=lambda read: job_progress(job_id, read, None),
            on_done=lambda done: complete_job(job_id, done.as_dict()),
        )
    except FormatError as error:
        raise JobFailed(str(error)) from error
    return report.as_dict()
