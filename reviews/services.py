"""Writes of external reviews: imports, the rating crosswalk, attaching as evidence.

An import reads a file item by item (parsing.formats), validates each on its own
and stores the valid ones in batches, one transaction each: a review is known by
its key (url + claimReviewed + publisher), so importing the same or an overlapping
feed again changes nothing, and a review published again with a later
dateModified updates the stored one (a history row keeps what it said before).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claims.models import Claim, Evidence
from claims.ratings import VERDICTS
from claims.services.events import ClaimChange, record_claim_events
from claims.services.evidence import evidence_save
from factcheck.jobs import pauses, start_job

from .models import ExternalReview, RatingMapping, ReviewImport, ReviewPublisher
from .parsing.formats import FormatError, detect_format, read_items
from .parsing.ratings import map_rating, normalise_label
from .parsing.records import RecordError, ReviewRecord, figure_of
from .parsing.validation import validate_claim_review

BATCH_SIZE = 500
HISTORY_REASON = "Imported"
# Fields an import may change when a review is published again with a later
# dateModified (everything it says; not its key, publisher or first import).
UPDATED_FIELDS = [
    "kind",
    "author_name",
    "date_published",
    "date_modified",
    "language",
    "textual_rating",
    "rating_value",
    "best_rating",
    "worst_rating",
    "status",
    "status_source",
    "claimant_name",
    "claimant_same_as",
    "claim_date",
    "appearances",
    "first_appearance",
    "media_category",
    "media_urls",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "feed",
    "source_import",
    "imported_at",
    "original",
    "problems",
]

# Deferred by the name reviews.tasks registers (a service never imports its tasks).
IMPORT_UPLOAD_TASK = "reviews.import_upload"


@dataclass
class ImportReport:
    """What an import did: counts, and every rejected item with its position."""

    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def resumed(cls, progress: dict[str, Any]) -> ImportReport:
        """Return the report an earlier run of an upload committed (or a new one)."""
        return cls(
            read=progress.get("read", 0),
            created=progress.get("created", 0),
            updated=progress.get("updated", 0),
            unchanged=progress.get("unchanged", 0),
            rejected=list(progress.get("rejected", [])),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected_count": len(self.rejected),
            "rejected": self.rejected,
        }


def review_key(record: ReviewRecord) -> str:
    """Return the hash that identifies a review: url, claimReviewed, publisher."""
    joined = "\x1f".join(record.key)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


class Crosswalk:
    """The rating mappings, read once per import: shared and per publisher."""

    def __init__(self) -> None:
        self.shared: dict[str, str] = {}
        self.by_publisher: dict[int, dict[str, str]] = {}
        for publisher_id, label, status in RatingMapping.objects.values_list(
            "publisher_id", "label", "status"
        ):
            if publisher_id is None:
                self.shared[label] = status
            else:
                self.by_publisher.setdefault(publisher_id, {})[label] = status

    def status_of(self, review: ExternalReview) -> tuple[str, str]:
        return map_rating(
            review.textual_rating,
            value=review.rating_value,
            best=review.best_rating,
            worst=review.worst_rating,
            publisher_crosswalk=self.by_publisher.get(review.publisher_id),
            crosswalk=self.shared,
        )


def open_upload(upload: ReviewImport) -> IO[bytes]:
    return io.BytesIO(upload.content.encode("utf-8"))


def import_reviews(
    *,
    handle: IO[bytes],
    format: str = "",
    filename: str = "",
    upload: ReviewImport | None = None,
    on_batch: Callable[[int], None] | None = None,
    on_done: Callable[[ImportReport], None] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import every valid review of a file; list each rejected one with why.

    With an `upload`, each batch's transaction also writes what the import has
    done so far on it (ReviewImport.progress), and a run of the same upload goes on
    after the items already done, its counts carried on: a job run again after its
    worker died stores each review once and reports the file as one run would.
    `on_done(report)` is called in the last transaction, after the last batch
    (the job's completion: factcheck.jobs.complete_job).

    Raises FormatError when the file is of no known shape (nothing stored).
    """
    format = format or detect_format(handle, filename)
    items = read_items(handle, format)
    report = ImportReport.resumed(upload.progress if upload is not None else {})
    done = report.read
    crosswalk = Crosswalk()

    def records() -> Iterator[tuple[str, ReviewRecord]]:
        for number, (position, item) in enumerate(items):
            if number < done:
                continue  # committed by an earlier run of this upload
            report.read += 1
            if isinstance(item, RecordError):
                report.rejected.append({"position": position, "reason": str(item)})
            else:
                yield position, item

    stream = records()
    while batch := list(islice(stream, batch_size)):
        with transaction.atomic():
            _store_batch(
                batch, format=format, upload=upload, crosswalk=crosswalk, report=report
            )
            _save_progress(upload, report)
        pauses.pause(pauses.BATCH_COMMITTED)
        if on_batch is not None:
            on_batch(report.read)
    with transaction.atomic():
        _save_progress(upload, report)  # the rejected items after the last batch
        if on_done is not None:
            on_done(report)
    return report


