"""Import claims in bulk from rows shaped like the CSV export (views.CSV_COLUMNS).

Every row is validated with the model's own rules (Claim.full_clean) and the workflow's
rule for new claims (unverified or in review only), in memory: the documents, people
and metrics a batch refers to are fetched in one query each, and each claim is given
its document object so the quote-in-text check needs no query of its own. A batch is
stored in one transaction or, when any of its rows is bad, not at all: on PostgreSQL
with COPY (claims, then their history rows; claims.services.copying), elsewhere with
bulk_create. Triggers fire for COPY as for INSERT (the search vector). Conflict
detection for the new claims is the incremental job (claims.refresh_conflicts), one
per metric, deferred in the batch's transaction.
"""

import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model, QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from factcheck.ids import ID_MESSAGE, parse_id
from factcheck.jobs import defer
from factcheck.services import Actor, acting_user
from sources.models import Document, Person

from ..models import Claim, Metric
from ..ratings import Status
from ..workflow import plan_claim_save
from .conflicts import REFRESH_CONFLICTS_TASK, metric_lock
from .copying import copy_objects, reserve_ids
from .events import ClaimChange, record_claim_events

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
REFERENCE_COLUMNS = ("document_id", "speaker_id", "metric__slug", "metric_id")
# The API's names for the references (ClaimInputSerializer): `document` and
# `speaker` are ids, `metric` an id (ASCII digits) or a slug, as the API reads it.
COLUMN_ALIASES = {"document": "document_id", "speaker": "speaker_id"}
METRIC_ALIAS = "metric"
# What a JSON value may be in each column, as the API takes a claim: dates as text,
# figures as text or finite numbers, ids as whole numbers (factcheck.ids), other
# columns as text (a number is read as its text, as DRF's CharField does).
DATE_COLUMNS = frozenset({"claimed_on", "period_start", "period_end"})
NUMBER_COLUMNS = frozenset({"value", "value_upper"})
ID_COLUMNS = frozenset({"document_id", "speaker_id", "metric_id"})
KNOWN_COLUMNS = IGNORED_COLUMNS | set(PLAIN_COLUMNS) | set(REFERENCE_COLUMNS)
# What an unknown column's error lists: the columns a row may have.
EXPECTED_COLUMNS = (
    "text, quote, document (or document_id), speaker (or speaker_id), metric (an "
    "id or a slug; or metric__slug), "
    + ", ".join(column for column in PLAIN_COLUMNS if column not in {"text", "quote"})
    + "; the CSV export's other columns are ignored"
)
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
IMPORT_EVENT_REASON = "Created by an import."
HISTORY_REASON = "Imported"
# Status.values builds its list on every use: a sixth of a row's validation.
STATUS_VALUES = frozenset(Status.values)

_M = TypeVar("_M", bound=Model)


@dataclass(frozen=True)
class RowError:
    line: int
    errors: dict[str, list[str]]

    def __str__(self) -> str:
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
    # Metrics whose conflict detection was deferred for the new claims.
    conflicts_detected_for: int = 0
    detected_metric_ids: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return self.failed == 0


