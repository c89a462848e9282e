"""Import claims in bulk from rows shaped like the CSV export (views.CSV_COLUMNS).

Every row is validated with the model's own rules (Claim.full_clean) and the workflow's
rule for new claims (unverified or in review only), in memory: the documents, people
and metrics a batch refers to are fetched in one query each, and each claim is given
its document object so the quote-in-text check needs no query of its own. A batch is
stored in one transaction (bulk_create with history rows) or, when any of its rows is
bad, not at all.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from factcheck.services import acting_user
from sources.models import Document, Person

from ..models import Claim, Metric
from ..ratings import Status
from ..workflow import plan_claim_save
from .conflicts import detect_metric_conflicts

# Export columns that are not claim input: ids and timestamps are the database's,
# the others are shown only to help a reader of the file.
IGNORED_COLUMNS = frozenset(
    {
        "id",
        "created_at",
        "updated_at",
        "document__title",
        "document__publisher__name",
        "speaker__name",
    }
)
# Columns copied onto the claim as they are (after to_python in full_clean).
PLAIN_COLUMNS = (
    "text",
    "quote",
    "speaker_role",
    "claimed_on",
    "claimed_precision",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "status",
    "rationale",
    "editor_note",
)
REFERENCE_COLUMNS = ("document_id", "speaker_id", "metric__slug")
KNOWN_COLUMNS = IGNORED_COLUMNS | set(PLAIN_COLUMNS) | set(REFERENCE_COLUMNS)
# Model field name -> the file's column, so errors name what the user wrote.
COLUMN_OF_FIELD = {"document": "document_id", "speaker": "speaker_id"}
COLUMN_OF_FIELD["metric"] = "metric__slug"
# Checked against the prefetched rows instead (ForeignKey.validate queries per row).
REFERENCE_FIELDS = ["document", "speaker", "metric"]
LINE_KEY = "_line"
# A reader that cannot make a row of a line says why under this key.
ROW_ERROR_KEY = "_error"
DEFAULT_BATCH_SIZE = 2000
# Rows per INSERT statement (one run on PostgreSQL: 250 a little faster than 2,000).
INSERT_SIZE = 250
HISTORY_REASON = "Imported"


@dataclass(frozen=True)
class RowError:
    line: int
    errors: dict[str, list[str]]

    def __str__(self):
        fields = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in self.errors.items()
        )
        return f"line {self.line}: {fields}"


@dataclass
class ImportReport:
    rows_read: int = 0
    created: int = 0
    failed: int = 0
    # Valid rows not stored because another row of their batch was bad.
    not_stored: int = 0
    errors: list[RowError] = field(default_factory=list)
    metric_ids: set[int] = field(default_factory=set)
    stopped_early: bool = False
    conflicts_detected_for: int = 0

    @property
    def ok(self) -> bool:
        return self.failed == 0


def import_claims(
    rows: Iterable[dict],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    by=None,
    stop_on_error: bool = False,
    detect: bool = True,
) -> ImportReport:
    """Validate and store claims from `rows`, batch by batch; return what happened.

    Each row is a dict keyed by the CSV export's columns; its line in the file is
    taken from the key "_line" when present, else its position counting from 1.
    A batch with a bad row stores nothing; the next batch is tried unless
    `stop_on_error`. `by` None is the system; a user needs the rights the workflow
    asks for a new claim. Conflict detection runs once per metric that got claims.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    report = ImportReport()
    numbered = _numbered(rows)
    while batch := list(islice(numbered, batch_size)):
        report.rows_read += len(batch)
        claims, errors = _build_batch(batch, by=by)
        if not errors:
            try:
                with transaction.atomic():
                    bulk_create_with_history(
                        claims,
                        Claim,
                        batch_size=INSERT_SIZE,
                        default_user=acting_user(by),
                        default_change_reason=HISTORY_REASON,
                    )
            except IntegrityError as error:
                # A rule only the database holds: report it for the batch.
                errors = [RowError(batch[0][0], {"batch": [str(error).strip()]})]
            else:
                report.created += len(claims)
                report.metric_ids.update(c.metric_id for c in claims if c.metric_id)
        if errors:
            report.errors.extend(errors)
            report.failed += len(errors)
            report.not_stored += len(batch) - len(errors)
            if stop_on_error:
                report.stopped_early = True
                break
    if detect:
        detect_import_conflicts(report, sorted(report.metric_ids))
    return report


def detect_import_conflicts(report: ImportReport, metric_ids: Iterable[int]) -> None:
    """Run conflict detection once on each metric (the ones an import touched)."""
    for metric_id in metric_ids:
        detect_metric_conflicts(metric_id)
        report.conflicts_detected_for += 1


