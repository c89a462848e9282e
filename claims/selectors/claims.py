"""Reads that need more than a queryset method."""

import itertools
from typing import Any, cast

from django.db.models import Field, Prefetch

from ..models import Claim, ClaimLink, ClaimQuerySet
from ..models import claims as claims_models
from ..ratings import VERDICTS
from ..workflow import JUDGED_FIELDS, STAFF_ONLY_FIELDS

# Bookkeeping that changes with every save; a version's diff leaves it out.
UNINTERESTING_FIELDS = {"updated_at", "updated_by", "version", "comparison_flag"}


def claim_attname(name: str) -> str:
    """Return the attribute that holds the Claim field `name` (metric: metric_id).

    `name` is a concrete field (JUDGED_FIELDS are), not a reverse relation.
    """
    return cast("Field[Any, Any]", Claim._meta.get_field(name)).attname


def claim_versions(*, claim_id: int, staff: bool = False) -> list[Any]:
    """Return a claim's history rows, newest first, each with `.changes` set.

    `.changes` lists {field, old, new} against the version before it, from one query.
    Unless `staff`, changes to the STAFF_ONLY_FIELDS are left out, and so is a
    version that changed nothing else (its reason may speak of the notes).
    """
    records = list(
        Claim.history.filter(id=claim_id)
        .select_related("history_user")
        .prefetch_related("history_user__groups")
        .order_by("history_date", "history_id")
    )
    previous = None
    shown = []
    for record in records:
        changes: list[dict[str, str | None]] = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=UNINTERESTING_FIELDS)
            shown_changes = [
                change
                for change in delta.changes
                if staff or change.field not in STAFF_ONLY_FIELDS
            ]
            if delta.changes and not shown_changes:  # staff-only fields alone
                previous = record
                continue
            changes = [
                {
                    "field": change.field,
                    "old": _plain(change.old),
                    "new": _plain(change.new),
                }
                for change in shown_changes
            ]
        record.changes = changes
        shown.append(record)
        previous = record
    return list(reversed(shown))


def judged_content_editors(*, claim_id: int | None) -> set[int]:
    """Return the users who changed what the claim says since its last verdict.

    Read from the history: every version after the last one with a verdict that
    differs from the version before it in a judged field (claims.workflow); with no
    verdict ever, the user who created the claim counts too.
    """
    if claim_id is None:
        return set()
    judged = [claim_attname(name) for name in JUDGED_FIELDS]
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
    for before, after in itertools.pairwise(records):
        if any(before[name] != after[name] for name in judged):
            editors.add(after["history_user_id"])
    return editors - {None}


def _plain(value: object) -> str | None:
    return None if value is None else str(value)


# The sort keys of claim lists are the model's (the same expressions as its indexes).
CLAIM_SORT_KEYS = claims_models.CLAIM_SORT_KEYS


def reviewable_claims() -> ClaimQuerySet:
    """Return claims with what their ClaimReview needs (appearances) loaded in bulk."""
    return Claim.objects.with_relations().prefetch_related(
        Prefetch(
            "links_from",
            queryset=ClaimLink.objects.select_related("to_claim__document__publisher"),
        ),
        Prefetch(
            "links_to",
            queryset=ClaimLink.objects.select_related(
                "from_claim__document__publisher"
            ),
        ),
    )


def latest_verdicts(limit: int) -> list[Claim]:
    """Return up to `limit` claims with a verdict, the most recently reviewed first.

    A verdict loaded rather than set by a reviewer (the fixtures' disputed claims,
    an import) has no reviewed_at: those follow the dated ones, newest claim first,
    read only when the dated ones do not fill the list. Two index-ordered reads of
    at most `limit` rows each, however many claims there are.
    """
    verdicts = Claim.objects.reviewed().select_related("document", "metric")
    dated = list(
        verdicts.filter(reviewed_at__isnull=False).order_by("-reviewed_at", "-id")[
            :limit
        ]
    )
    if len(dated) == limit:
        return dated
    undated = verdicts.filter(reviewed_at__isnull=True).order_by("-id")
    return dated + list(undated[: limit - len(dated)])
