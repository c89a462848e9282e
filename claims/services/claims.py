"""Writes with rules: every change to a claim goes through here.

An edit (the API's create and update, the admin form) goes through claim_update;
the admin form calls claim_update_plan first to show what the rules refuse on the
field it concerns. Both apply what was typed (claims.figures.written) and the
workflow (claims.workflow) the same way, in claim_save.
"""

import copy
import datetime
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from factcheck.jobs import defer
from factcheck.services import Actor, acting_user

from ..figures.written import FIGURE_FIELDS, written_figure_fields
from ..models import Claim, ClaimLink, Evidence
from ..ratings import Status
from ..selectors.claims import claim_attname, judged_content_editors
from ..selectors.figures import FIGURE_COLUMNS
from ..workflow import JUDGED_FIELDS, SavePlan, plan_claim_save
from .conflicts import REFRESH_CONFLICTS_TASK, figure_row_data, metric_lock
from .corrections import linked_claim_document_change
from .events import clears_recheck, record_claim_events, verdict_change


@transaction.atomic
def claim_save(
    *,
    claim: Claim,
    by: Actor = None,
    expected_version: int | None = None,
    change_reason: str = "",
) -> Claim:
    """Validate and store a new or changed claim under the workflow rules.

    The stored row is locked while it is compared: a stale `expected_version` is
    refused; the status and rationale are decided by claims.workflow (a change to
    what a verdict judges reopens the claim; a verdict is set or revised only as
    the rules allow `by`); the version goes up by one with every save. `by` None
    is the system (imports, restores). A verdict published, revised or withdrawn
    records its event (claims.services.events) in the same transaction.
    """
    stored = _stored_locked(claim)
    refuse_stale_version(stored=stored, expected_version=expected_version)
    plan = _plan_save(claim, stored, by)
    claim.status, claim.rationale = plan.status, plan.rationale
    claim.rationale_draft = plan.rationale_draft or None
    if stored is not None and stored.document_id != claim.document_id:
        linked_claim_document_change(
            claim_id=claim.pk, by=by, what=f"move claim {claim.pk} to another document"
        )
    user = acting_user(by)
    if plan.verdict_act:
        claim.reviewed_at = timezone.now()
        claim.reviewed_by = user
        claim.first_reviewed_at = (
            stored.first_reviewed_at if stored else None
        ) or claim.reviewed_at
    # _history_user and _change_reason are read by django-simple-history on save;
    # the stubs do not know them.
    if user is not None:
        if stored is None:
            claim.created_by = user
        claim.updated_by = user
        claim._history_user = user  # type: ignore[attr-defined]
    claim.version = stored.version + 1 if stored else 1
    if change_reason:
        claim._change_reason = change_reason  # type: ignore[attr-defined]
    elif plan.reopened:
        reason = "Reopened: what the verdict judged was changed"
        claim._change_reason = reason  # type: ignore[attr-defined]
    if stored is not None:
        _record_baseline(stored)
        # The flag is the stored row's (set by other writes since `claim` was
        # read), unless this save answers it: a verdict revised, set or withdrawn.
        if clears_recheck(stored, plan):
            claim.recheck_since, claim.recheck_reason = None, None
        else:
            claim.recheck_since = stored.recheck_since
            claim.recheck_reason = stored.recheck_reason
    figure_changed = stored is None or _figure_changed(stored, claim)
    if (
        stored is not None
        and not figure_changed
        and stored.conflicts_checked_version == stored.version
    ):
        # Nothing detection reads changed: the last check still holds.
        claim.conflicts_checked_version = claim.version
    claim.full_clean()
    claim.save()
    change = verdict_change(
        stored=stored, claim=claim, plan=plan, change_reason=change_reason
    )
    if change is not None:
        # In this transaction, under the claim's row lock: its events are in the
        # order its changes happened.
        record_claim_events([change], saved={claim.pk: claim})
    if figure_changed:
        refresh_conflicts_after_commit(claim_id=claim.pk, before=stored, after=claim)
    return claim


def _stored_locked(claim: Claim) -> Claim | None:
    """Return the stored row of `claim`, locked until the transaction ends (when
    one is open: a check outside one reads it unlocked)."""
    if claim.pk is None:
        return None
    stored = Claim.objects.filter(pk=claim.pk)
    if transaction.get_connection().in_atomic_block:
        stored = stored.select_for_update()
    return stored.first()


def refuse_stale_version(*, stored: Claim | None, expected_version: int | None) -> None:
    """Refuse an edit made to another version than the stored one (ValidationError
    on "version", code "stale_version"); None expects nothing."""
    if (
        stored is not None
        and expected_version is not None
        and stored.version != expected_version
    ):
        raise ValidationError(
            {
                "version": ValidationError(
                    f"Someone else saved this claim after you opened it "
                    f"(your version {expected_version}, now {stored.version}). "
                    "Reload it and reapply your change.",
                    code="stale_version",
                    params={"expected": expected_version, "stored": stored.version},
                )
            }
        )