def _numbered(rows: Iterable[dict]) -> Iterator[tuple[int, dict]]:
    for position, row in enumerate(rows, start=1):
        row = dict(row)
        yield row.pop(LINE_KEY, position), row


def _build_batch(
    batch: list[tuple[int, dict]], *, by
) -> tuple[list[Claim], list[RowError]]:
    """Return the batch's claims, validated, and the errors of its bad rows."""
    document_ids, speaker_ids, slugs = set(), set(), set()
    for _, row in batch:
        document_ids.add(_as_id(row.get("document_id")))
        speaker_ids.add(_as_id(row.get("speaker_id")))
        slugs.add(_blank_to_none(row.get("metric__slug")))
    documents = _in_bulk(Document.objects.all(), document_ids - {None})
    people = _in_bulk(Person.objects.all(), speaker_ids - {None})
    metrics = _in_bulk(Metric.objects.all(), slugs - {None}, field_name="slug")
    claims, errors = [], []
    for line, row in batch:
        try:
            claims.append(_build_claim(row, documents, people, metrics, by=by))
        except ValidationError as error:
            errors.append(RowError(line, _by_column(error)))
    return claims, errors


def _in_bulk(queryset, keys: set, field_name: str = "pk") -> dict:
    """Return the rows with these keys (no query when there are none)."""
    if not keys:
        return {}
    return queryset.in_bulk(list(keys), field_name=field_name)


def _build_claim(row: dict, documents: dict, people: dict, metrics: dict, *, by):
    """Return an unsaved, validated claim for one row, or raise ValidationError."""
    errors: dict[str, list[str]] = {}
    if ROW_ERROR_KEY in row:
        raise ValidationError({"row": [row[ROW_ERROR_KEY]]})
    unknown = sorted(set(row) - KNOWN_COLUMNS)
    for column in unknown:
        errors[column] = ["Unknown column."]
    claim = Claim()
    for column in PLAIN_COLUMNS:
        if column in row:
            value = row[column]
            model_field = Claim._meta.get_field(column)
            if value is None or (value == "" and model_field.null):
                value = None if model_field.null else ""
            try:
                value = model_field.to_python(value)
            except ValidationError as error:
                errors[column] = error.messages
            setattr(claim, column, value)
    if not claim.status:
        claim.status = Status.UNVERIFIED
    _set_reference(
        claim, "document", row.get("document_id"), documents, errors, required=True
    )
    _set_reference(claim, "speaker", row.get("speaker_id"), people, errors)
    slug = _blank_to_none(row.get("metric__slug"))
    if slug is not None:
        if slug in metrics:
            claim.metric = metrics[slug]
        else:
            errors["metric__slug"] = [f"No metric with slug '{slug}'."]
    if claim.status in Status.values:
        try:
            plan_claim_save(
                old_status=None,
                new_status=claim.status,
                old_rationale="",
                new_rationale=claim.rationale or "",
                judged_changes=(),
                by=by,
                created_by_id=None,
                content_editor_ids=frozenset,
            )
        except ValidationError as error:
            errors.update(_by_column(error))
        except PermissionDenied as error:
            errors["status"] = [str(error) or "You may not create this claim."]
    if acting_user(by) is not None:
        claim.created_by = claim.updated_by = by
    # clean() would compare values that did not parse: report those alone.
    if not any(column in errors for column in PLAIN_COLUMNS):
        try:
            # Constraints duplicate clean()'s rules and CheckConstraint.validate runs
            # a query each; the database still enforces them on insert.
            claim.full_clean(
                exclude=REFERENCE_FIELDS,
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            for column, messages in _by_column(error).items():
                errors.setdefault(column, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return claim


def _set_reference(claim, name, raw, known: dict, errors, *, required=False) -> None:
    column = COLUMN_OF_FIELD[name]
    if _blank_to_none(raw) is None:
        if required:
            errors[column] = ["This field cannot be blank."]
        return
    pk = _as_id(raw)
    if pk is None:
        errors[column] = [f"'{raw}' is not an id."]
    elif pk not in known:
        errors[column] = [f"No {name} with id {pk}."]
    else:
        setattr(claim, name, known[pk])


def _blank_to_none(value):
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _as_id(value) -> int | None:
    value = _blank_to_none(value)
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _by_column(error: ValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {"row": error.messages}
    return {
        COLUMN_OF_FIELD.get(name, name): messages
        for name, messages in error.message_dict.items()
    }