def import_claims(
    rows: Iterable[Mapping[str, Any]],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    by: Actor = None,
    stop_on_error: bool = False,
    detect: bool = True,
    all_or_nothing: bool = False,
    on_batch: Callable[[int], None] | None = None,
    before_commit: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Validate and store claims from `rows`, batch by batch; return what happened.

    Each row is a dict keyed by the CSV export's columns; its line in the file is
    taken from the key "_line" when present, else its position counting from 1.
    A batch with a bad row stores nothing; the next batch is tried unless
    `stop_on_error`. With `all_or_nothing` every row is validated first and the
    claims are stored in one transaction only if none is bad. `by` None is the
    system; a user needs the rights the workflow asks for a new claim. With
    `detect`, each batch defers the incremental conflict job of each of its metrics.
    `on_batch` is called with the rows read so far after each batch is validated
    (stored, unless `all_or_nothing`). `before_commit` (with `all_or_nothing` only)
    is called with the report inside the transaction that stores the claims, once
    they are stored: a job records its completion there (factcheck.jobs), so that
    the claims and the record of their import commit together.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1.")
    if before_commit is not None and not all_or_nothing:
        raise ValueError("before_commit needs all_or_nothing.")
    report = ImportReport()
    numbered = _numbered(rows)
    valid: list[list[Claim]] = []
    while batch := list(islice(numbered, batch_size)):
        report.rows_read += len(batch)
        claims, errors = _build_batch(batch, by=by)
        if not errors and not all_or_nothing:
            errors = _store_batch(claims, batch[0][0], report, by=by, detect=detect)
        elif not errors:
            valid.append(claims)
        if errors:
            report.errors.extend(errors)
            report.failed += len(errors)
            report.not_stored += len(batch) - len(errors)
            if stop_on_error:
                report.stopped_early = True
                break
        if on_batch is not None:
            on_batch(report.rows_read)
    if all_or_nothing:
        _store_all_or_nothing(
            valid, report, by=by, detect=detect, before_commit=before_commit
        )
    return report


def check_claim_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    by: Actor = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> ImportReport:
    """Validate `rows` as import_claims would, storing nothing; return what it found.

    The same checks (claims.services.import_files.claim_import_check runs them in
    the request for a small file, so a bad one is a 400 rather than a failed job).
    """
    report = ImportReport()
    numbered = _numbered(rows)
    while batch := list(islice(numbered, batch_size)):
        report.rows_read += len(batch)
        _, errors = _build_batch(batch, by=by)
        report.errors.extend(errors)
        report.failed += len(errors)
    return report


def unknown_header_columns(columns: Iterable[str]) -> list[str]:
    """Return a CSV header's columns that no row may have, as written."""
    known = KNOWN_COLUMNS | set(COLUMN_ALIASES) | {METRIC_ALIAS}
    return [column for column in columns if column not in known]


def _store_all_or_nothing(
    batches: list[list[Claim]],
    report: ImportReport,
    *,
    by: Actor,
    detect: bool,
    before_commit: Callable[[ImportReport], None] | None,
) -> None:
    """Store every validated batch in one transaction, or none if a row was bad."""
    if report.errors:
        report.not_stored += sum(len(claims) for claims in batches)
        return
    stored = ImportReport()
    with transaction.atomic():
        for claims in batches:
            errors = _store_batch(claims, 1, stored, by=by, detect=detect)
            if errors:
                report.errors.extend(errors)
                report.failed += 1
                report.not_stored = report.rows_read - 1
                transaction.set_rollback(True)  # the jobs deferred go with it
                return
        report.created = stored.created
        report.metric_ids = stored.metric_ids
        report.conflicts_detected_for = stored.conflicts_detected_for
        if before_commit is not None:
            before_commit(report)


def _store_batch(
    claims: list[Claim],
    first_line: int,
    report: ImportReport,
    *,
    by: Actor,
    detect: bool,
) -> list[RowError]:
    """Store one batch of valid claims in a transaction; return its errors if any."""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy_claims(claims, by=by)
            else:
                bulk_create_with_history(
                    claims,
                    Claim,
                    batch_size=INSERT_SIZE,
                    default_user=acting_user(by),
                    default_change_reason=HISTORY_REASON,
                )
            metric_ids = _defer_detection(claims) if detect else set()
            # With the batch, in bulk: an event per claim exists iff it does.
            record_claim_events(
                ClaimChange(claim.pk, "claim.created", IMPORT_EVENT_REASON)
                for claim in claims
            )
    except IntegrityError as error:
        # A rule only the database holds: report it for the batch.
        return [RowError(first_line, {"batch": [str(error).strip()]})]
    report.created += len(claims)
    report.metric_ids.update(c.metric_id for c in claims if c.metric_id)
    report.conflicts_detected_for += len(metric_ids - report.detected_metric_ids)
    report.detected_metric_ids |= metric_ids
    return []


def _copy_claims(claims: list[Claim], *, by: Actor) -> None:
    """Insert the claims and their "created" history rows with COPY (PostgreSQL)."""
    for claim, pk in zip(claims, reserve_ids(Claim, len(claims)), strict=True):
        claim.pk = pk
    # The trigger computes the search vector (migration 0004), as for an INSERT.
    copy_objects(Claim, claims, skip={"search_vector"})
    history = Claim.history.model
    user = acting_user(by)
    now = timezone.now()
    tracked = [field.attname for field in history.tracked_fields]
    copy_objects(
        history,
        [
            history(
                history_date=now,
                history_user_id=user.pk if user is not None else None,
                history_change_reason=HISTORY_REASON,
                history_type="+",
                **{name: getattr(claim, name) for name in tracked},
            )
            for claim in claims
        ],
        skip={"history_id"},
    )
    for claim in claims:
        claim._state.adding = False


def _defer_detection(claims: list[Claim]) -> set[int]:
    """Defer the incremental conflict job for each metric the new claims are on.

    The job runs once the batch commits (a worker; inline on SQLite and in tests),
    as after claim_save, with no figures "before": the claims are new.
    """
    by_metric: dict[int, list[int]] = {}
    for claim in claims:
        if claim.metric_id:
            by_metric.setdefault(claim.metric_id, []).append(claim.pk)
    for metric_id, claim_ids in sorted(by_metric.items()):
        defer(
            REFRESH_CONFLICTS_TASK,
            lock=metric_lock(metric_id),
            metric_id=metric_id,
            claim_ids=claim_ids,
            before=[],
        )
    return set(by_metric)


def _numbered(
    rows: Iterable[Mapping[str, Any]],
) -> Iterator[tuple[int, dict[str, Any]]]:
    for position, row in enumerate(rows, start=1):
        row = dict(row)
        yield row.pop(LINE_KEY, position), row


def _build_batch(
    batch: list[tuple[int, dict[str, Any]]], *, by: Actor
) -> tuple[list[Claim], list[RowError]]:
    """Return the batch's claims, validated, and the errors of its bad rows."""
    document_ids: set[int | None] = set()
    speaker_ids: set[int | None] = set()
    metric_ids: set[int | None] = set()
    slugs: set[Any] = set()
    canonical = [(line, *_canonical_columns(row)) for line, row in batch]
    for _, row, _ in canonical:
        document_ids.add(_as_id(row.get("document_id")))
        speaker_ids.add(_as_id(row.get("speaker_id")))
        metric_ids.add(_as_id(row.get("metric_id")))
        slug = _blank_to_none(row.get("metric__slug"))
        slugs.add(slug if isinstance(slug, str) else None)
    documents = _in_bulk(Document.objects.all(), document_ids - {None})
    people = _in_bulk(Person.objects.all(), speaker_ids - {None})
    metrics: dict[Any, Metric] = _in_bulk(
        Metric.objects.all(), slugs - {None}, field_name="slug"
    )
    metrics_by_id = _in_bulk(Metric.objects.all(), metric_ids - {None})
    claims: list[Claim] = []
    errors: list[RowError] = []
    for line, row, written in canonical:
        try:
            claims.append(
                _build_claim(row, documents, people, metrics, metrics_by_id, by=by)
            )
        except ValidationError as error:
            errors.append(
                RowError(
                    line,
                    {
                        written.get(column, column): messages
                        for column, messages in _by_column(error).items()
                    },
                )
            )
    return claims, errors


def _canonical_columns(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the row with the API's column names (COLUMN_ALIASES) as the export's,
    and which column each renamed one was written as (for its errors).

    A column given under both names is left as it is: the alias is then an
    unknown column, and its error lists the expected ones.
    """
    renamed = dict(row)
    written: dict[str, str] = {}
    aliases = dict(COLUMN_ALIASES)
    metric = row.get(METRIC_ALIAS)
    text = metric.strip() if isinstance(metric, str) else ""
    by_id = isinstance(metric, int) or (text.isascii() and text.isdigit())
    aliases[METRIC_ALIAS] = "metric_id" if by_id else "metric__slug"
    for alias, column in aliases.items():
        taken = {"metric__slug", "metric_id"} if alias == METRIC_ALIAS else {column}
        if alias in row and not taken & set(row):
            renamed[column] = renamed.pop(alias)
            written[column] = alias
    if "metric_id" in written:
        written["metric__slug"] = METRIC_ALIAS  # the metric field's errors
    return renamed, written


def _in_bulk(
    queryset: QuerySet[_M], keys: Collection[object], field_name: str = "pk"
) -> dict[Any, _M]:
    """Return the rows with these keys (no query when there are none)."""
    if not keys:
        return {}
    return queryset.in_bulk(list(keys), field_name=field_name)


def _build_claim(
    row: dict[str, Any],
    documents: dict[int, Document],
    people: dict[int, Person],
    metrics: dict[str, Metric],
    metrics_by_id: dict[int, Metric],
    *,
    by: Actor,
) -> Claim:
    """Return an unsaved, validated claim for one row, or raise ValidationError."""
    errors: dict[str, list[str]] = {}
    if ROW_ERROR_KEY in row:
        raise ValidationError({"row": [row[ROW_ERROR_KEY]]})
    unknown = sorted(set(row) - KNOWN_COLUMNS)
    for column in unknown:
        errors[column] = [f"Unknown column; the columns are: {EXPECTED_COLUMNS}."]
    errors.update(_type_errors(row))
    claim = Claim()
    for column in PLAIN_COLUMNS:
        if column in row and column not in errors:
            value = row[column]
            if isinstance(value, int | float) and not isinstance(value, bool):
                value = str(value)  # a JSON number in a text or figure column
            # PLAIN_COLUMNS name concrete fields, not relations.
            model_field = cast("Field[Any, Any]", Claim._meta.get_field(column))
            if value is None or (value == "" and model_field.null):
                value = None if model_field.null else ""
            try:
                value = model_field.to_python(value)
            except ValidationError as error:
                errors[column] = error.messages
            setattr(claim, column, value)
    if not claim.status:
        claim.status = Status.UNVERIFIED
    if "document_id" not in errors:
        _set_reference(
            claim, "document", row.get("document_id"), documents, errors, required=True
        )
    if "speaker_id" not in errors:
        _set_reference(claim, "speaker", row.get("speaker_id"), people, errors)
    slug = _blank_to_none(row.get("metric__slug"))
    metric_id = _as_id(row.get("metric_id"))
    if metric_id is not None and "metric_id" not in errors:
        if metric_id in metrics_by_id:
            claim.metric = metrics_by_id[metric_id]
        else:
            errors["metric_id"] = [f"No metric with id {metric_id}."]
    if slug is not None and "metric__slug" not in errors:
        if slug in metrics:
            claim.metric = metrics[slug]
        else:
            errors["metric__slug"] = [f"No metric with slug '{slug}'."]
    if claim.status in STATUS_VALUES:
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
    user = acting_user(by)  # `by` itself, when it is a user
    if user is not None:
        claim.created_by = claim.updated_by = user
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


def _set_reference(
    claim: Claim,
    name: str,
    raw: Any,
    known: Mapping[int, Model],
    errors: dict[str, list[str]],
    *,
    required: bool = False,
) -> None:
    column = COLUMN_OF_FIELD[name]
    if _blank_to_none(raw) is None:
        if required:
            errors[column] = ["This field cannot be blank."]
        return
    pk = _as_id(raw)
    if pk is None:
        errors[column] = [ID_MESSAGE]
    elif pk not in known:
        errors[column] = [f"No {name} with id {pk}."]
    else:
        setattr(claim, name, known[pk])


def _blank_to_none(value: Any) -> Any:
    """Return None for a missing or blank cell, else the value, a string stripped."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _as_id(value: Any) -> int | None:
    return parse_id(_blank_to_none(value))


def _type_errors(row: Mapping[str, Any]) -> dict[str, list[str]]:
    """Return the row's values that are not of their column's type, by column.

    A JSON Lines row can hold anything JSON can: before, {"a": 1} was stored as
    the text "{'a': 1}", 1.9 was read as id 1, and 1e400 (infinity), a list or a
    number where a date belongs stopped the job with a Python exception.
    """
    errors: dict[str, list[str]] = {}
    for column, value in row.items():
        if value is None or column not in KNOWN_COLUMNS - IGNORED_COLUMNS:
            continue
        if isinstance(value, str):
            if "\x00" in value:
                # PostgreSQL refuses a NUL in text; SQLite stored it.
                errors[column] = ["Null characters are not allowed."]
            elif column in ID_COLUMNS and value.strip() and _as_id(value) is None:
                errors[column] = [ID_MESSAGE]
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if column in ID_COLUMNS:
            if _as_id(value) is None:
                errors[column] = [ID_MESSAGE]
        elif column in NUMBER_COLUMNS:
            if not number or not math.isfinite(value):
                errors[column] = ["Give a finite number, as a number or as text."]
        elif column in DATE_COLUMNS:
            errors[column] = ["Give the date as text: YYYY-MM-DD."]
        elif column == "metric__slug" or not number:
            errors[column] = [f"Give text, not {type(value).__name__}."]
    return errors


def _by_column(error: ValidationError) -> dict[str, list[str]]:
    if not hasattr(error, "error_dict"):
        return {"row": error.messages}
    return {
        COLUMN_OF_FIELD.get(name, name): messages
        for name, messages in error.message_dict.items()
    }