def _plan_save(claim: Claim, stored: Claim | None, by: Actor) -> SavePlan:
    """Decide the status and rationale `claim` is saved with (claims.workflow).

    An empty claim date is the document's (Claim.default_claimed_on), compared as
    such: clearing a date equal to the document's changes nothing a verdict judged.
    """
    claim.default_claimed_on()
    judged = judged_changes(stored, claim) if stored is not None else []
    return plan_claim_save(
        old_status=stored.status if stored else None,
        new_status=claim.status,
        old_rationale=stored.rationale if stored else "",
        new_rationale=claim.rationale,
        judged_changes=judged,
        by=by,
        created_by_id=stored.created_by_id if stored else None,
        content_editor_ids=partial(judged_content_editors, claim_id=claim.pk),
        old_rationale_draft=(stored.rationale_draft or "") if stored else "",
    )


PERIOD_FIELDS = {"period_start", "period_end"}


@dataclass(frozen=True)
class ClaimEditPlan:
    """What claim_update would save: checked, not stored."""

    # The figure and period fields read from what was typed (amount, label).
    written: dict[str, Any]
    # The status and rationale the claim would be saved with.
    save: SavePlan


def _apply_edit(
    claim: Claim,
    values: Mapping[str, Any],
    amount_text: str,
    given: Collection[str] | None,
) -> dict[str, Any]:
    """Set `values` on `claim`, then the fields read from the amount and label typed.

    `given` names the fields the editor set in this edit (default: those in
    `values`). An amount as text refuses figure fields given beside it. A period
    label given is read into dates when the claim has no dates after the edit:
    dates given, or kept from before, are never overwritten by the label. Relative
    labels are read against the claim's date, or its document's. Returns the
    fields read.
    """
    for name, value in values.items():
        setattr(claim, name, value)
    typed = set(values if given is None else given)
    dated = claim.period_start is not None or claim.period_end is not None
    metric = claim.metric if claim.metric_id else None
    written = written_figure_fields(
        amount_text=amount_text,
        period_label=(claim.period_label or "") if "period_label" in typed else "",
        reference=claim.claimed_on
        or (claim.document.published_on if claim.document_id else None),
        given=(typed & set(FIGURE_FIELDS)) | (PERIOD_FIELDS if dated else set()),
        default_unit=metric.unit if metric is not None else "",
    )
    for name, value in written.items():
        setattr(claim, name, value)
    return written


def claim_update_plan(
    *,
    claim: Claim,
    values: Mapping[str, Any],
    amount_text: str = "",
    by: Actor = None,
    expected_version: int | None = None,
    given: Collection[str] | None = None,
) -> ClaimEditPlan:
    """Check an edit as claim_update will make it, without saving or changing `claim`.

    Raises what claim_update would (ValidationError naming the field, or
    PermissionDenied), so a form can show it beside the field. Inside a
    transaction the stored row stays locked until it ends, as the save will.
    """
    stored = _stored_locked(claim)
    refuse_stale_version(stored=stored, expected_version=expected_version)
    edited = copy.copy(claim)
    written = _apply_edit(edited, values, amount_text, given)
    return ClaimEditPlan(written=written, save=_plan_save(edited, stored, by))


@transaction.atomic
def claim_update(
    *,
    claim: Claim,
    values: Mapping[str, Any],
    amount_text: str = "",
    by: Actor = None,
    expected_version: int | None = None,
    change_reason: str = "",
    given: Collection[str] | None = None,
) -> Claim:
    """Edit a claim (or create one: `claim` not saved yet) as an editor typed it.

    `values` are the model fields set; `amount_text` an amount as written, read
    into value, unit and comparator; a period label in `values` is read into
    dates (claims.figures.written). Then claim_save: the stale-version check, the
    workflow (an edit to what a verdict judges reopens the claim) and the save.
    """
    _apply_edit(claim, values, amount_text, given)
    return claim_save(
        claim=claim,
        by=by,
        expected_version=expected_version,
        change_reason=change_reason,
    )


def _figure_changed(stored: Claim, claim: Claim) -> bool:
    return stored.metric_id != claim.metric_id or any(
        getattr(stored, name) != getattr(claim, name)
        for name in FIGURE_COLUMNS
        if name != "id"
    )


def judged_changes(stored: Claim, claim: Claim) -> list[str]:
    """Return the fields a verdict judges whose value `claim` changes from `stored`."""
    changed = []
    for name in JUDGED_FIELDS:
        attname = claim_attname(name)
        if getattr(stored, attname) != getattr(claim, attname):
            changed.append(name)
    return changed


def _record_baseline(stored: Claim) -> None:
    """Give a claim loaded without history (fixtures) a first history row.

    The four-eyes rule reads who changed what from the history; without a row for
    the state before the first recorded change, that change could not be told.
    """
    if not Claim.history.filter(id=stored.pk).exists():
        # Not the user of the request: nobody recorded (django-simple-history).
        stored._history_user = None  # type: ignore[attr-defined]
        Claim.history.bulk_history_create(
            [stored],
            default_change_reason="State before the first recorded change",
            default_date=stored.updated_at,
        )


