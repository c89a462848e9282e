"""Who may move a claim's verification status where: the one place these rules live.

    unverified  <->  in review  ->  a verdict (verified, misleading, false,
                                    disputed, unverifiable)
                     in review  <-  a verdict            (reopen)

Editors (``claims.change_claim``) move claims between unverified and in review.
Reviewers (``claims.set_verdict``) also set verdicts and reopen them. A verdict
needs a rationale, and (setting FACTCHECK_FOUR_EYES, on by default) a reviewer
cannot set a verdict on a claim they created. Superusers may do all.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from .ratings import VERDICTS, Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.UNVERIFIED: frozenset({Status.IN_REVIEW}),
    Status.IN_REVIEW: frozenset({Status.UNVERIFIED, *VERDICTS}),
    **{verdict: frozenset({Status.IN_REVIEW}) for verdict in VERDICTS},
}
# New claims start here; a verdict comes later, from someone else (four-eyes).
INITIAL_STATUSES = frozenset({Status.UNVERIFIED, Status.IN_REVIEW})

VERDICT_PERMISSION = "claims.set_verdict"
CHANGE_PERMISSION = "claims.change_claim"


def allowed_moves(status: str) -> list[Status]:
    """Return the statuses a claim in `status` may move to, in scale order."""
    targets = TRANSITIONS[Status(status)]
    return [candidate for candidate in Status if candidate in targets]


def _labels(statuses) -> str:
    return ", ".join(f"'{Status(status).label}'" for status in statuses) or "none"


def required_permission(old: str, new: str) -> str:
    """Return the permission a move needs; setting or reopening a verdict: review."""
    if Status(new) in VERDICTS or Status(old) in VERDICTS:
        return VERDICT_PERMISSION
    return CHANGE_PERMISSION


def check_status_change(
    *, old: str | None, new: str, by, created_by_id: int | None, rationale: str
) -> None:
    """Refuse a status change the rules do not allow, saying which moves are allowed.

    `old` is None for a new claim; `by` None means the system itself (imports).
    Raises ValidationError for a move the graph forbids or a missing rationale, and
    PermissionDenied when the user may not make the move.
    """
    new = Status(new)
    if old is None:
        if new not in INITIAL_STATUSES:
            raise ValidationError(
                {
                    "status": f"A new claim starts as {_labels(INITIAL_STATUSES)}; "
                    "a verdict is set later by a reviewer."
                }
            )
        old_status = Status.UNVERIFIED
    else:
        old_status = Status(old)
        if new == old_status:
            return
        if new not in TRANSITIONS[old_status]:
            raise ValidationError(
                {
                    "status": f"Cannot move a claim from '{old_status.label}' to "
                    f"'{new.label}'. Allowed from '{old_status.label}': "
                    f"{_labels(allowed_moves(old_status))}."
                }
            )
    if by is not None:
        permission = required_permission(old_status, new)
        if not by.has_perm(permission):
            role = "reviewer" if permission == VERDICT_PERMISSION else "editor"
            raise PermissionDenied(
                f"Only a {role} may move a claim from '{old_status.label}' to "
                f"'{new.label}'."
            )
        if (
            new in VERDICTS
            and settings.FACTCHECK_FOUR_EYES
            and not by.is_superuser
            and created_by_id is not None
            and created_by_id == by.pk
        ):
            raise PermissionDenied(
                "Four-eyes rule: you created this claim, so another reviewer must "
                "set its verdict."
            )
    if new in VERDICTS and not (rationale or "").strip():
        raise ValidationError(
            {"rationale": "A verdict needs a rationale; cite the evidence it rests on."}
        )
