"""Events of claims: what readers and partners see of a change, written with it.

Every service that changes something a reader or a partner sees of a claim calls
these in its own transaction (events.services.record_events refuses otherwise), so
an event exists if and only if its change committed. The body of a claim's event is
{"claim": the claim's public API representation at that moment, ...} (the row
serializer of claims.api.representations, which every list and the detail answer
with), without the fields only staff see (STAFF_ONLY_FIELDS), and what the change
was about beside it ("evidence", "conflict", "comparison", "review"). The re-check
flag lives here too: a claim with a published verdict that an event touches is
flagged, in the same transaction.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from events.models import Event
from events.services import Change, record_events
from factcheck.services import Actor

from ..api.representations import CLAIM_ROW_FIELDS, ClaimRowSerializer, claim_rows
from ..models import Claim
from ..ratings import VERDICTS, Status
from ..selectors.conflicts import conflicts_of
from ..workflow import STAFF_ONLY_FIELDS, VERDICT_PERMISSION, SavePlan

# The event types that flag a claim with a published verdict for re-check.
RECHECK_TYPES = frozenset(
    {
        "claim.evidence.added",
        "claim.evidence.removed",
        "claim.conflict.detected",
        "claim.conflict.resolved",
        "claim.official.changed",
        "claim.review.matched",
    }
)
# The verdict changes a corrections log lists (the public claim page).
VERDICT_TYPES = (
    "claim.verdict.published",
    "claim.verdict.revised",
    "claim.verdict.withdrawn",
    "claim.verdict.confirmed",
)
RECHECK_REASON_MAX_LENGTH = 2000
CONFIRM_NOTE_MAX_LENGTH = 500


def claim_url(claim_id: int) -> str:
    """Return the claim's API URL path (an event's object_url)."""
    return f"/api/v1/claims/{claim_id}/"


def public_claim_bodies(
    claim_ids: Collection[int], saved: Mapping[int, Claim] | None = None
) -> dict[int, dict[str, Any]]:
    """Return each claim's public representation, as the API writes it, by id.

    Two queries however many claims: their rows and their conflicts; one when
    every claim is in `saved` (instances just saved, their rows read off them).
    Staff-only fields are left out; claims not found (deleted) are left out.
    """
    ids = sorted(set(claim_ids))
    if not ids:
        return {}
    saved = saved or {}
    rows = [_row_of(saved[claim_id]) for claim_id in ids if claim_id in saved]
    unsaved = [claim_id for claim_id in ids if claim_id not in saved]
    if unsaved:
        rows += list(claim_rows(Claim.objects.filter(pk__in=unsaved)))
    written = ClaimRowSerializer(
        rows, many=True, context={"conflicts": conflicts_of(ids)}
    ).data
    return {
        body["id"]: {
            name: value for name, value in body.items() if name not in STAFF_ONLY_FIELDS
        }
        for body in written
    }


def _row_of(claim: Claim) -> dict[str, Any]:
    """Return a saved claim's row as claim_rows reads it (CLAIM_ROW_FIELDS), from
    the instance and its loaded relations (a relation not loaded is read)."""
    row: dict[str, Any] = {}
    for name in CLAIM_ROW_FIELDS:
        value: Any = claim
        for part in name.split("__"):
            value = getattr(value, part) if value is not None else None
        row[name] = value
    return row


@dataclass(frozen=True)
class ClaimChange:
    """A change to one claim: the event type, why, and what else the body says."""

    claim_id: int
    type: str
    reason: str = ""
    # Added to the body beside "claim" (e.g. the evidence, the conflict).
    detail: Mapping[str, Any] | None = None


def record_claim_events(
    changes: Iterable[ClaimChange], saved: Mapping[int, Claim] | None = None
) -> list[Event]:
    """Record one event per change, each with its claim's public body, and flag
    the claims with a published verdict that a re-check type touches.

    Call inside the change's transaction, after the change is written (the body is
    read from the database, or off the instances in `saved`, just saved). The
    flagged claims are locked first, in id order, so a claim's events are written
    in the order its changes happened.
    """
    changes = list(changes)
    if not changes:
        return []
    reasons: dict[int, list[str]] = {}
    for change in changes:
        if change.type in RECHECK_TYPES:
            reasons.setdefault(change.claim_id, []).append(change.reason or change.type)
    if reasons:
        flag_recheck({claim_id: "; ".join(why) for claim_id, why in reasons.items()})
    bodies = public_claim_bodies({change.claim_id for change in changes}, saved)
    versions = {claim_id: body["version"] for claim_id, body in bodies.items()}
    return record_events(
        Change(
            type=change.type,
            object_url=claim_url(change.claim_id),
            object_version=versions.get(change.claim_id),
            claim_id=change.claim_id,
            reason=change.reason,
            body=_body(bodies.get(change.claim_id), change.detail),
        )
        for change in changes
    )


def _body(
    claim: dict[str, Any] | None, detail: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Return an event's body: {"claim": the claim as the API shows it, ...detail}."""
    return {"claim": claim, **(detail or {})}