def refresh_conflicts_after_commit(
    *, claim_id: int, before: Claim | None, after: Claim | None
) -> None:
    """Bring conflicts up to date around a claim's change, in a job after commit.

    One job per metric the claim was or is on (jobs of one metric take turns), with
    its figure as it was (`before`), so that the job finds what compared with the
    old figure as well as the new. The job exists exactly when the write committed.
    """
    old = [figure_row_data(before)] if before is not None and before.metric_id else []
    metric_ids = {
        claim.metric_id
        for claim in (before, after)
        if claim is not None and claim.metric_id is not None
    }
    for metric_id in sorted(metric_ids):
        defer(
            REFRESH_CONFLICTS_TASK,
            lock=metric_lock(metric_id),
            metric_id=metric_id,
            claim_ids=[claim_id],
            before=old,
        )


@transaction.atomic
def claim_delete(
    *, claim: Claim, by: Actor = None, expected_version: int | None = None
) -> None:
    """Delete a claim (its history stays; it can be restored); recheck its metric.

    A stale `expected_version` is refused, as claim_save refuses it.
    """
    if expected_version is not None:
        refuse_stale_version(
            stored=_stored_locked(claim), expected_version=expected_version
        )
    user = acting_user(by)
    if user is not None:
        claim._history_user = user  # type: ignore[attr-defined]  # simple_history
    claim_id = claim.pk
    linked_claim_document_change(
        claim_id=claim_id, by=by, what=f"delete claim {claim_id}"
    )
    claim.delete()
    refresh_conflicts_after_commit(claim_id=claim_id, before=claim, after=None)


def claim_set_status(
    *,
    claim: Claim,
    status: str,
    by: Actor = None,
    rationale: str = "",
    change_reason: str = "",
) -> Claim:
    """Move a claim to another verification status (see claims.workflow)."""
    claim.status = Status(status)
    if rationale:
        claim.rationale = rationale
    return claim_save(claim=claim, by=by, change_reason=change_reason)


@transaction.atomic
def claim_restore_deleted(*, claim_id: int, by: Actor = None) -> Claim:
    """Bring back a deleted claim as it was, with its evidence and editors' links.

    Its detected links are detected again after commit. All or nothing: a link
    that would repeat a stored one is left out rather than failing the restore.
    """
    if Claim.objects.filter(pk=claim_id).exists():
        raise ValidationError(f"Claim {claim_id} exists; there is nothing to restore.")
    record = (
        Claim.history.filter(id=claim_id, history_type="-")
        .order_by("-history_date")
        .first()
    )
    if record is None:
        raise ValidationError(f"No deleted claim {claim_id} in the history.")
    claim: Claim = record.instance
    claim.version = record.version + 1
    # For django-simple-history's record of the save.
    claim._change_reason = "Restored after deletion"  # type: ignore[attr-defined]
    user = acting_user(by)
    if user is not None:
        claim._history_user = user  # type: ignore[attr-defined]
        claim.updated_by = user
    claim.full_clean(validate_unique=False)
    claim.save(force_insert=True)
    _restore_deleted_rows(claim, record.history_date, by)
    refresh_conflicts_after_commit(claim_id=claim.pk, before=None, after=claim)
    return claim


def _restore_deleted_rows(
    claim: Claim, deleted_at: datetime.datetime, by: Actor
) -> None:
    """Restore the evidence and links deleted together with the claim."""
    window = (deleted_at - datetime.timedelta(seconds=5), deleted_at)
    for record in Evidence.history.filter(
        claim_id=claim.pk, history_type="-", history_date__range=window
    ):
        if not Evidence.objects.filter(pk=record.id).exists():
            evidence = record.instance
            evidence._change_reason = "Restored with its claim"
            evidence.save(force_insert=True)
    # Detected links are not brought back: the refresh after commit detects the
    # restored figure's links afresh (detection dropped and made links while the
    # claim lived, so the window can hold several deleted links of one pair).
    links = ClaimLink.history.filter(
        history_type="-", history_date__range=window, detected=False
    )
    records = links.filter(from_claim_id=claim.pk) | links.filter(to_claim_id=claim.pk)
    # Newest first: of the links of one pair, the last one deleted comes back.
    for record in records.order_by("-history_date", "-history_id"):
        other = (
            record.to_claim_id
            if record.from_claim_id == claim.pk
            else record.from_claim_id
        )
        if Claim.objects.filter(pk=other).exists() and not _link_taken(record):
            link = record.instance
            link._change_reason = "Restored with its claim"
            link.save(force_insert=True)


def _link_taken(record: Any) -> bool:
    """Whether a link would repeat a stored one: its id, or its claims and relation
    (either way round where the relation is symmetric, as ClaimLink.clean says)."""
    same = Q(pk=record.id) | Q(
        from_claim_id=record.from_claim_id,
        to_claim_id=record.to_claim_id,
        relation=record.relation,
    )
    if record.relation != ClaimLink.Relation.UPDATES:
        same |= Q(
            from_claim_id=record.to_claim_id,
            to_claim_id=record.from_claim_id,
            relation=record.relation,
        )
    return ClaimLink.objects.filter(same).exists()
