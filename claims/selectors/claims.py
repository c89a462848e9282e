"""Reads that need more than a queryset method."""

import hashlib

import orjson
from django.conf import settings
from django.db.models import QuerySet

from ..models import Claim
from ..ratings import VERDICTS
from ..workflow import JUDGED_FIELDS

# Bookkeeping that changes with every save; a version's diff leaves it out.
UNINTERESTING_FIELDS = {"updated_at", "updated_by", "version", "comparison_flag"}

# Every column a claim's API representation shows, its relations' included.
CLAIM_ROW_FIELDS = (
    "id",
    "text",
    "quote",
    "document_id",
    "document__title",
    "document__url",
    "document__publisher__name",
    "document__published_on",
    "document__published_precision",
    "speaker_id",
    "speaker__name",
    "speaker_role",
    "claimed_on",
    "claimed_precision",
    "metric_id",
    "metric__slug",
    "metric__name",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "period_resolution",
    "change_percent",
    "change_comparator",
    "status",
    "rationale",
    "editor_note",
    "reviewed_at",
    "version",
    "created_at",
    "updated_at",
)


def claim_rows(queryset: QuerySet) -> QuerySet:
    """Return the claims as plain rows of CLAIM_ROW_FIELDS, in one joined query.

    The queryset's annotations (sort keys, search rank) stay in the rows, so a cursor
    paginator can read its position from them.
    """
    return queryset.values(*CLAIM_ROW_FIELDS, *queryset.query.annotations)


def claim_versions(*, claim_id: int) -> list:
    """Return a claim's history rows, newest first, each with `.changes` set.

    `.changes` lists {field, old, new} against the version before it, from one query.
    """
    records = list(
        Claim.history.filter(id=claim_id)
        .select_related("history_user")
        .prefetch_related("history_user__groups")
        .order_by("history_date", "history_id")
    )
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=UNINTERESTING_FIELDS)
            changes = [
                {
                    "field": change.field,
                    "old": _plain(change.old),
                    "new": _plain(change.new),
                }
                for change in delta.changes
            ]
        record.changes = changes
        previous = record
    return list(reversed(records))


def judged_content_editors(*, claim_id: int | None) -> set[int]:
    """Return the users who changed what the claim says since its last verdict.

    Read from the history: every version after the last one with a verdict that
    differs from the version before it in a judged field (claims.workflow); with no
    verdict ever, the user who created the claim counts too.
    """
    if claim_id is None:
        return set()
    judged = [Claim._meta.get_field(name).attname for name in JUDGED_FIELDS]
    history = Claim.history.filter(id=claim_id)
    last_verdict = (
        history.filter(status__in=VERDICTS)
        .order_by("-history_date", "-history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    if last_verdict is not None:
        history = history.filter(history_date__gte=last_verdict)
    records = list(
        history.order_by("history_date", "history_id").values(
            "history_type", "history_user_id", *judged
        )
    )
    editors = set()
    if last_verdict is None and records and records[0]["history_type"] == "+":
        editors.add(records[0]["history_user_id"])
    for before, after in zip(records, records[1:], strict=False):
        if any(before[name] != after[name] for name in judged):
            editors.add(after["history_user_id"])
    return editors - {None}


def _plain(value):
    return None if value is None else str(value)


def claim_etag(row: dict, conflicts: dict[int, list[dict]]) -> str:
    """Return a claim's ETag from its row and conflicts, before any serializing.

    The representation is made of exactly these values (and times are written in
    TIME_ZONE), so the hash changes whenever the representation can.
    """
    shown = [row[name] for name in CLAIM_ROW_FIELDS]
    encoded = orjson.dumps(
        [settings.TIME_ZONE, shown, conflicts[row["id"]]],
        default=str,
        option=orjson.OPT_PASSTHROUGH_DATETIME,
    )
    return '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'
