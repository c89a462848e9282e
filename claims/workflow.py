"""Who may move a claim's verification status where: the one place these rules live.

    unverified  <->  in review  ->  a verdict (verified, misleading, false,
                                    disputed, unverifiable)
                     in review  <-  a verdict            (reopen)

Editors (``claims.change_claim``) move claims between unverified and in review.
Reviewers (``claims.set_verdict``) also set verdicts and reopen them. Superusers
may do all.

A verdict judges what the claim says: its JUDGED_FIELDS (words, source, speaker,
date, figure, period, metric). A change to any of them on a claim with a verdict
reopens the claim to *in review* in the same save, whoever makes it, so a
published verdict never stands over words no reviewer judged; the ClaimReview is
withdrawn until a reviewer sets a verdict again.

The rationale belongs to the verdict: it is written (or confirmed) in the step
that sets the verdict, revised only by a reviewer, and withdrawn from publication
when the claim is reopened. Reopening keeps it as the claim's *rationale draft*
(never published): the reviewer who sets the next verdict confirms or edits it
instead of retyping it (a quote trimmed by a word rarely changes the reasoning),
and setting the verdict clears the draft. A rationale sent with a claim that has
no verdict is refused, unless it is that draft sent back unchanged (a form posts
every field). Editors' working notes go in ``editor_note``.

Four-eyes (FACTCHECK_FOUR_EYES, on by default): a reviewer may not set or revise
the verdict of a claim they created, nor of one whose judged fields they changed
since its last verdict.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from factcheck.caching import PUBLIC_AUDIENCE

from .figures.written import STATED_FIGURE_FIELDS
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
VIEW_PERMISSION = "claims.view_claim"
# The groups migration 0006 makes, and the role each stands for in public.
EDITORS_GROUP = "Editors"
REVIEWERS_GROUP = "Reviewers"
ROLES = {REVIEWERS_GROUP: "Reviewer", EDITORS_GROUP: "Editor"}

# Claim fields only staff read (staff_audience): the editors' working notes and the
# rationale a reopening withdrew. Never in a public answer (the API, CSV, history,
# events), whatever else a representation shows.
STAFF_ONLY_FIELDS = frozenset({"editor_note", "rationale_draft"})
# Who a claim's representation is written for: everyone (the cache's own public
# audience, whose answers alone are kept for anonymous reads), or the claims' staff.
PUBLIC = PUBLIC_AUDIENCE
STAFF = "staff"

# What a verdict judges (model field names): changing one reopens the verdict.
JUDGED_FIELDS = (
    "text",
    "quote",
    "document",
    "speaker",
    "speaker_role",
    "claimed_on",
    "claimed_precision",
    "metric",
    *STATED_FIGURE_FIELDS,
)


@dataclass(frozen=True)
class SavePlan:
    """What a save of a claim does to its status and rationale."""

    status: Status
    # The published rationale: "" unless the claim has a verdict.
    rationale: str
    # The save changed what a verdict judged, so the claim went back to review.
    reopened: bool
    # The save sets a verdict or revises one: reviewer and time are recorded.
    verdict_act: bool
    # The withdrawn verdict's rationale, kept for the next verdict ("" for none).
    rationale_draft: str = ""


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


def plan_claim_save(
    *,
    old_status: str | None,
    new_status: str,
    old_rationale: str,
    new_rationale: str,
    judged_changes: Collection[str],
    by,
    created_by_id: int | None,
    content_editor_ids: Callable[[], Collection[int]],
    old_rationale_draft: str = "",
) -> SavePlan:
    """Decide the status and rationale a claim is saved with, or refuse the save.

    `old_status` is None for a new claim; `judged_changes` names the JUDGED_FIELDS
    this save changes; `by` None is the system (imports, restores), which no
    permission or four-eyes rule binds. `content_editor_ids` returns the users who
    changed judged fields since the last verdict (asked only when a verdict is set
    or revised). `old_rationale_draft` is the draft a reopening kept. Raises
    ValidationError for a move the graph forbids or a rationale
    out of place, PermissionDenied when `by` may not do what the save does.
    """
    new = Status(new_status)
    rationale = new_rationale or ""
    if old_status is None:
        if new not in INITIAL_STATUSES:
            raise ValidationError(
                {
                    "status": f"A new claim starts as {_labels(INITIAL_STATUSES)}; "
                    "a verdict is set later by a reviewer."
                }
            )
        _check_permission(Status.UNVERIFIED, new, by)
        _refuse_rationale_without_verdict(rationale)
        return SavePlan(new, "", reopened=False, verdict_act=False)

    old = Status(old_status)
    reopened = (
        old in VERDICTS and bool(judged_changes) and new in (old, Status.IN_REVIEW)
    )
    if reopened:
        # Implied by the edit: allowed to whoever may edit the claim.
        new = Status.IN_REVIEW
    elif new != old:
        if new not in TRANSITIONS[old]:
            raise ValidationError(
                {
                    "status": f"Cannot move a claim from '{old.label}' to "
                    f"'{new.label}'. Allowed from '{old.label}': "
                    f"{_labels(allowed_moves(old))}."
                }
            )
        _check_permission(old, new, by)

    if new not in VERDICTS:
        if old in VERDICTS:
            if rationale.strip() and rationale != old_rationale:
                raise ValidationError(
                    {
                        "rationale": "Reopening a claim withdraws its verdict and "
                        "rationale; write the new rationale when you set the "
                        "verdict again."
                    }
                )
            # The withdrawn rationale waits, unpublished, for the next verdict.
            draft = old_rationale or old_rationale_draft
        else:
            if rationale != old_rationale_draft:
                _refuse_rationale_without_verdict(rationale)
            draft = old_rationale_draft
        return SavePlan(
            new, "", reopened=reopened, verdict_act=False, rationale_draft=draft
        )

    entering = new != old
    revising = not entering and rationale != old_rationale
    if not (entering or revising):
        return SavePlan(
            new,
            rationale,
            reopened=False,
            verdict_act=False,
            rationale_draft=old_rationale_draft,
        )
    if not rationale.strip():
        raise ValidationError(
            {"rationale": "A verdict needs a rationale; cite the evidence it rests on."}
        )
    if by is not None:
        if revising and not by.has_perm(VERDICT_PERMISSION):
            raise PermissionDenied(
                "Only a reviewer may change the rationale of a verdict."
            )
        _check_four_eyes(by, created_by_id, judged_changes, content_editor_ids)
    return SavePlan(new, rationale, reopened=False, verdict_act=True)


def _check_permission(old: Status, new: Status, by) -> None:
    if by is None:
        return
    permission = required_permission(old, new)
    if not by.has_perm(permission):
        role = "reviewer" if permission == VERDICT_PERMISSION else "editor"
        raise PermissionDenied(
            f"Only a {role} may move a claim from '{old.label}' to '{new.label}'."
        )


def _refuse_rationale_without_verdict(rationale: str) -> None:
    if rationale.strip():
        raise ValidationError(
            {
                "rationale": "Only a verdict has a rationale: write it when you set "
                "the verdict. Keep working notes in editor_note."
            }
        )


def _check_four_eyes(
    by,
    created_by_id: int | None,
    judged_changes: Collection[str],
    content_editor_ids: Callable[[], Collection[int]],
) -> None:
    if not settings.FACTCHECK_FOUR_EYES or by.is_superuser:
        return
    if created_by_id is not None and created_by_id == by.pk:
        raise PermissionDenied(
            "Four-eyes rule: you created this claim, so another reviewer must "
            "set its verdict."
        )
    if judged_changes or by.pk in content_editor_ids():
        raise PermissionDenied(
            "Four-eyes rule: you changed what this claim says (its words, source, "
            "speaker, date or figure) since its last verdict, so another reviewer "
            "must set its verdict."
        )


def public_name(user) -> str:
    """Return how a staff member is named to the public (never their username).

    FACTCHECK_PUBLIC_HISTORY_NAMES "role" gives their role (Reviewer, Editor,
    Administrator, Staff); "name" their full name, or the role when they have none.
    The user's groups should be prefetched.
    """
    if settings.FACTCHECK_PUBLIC_HISTORY_NAMES == "name" and user.get_full_name():
        return user.get_full_name()
    groups = {group.name for group in user.groups.all()}
    for group, role in ROLES.items():
        if group in groups:
            return role
    return "Administrator" if user.is_superuser else "Staff"


def staff_audience(user) -> bool:
    """Return whether `user` reads the claims' STAFF_ONLY_FIELDS.

    Those who may edit claims (editors, reviewers, superusers) or read them in the
    admin; not anonymous readers, nor signed-in users without those permissions.
    """
    if user is None or not user.is_authenticated:
        return False
    return user.has_perm(CHANGE_PERMISSION) or user.has_perm(VIEW_PERMISSION)


def without_staff_fields(written: dict, *, staff: bool) -> dict:
    """Return a claim's representation for its audience: `written` itself, the
    STAFF_ONLY_FIELDS removed unless `staff`."""
    if not staff:
        for name in STAFF_ONLY_FIELDS.intersection(written):
            del written[name]
    return written


def audience_of(user) -> str:
    """Return who a claim's representation for `user` is written for: STAFF or
    PUBLIC (part of its cache key and ETag: the two bodies differ)."""
    return STAFF if staff_audience(user) else PUBLIC
