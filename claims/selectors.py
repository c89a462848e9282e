"""Reads that need more than a queryset method."""

from .models import Claim

# Bookkeeping that changes with every save; a version's diff leaves it out.
UNINTERESTING_FIELDS = {"updated_at", "updated_by", "version", "comparison_flag"}


def claim_versions(*, claim_id: int) -> list:
    """Return a claim's history rows, newest first, each with `.changes` set.

    `.changes` lists {field, old, new} against the version before it, from one query.
    """
    records = list(
        Claim.history.filter(id=claim_id)
        .select_related("history_user")
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


def _plain(value):
    return None if value is None else str(value)