def _save_progress(upload: ReviewImport | None, report: ImportReport) -> None:
    if upload is not None:
        ReviewImport.objects.filter(pk=upload.pk).update(progress=report.as_dict())


def _review_of(
    record: ReviewRecord, *, format: str, upload: ReviewImport | None
) -> ExternalReview:
    figure = figure_of(
        record.claim_reviewed, claim_date=record.claim_date, language=record.language
    )
    review = ExternalReview(
        key=review_key(record),
        kind=record.kind,
        claim_reviewed=record.claim_reviewed,
        url=record.url,
        author_name=record.author_name,
        date_published=record.date_published,
        date_modified=record.date_modified,
        language=record.language,
        textual_rating=record.textual_rating,
        rating_value=record.rating_value,
        best_rating=record.best_rating,
        worst_rating=record.worst_rating,
        claimant_name=record.claimant_name,
        claimant_same_as=record.claimant_same_as,
        claim_date=record.claim_date,
        appearances=list(record.appearances),
        first_appearance=record.first_appearance,
        media_category=record.media_category,
        media_urls=list(record.media_urls),
        feed=format,
        source_import=upload,
        imported_at=timezone.now(),
        original=record.original,
        problems=(
            [problem.__dict__ for problem in validate_claim_review(record.original)]
            if format != "google" and record.kind == "claim"
            else None
        ),
    )
    if figure is not None:
        review.value = figure.value
        review.value_upper = figure.value_upper
        review.unit = figure.unit
        review.comparator = figure.comparator
        review.period_start = figure.period_start
        review.period_end = figure.period_end
        review.period_label = figure.period_label[:200]
    return review


def _publishers(records: Iterable[ReviewRecord]) -> dict[str, ReviewPublisher]:
    """Return the publishers of a batch by site, creating those not stored yet."""
    names: dict[str, str] = {}
    for record in records:
        if not names.get(record.publisher_site):
            names[record.publisher_site] = record.publisher_name
    known = {p.site: p for p in ReviewPublisher.objects.filter(site__in=list(names))}
    missing = [
        ReviewPublisher(site=site, name=name or site, url=f"https://{site}/")
        for site, name in names.items()
        if site not in known
    ]
    if missing:
        bulk_create_with_history(
            missing, ReviewPublisher, default_change_reason=HISTORY_REASON
        )
        known.update(
            (p.site, p)
            for p in ReviewPublisher.objects.filter(site__in=[p.site for p in missing])
        )
    return known


def _store_batch(
    batch: list[tuple[str, ReviewRecord]],
    *,
    format: str,
    upload: ReviewImport | None,
    crosswalk: Crosswalk,
    report: ImportReport,
) -> None:
    with transaction.atomic():  # the caller's, if it has one
        publishers = _publishers(record for _, record in batch)
        incoming: dict[str, ExternalReview] = {}
        for position, record in batch:
            review = _review_of(record, format=format, upload=upload)
            review.publisher = publishers[record.publisher_site]
            review.status, review.status_source = crosswalk.status_of(review)
            try:
                review.full_clean(
                    exclude=["key", "publisher", "source_import"],
                    validate_unique=False,
                    validate_constraints=False,
                )
            except ValidationError as error:
                reason = "; ".join(
                    f"{name}: {' '.join(messages)}"
                    for name, messages in error.message_dict.items()
                )
                report.rejected.append({"position": position, "reason": reason})
                continue
            earlier = incoming.get(review.key)
            if earlier is None or _newer(review, earlier):
                incoming[review.key] = review
            else:
                report.unchanged += 1
        stored = {
            review.key: review
            for review in ExternalReview.objects.filter(key__in=list(incoming))
        }
        new = [review for key, review in incoming.items() if key not in stored]
        updated: list[ExternalReview] = []
        if new:
            bulk_create_with_history(
                new, ExternalReview, default_change_reason=HISTORY_REASON
            )
            report.created += len(new)
        for key, review in incoming.items():
            if key not in stored:
                continue
            current = stored[key]
            if not _newer(review, current):
                report.unchanged += 1
                continue
            for name in UPDATED_FIELDS:
                setattr(current, name, getattr(review, name))
            current._change_reason = "Re-imported with a later dateModified"  # type: ignore[attr-defined]
            current.save()
            report.updated += 1
            updated.append(current)
        # A review attached to one of our verdicts that now rates it differently.
        record_claim_events(_rating_differences([*new, *updated]))


