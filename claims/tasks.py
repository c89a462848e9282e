"""The claims app's background jobs (procrastinate tasks; workers import this module).

Each task is small and idempotent (factcheck.jobs): it reads what it works on again
when it runs and writes what a full computation would, so a retry, a second run or a
run after later changes leaves the same result. A task that creates rows (an import,
an extraction) records its Job's completion in the transaction that creates them
(the runner's default, or complete_job()), so a retry finds it done.
"""

from typing import TYPE_CHECKING, Any

from factcheck.jobs import JobFailed, complete_job, job_progress, task
from factcheck.jobs.models import Job
from sources.models import Document

from .models import ClaimImport
from .services import conflicts
from .services.anchoring import anchor_claims
from .services.candidates import extract_candidates
from .services.conflicts import (
    DETECT_ALL_CONFLICTS_TASK,
    REFRESH_CONFLICTS_TASK,
    metric_lock,
)
from .services.import_files import IMPORT_UPLOAD_TASK, upload_rows
from .services.imports import import_claims

# Services defer these jobs by name; metric_lock is theirs (kept importable here).
__all__ = ["metric_lock"]

if TYPE_CHECKING:
    from .services.imports import ImportReport


@task(name=REFRESH_CONFLICTS_TASK)
def refresh_conflicts(
    *, metric_id: int, claim_ids: list[int], before: list[dict[str, Any]]
) -> dict[str, int]:
    """Bring a metric's links and flags up to date around claims that changed."""
    summary = conflicts.refresh_conflicts(
        metric_id=metric_id, claim_ids=claim_ids, before=before
    )
    return {"created": summary.created, "removed": summary.removed}


# Requests for a full detection share one Job while it is queued or running.
FULL_DETECTION_KEY = DETECT_ALL_CONFLICTS_TASK


# One transaction per metric (a single one would lock every claim for the whole
# run): idempotent by recomputation, a second run writes the links the first did.
@task(name=DETECT_ALL_CONFLICTS_TASK, atomic=False)
def detect_all_conflicts(*, job_id: int) -> dict[str, int]:
    """Run full conflict detection over every metric (repairs, bulk loads).

    Progress counts the metrics done; a second run after the first committed its
    metrics finds the links in place (its result counts what it changed: none).
    """
    summary = conflicts.detect_all_conflicts(
        on_metric=lambda done, total: job_progress(job_id, done, total)
    )
    return {
        "created": summary.created,
        "removed": summary.removed,
        "flagged": summary.flagged,
    }


@task(name="claims.extract_candidates")
def extract_document(*, job_id: int, document_id: int) -> dict[str, Any]:
    """Propose candidate claims from a document's stored text."""
    report = extract_candidates(document_id=document_id)
    return {
        "document": document_id,
        "created": report.created,
        "skipped_existing": report.skipped_existing,
        "skipped_rejected": report.skipped_rejected,
        "skipped_duplicate": report.skipped_duplicate,
        "cap": report.cap,
        "dropped_over_cap": report.dropped_over_cap,
        "candidates": [candidate.pk for candidate in report.candidates],
        "language": report.language,
        "unsupported": report.unsupported,
    }


@task(name="claims.anchor_quotes")
def anchor_document(*, job_id: int, document_id: int) -> dict[str, Any]:
    """Find where each claim of a document quotes its newly stored text."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        return {"document": document_id, "anchored": [], "not_found": []}
    report = anchor_claims(document=document)
    return {
        "document": document_id,
        "anchored": report.anchored,
        "not_found": [claim_id for claim_id, _ in report.missing],
    }


# How many bad rows an import job's result lists; the count covers them all.
IMPORT_ERRORS_SHOWN = 200


# Not atomic: validation reports progress, which readers see only if committed.
@task(name=IMPORT_UPLOAD_TASK, atomic=False)
def import_upload(*, job_id: int, import_id: int) -> dict[str, Any]:
    """Import an uploaded file of claims: every row valid and stored, or none.

    Progress counts the rows validated. Bad rows fail the job, naming the first
    bad row's line and field; the result lists each bad row (line, field,
    messages), and nothing is stored. The Job succeeds in the transaction that
    stores the claims: a run after that finds it done and stores nothing.
    """
    upload = ClaimImport.objects.filter(pk=import_id).first()
    if upload is None:
        raise JobFailed(f"Import {import_id} no longer exists.")
    rows = list(upload_rows(upload))
    total = len(rows)
    job_progress(job_id, 0, total)
    report = import_claims(
        rows,
        by=upload.created_by,
        all_or_nothing=True,
        on_batch=lambda done: job_progress(job_id, done, total),
        before_commit=lambda stored: complete_job(job_id, _import_result(stored)),
    )
    result = _import_result(report)
    if not report.ok:
        Job.objects.filter(pk=job_id).update(result=result)
        first = report.errors[0]
        raise JobFailed(
            f"{report.failed} of {report.rows_read} rows are bad; nothing was "
            f"stored. First: {first}",
            input=f"line {first.line}",
        )
    return result


def _import_result(report: "ImportReport") -> dict[str, Any]:
    return {
        "rows_read": report.rows_read,
        "created": report.created,
        "failed": report.failed,
        "errors": [
            {"line": error.line, "fields": error.errors}
            for error in report.errors[:IMPORT_ERRORS_SHOWN]
        ],
        "conflict_detection_deferred_for_metrics": report.conflicts_detected_for,
    }