def verdict_change(
    *, stored: Claim | None, claim: Claim, plan: SavePlan, change_reason: str
) -> ClaimChange | None:
    """Return the verdict event a save makes (published, revised, withdrawn), if any."""
    if stored is None:
        return None
    before, after = Status(stored.status), Status(plan.status)
    if before not in VERDICTS and after in VERDICTS:
        reason = change_reason or f"Verdict published: {after.label}."
        return ClaimChange(claim.pk, "claim.verdict.published", reason)
    if before in VERDICTS and after not in VERDICTS:
        if plan.reopened:
            default = "Reopened: what the verdict judged was changed."
        else:
            default = "Verdict withdrawn: the claim went back to review."
        return ClaimChange(
            claim.pk, "claim.verdict.withdrawn", change_reason or default
        )
    if before in VERDICTS and plan.verdict_act:
        reason = change_reason or "The rationale of the verdict was revised."
        return ClaimChange(claim.pk, "claim.verdict.revised", reason)
    return None


def clears_recheck(stored: Claim | None, plan: SavePlan) -> bool:
    """Whether a save answers a re-check: the verdict revised, set or withdrawn."""
    return stored is not None and (
        plan.verdict_act or Status(plan.status) not in VERDICTS
    )


def flag_recheck(reasons: Mapping[int, str]) -> list[int]:
    """Flag for re-check the claims of `reasons` that carry a verdict; return them.

    The verdict stays published. A claim flagged already keeps the time of its
    first flag (the queue is oldest first) and gains the new reason as a line.
    Locks the claims' rows, in id order, until the transaction ends.
    """
    if not reasons:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Flag claims in the transaction of the change.")
    claims = list(
        Claim.objects.filter(pk__in=list(reasons), status__in=VERDICTS)
        .select_for_update()
        .order_by("pk")
        .only("pk", "recheck_since", "recheck_reason")
    )
    now = timezone.now()
    for claim in claims:
        lines = [line for line in (claim.recheck_reason or "").splitlines() if line]
        reason = " ".join(reasons[claim.pk].split())
        if reason not in lines:
            lines.append(reason)
        text = "\n".join(lines)
        if len(text) > RECHECK_REASON_MAX_LENGTH:
            text = "…" + text[-(RECHECK_REASON_MAX_LENGTH - 1) :]
        claim.recheck_reason = text
        claim.recheck_since = claim.recheck_since or now
    Claim.objects.bulk_update(claims, ["recheck_since", "recheck_reason"])
    return [claim.pk for claim in claims]


@transaction.atomic
def recheck_confirm(*, claim: Claim, by: Actor, note: str) -> Claim:
    """Confirm a flagged claim's published verdict after re-checking it, with a note.

    Only a reviewer may; the note says what was checked (it is public: the event
    claim.verdict.confirmed carries it as its reason). The flag is cleared; the
    verdict, its rationale and the claim's version are unchanged.
    """
    if by is not None and not by.has_perm(VERDICT_PERMISSION):
        raise PermissionDenied("Only a reviewer may confirm a verdict.")
    note = " ".join((note or "").split())
    if not note:
        raise ValidationError(
            {"note": "Say what you re-checked: the note is published with it."}
        )
    if len(note) > CONFIRM_NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": f"At most {CONFIRM_NOTE_MAX_LENGTH} characters."}
        )
    stored: Claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if stored.recheck_since is None:
        raise ValidationError({"claim": "This claim is not flagged for re-check."})
    if stored.status not in VERDICTS:
        raise ValidationError({"claim": "Only a published verdict can be confirmed."})
    flagged = stored.recheck_reason or ""
    Claim.objects.filter(pk=stored.pk).update(recheck_since=None, recheck_reason=None)
    record_claim_events(
        [
            ClaimChange(
                stored.pk,
                "claim.verdict.confirmed",
                note,
                detail={"flagged_because": flagged.splitlines()},
            )
        ]
    )
    stored.recheck_since, stored.recheck_reason = None, None
    return stored