def _newer(review: ExternalReview, than: ExternalReview) -> bool:
    """Whether `review` is a later version of `than` by its dateModified."""
    if review.date_modified is None:
        return False
    return than.date_modified is None or review.date_modified > than.date_modified


def review_import_start(
    *, by: Any, format: str, content: str, filename: str = ""
) -> Any:
    """Keep an uploaded file of reviews and start the job that imports it."""
    with transaction.atomic():
        upload = ReviewImport(
            format=format,
            content=content,
            filename=filename[:255],
            created_by=by if by is not None and by.is_authenticated else None,
        )
        upload.full_clean()
        upload.save()
        return start_job(IMPORT_UPLOAD_TASK, by=by, import_id=upload.pk)


def upload_format(*, content: bytes, filename: str = "", format: str = "") -> str:
    """Return the format of an upload, or raise ValidationError naming the problem."""
    handle = io.BytesIO(content)
    try:
        detected = format or detect_format(handle, filename)
        # Read the first item too: a known shape whose items are unreadable is not.
        next(iter(read_items(handle, detected)), None)
    except FormatError as error:
        raise ValidationError({"file": [str(error)]}) from error
    return detected


def rating_mapping_save(*, mapping: RatingMapping, by: Any = None) -> RatingMapping:
    """Save a crosswalk entry and map again the reviews it applies to."""
    mapping.label = normalise_label(mapping.label)
    with transaction.atomic():
        mapping.full_clean()
        mapping.save()
        reviews_remap(label=mapping.label)
    return mapping


def reviews_remap(*, label: str) -> int:
    """Map again the stored reviews whose rating is `label`; return how many changed."""
    crosswalk = Crosswalk()
    changed = 0
    candidates = ExternalReview.objects.filter(textual_rating__iexact=label).only(
        "id",
        "textual_rating",
        "rating_value",
        "best_rating",
        "worst_rating",
        "publisher_id",
        "status",
        "status_source",
    )
    for review in candidates.iterator(chunk_size=500):
        status, source = crosswalk.status_of(review)
        if (status, source) != (review.status, review.status_source):
            review.status, review.status_source = status, source
            review._change_reason = "Rating crosswalk changed"  # type: ignore[attr-defined]
            review.save(update_fields=["status", "status_source"])
            changed += 1
    return changed


def review_attach_as_evidence(
    *, review: ExternalReview, claim: Claim, stance: str, note: str = ""
) -> Evidence:
    """Attach an external review to a claim as evidence, with the editor's stance."""
    existing = Evidence.objects.filter(claim=claim, url=review.url).first()
    if existing is not None:
        return existing
    evidence = Evidence(
        claim=claim,
        url=review.url,
        stance=stance,
        note=note or f"{review.publisher.name}: {review.textual_rating or 'no rating'}",
    )
    with transaction.atomic():
        # Through claims' service: evidence on a claim with a verdict is an event.
        evidence_save(evidence=evidence)
        record_claim_events(_rating_differences([review]))
    return evidence


def review_attach_by_id(review_id: int, *, claim: Claim, stance: str) -> Evidence:
    """Attach the review `review_id` to a claim (the claim page's matches panel)."""
    review = (
        ExternalReview.objects.select_related("publisher").filter(pk=review_id).first()
    )
    if review is None:
        raise LookupError(f"No external review #{review_id}.")
    return review_attach_as_evidence(review=review, claim=claim, stance=stance)


def review_body(review: ExternalReview) -> dict[str, Any]:
    """Return what an event says of an external review (all of it public)."""
    return {
        "id": review.pk,
        "url": review.url,
        "publisher": review.publisher.name,
        "claim_reviewed": review.claim_reviewed,
        "textual_rating": review.textual_rating,
        "status": review.status,
        "date_published": review.date_published.isoformat()
        if review.date_published
        else None,
    }


def _rating_differences(reviews: list[ExternalReview]) -> list[ClaimChange]:
    """Return a claim.review.matched change for each of our claims with a verdict
    that an external review is attached to (as evidence: the match an editor made)
    whose rating, on our scale, differs from the verdict. One query for them all.
    """
    by_url = {review.url: review for review in reviews if review.status}
    if not by_url:
        return []
    matched = (
        Evidence.objects.filter(url__in=list(by_url), claim__status__in=VERDICTS)
        .values_list("claim_id", "claim__status", "url")
        .order_by("claim_id", "url")
    )
    changes = []
    for claim_id, status, url in matched:
        review = by_url[url]
        if review.status == status:
            continue
        changes.append(
            ClaimChange(
                claim_id,
                "claim.review.matched",
                f"{review.publisher.name} rates this claim "
                f"“{review.textual_rating or review.status}” ({review.status} on "
                f"our scale); our verdict is {status}.",
                detail={"review": review_body(review)},
            )
        )
    return changes
