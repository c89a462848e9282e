"""What a published verdict shows, changed through the rows it is built from.

A ClaimReview and a claim's public page (claims.claimreview, claims/pages.py) are
built from the claim's own columns and from rows the claim points at: its speaker's
name, its document's title, URL, publisher and date, the publisher's name, and the
documents of the claims linked to it as the same claim (its appearances). A change
to the claim's own judged columns reopens it (claims.workflow). A change to one of
these rows on a claim with a verdict leaves the verdict standing (a typo fixed in a
name would otherwise unpublish every verdict on that person) but needs a reviewer
(claims.set_verdict), and is recorded on every claim it changes as a correction:
the claim's version goes up (its ETags and If-Match move), `corrected_at` is set
(the ClaimReview's dateModified) and its history names who made it and why. Changes
to what no published verdict shows stay free. docs/integrity.md gives the rule per
field.

sources knows nothing of claims: its service sends sources.signals.source_changing
and claims.receivers answers with published_source_change.
"""

from collections.abc import Collection, Iterable

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from factcheck.services import Actor, ChangeRefused, acting_user
from sources.models import Document, Person, Publisher

from ..models import Claim, ClaimLink
from ..workflow import VERDICT_PERMISSION

# The fields of each source model a published verdict shows (model field names).
PUBLISHED_FIELDS: dict[type[models.Model], frozenset[str]] = {
    Person: frozenset({"name"}),
    Publisher: frozenset({"name"}),
    Document: frozenset(
        {"title", "url", "publisher", "published_on", "published_precision"}
    ),
}
# Where a link adds an appearance: the other claim's document is shown.
APPEARANCE_RELATIONS = frozenset({ClaimLink.Relation.SAME_CLAIM})
# The claims a refusal names; the rest are counted.
NAMED_CLAIMS = 20
# django-simple-history's history_change_reason is 100 characters.
REASON_LENGTH = 100


def published_claim_ids(*, instance: models.Model) -> list[int]:
    """Return the ids of the claims with a verdict whose publication shows `instance`.

    A person: the claims they are the speaker of. A publisher or a document: the
    claims whose document it is (or publishes), and the claims linked to those as
    the same claim, which show the document as an appearance.
    """
    if instance.pk is None:
        return []
    if isinstance(instance, Person):
        return sorted(
            Claim.objects.reviewed()
            .filter(speaker_id=instance.pk)
            .values_list("id", flat=True)
        )
    if isinstance(instance, Publisher):
        showing = Claim.objects.filter(document__publisher_id=instance.pk)
    elif isinstance(instance, Document):
        showing = Claim.objects.filter(document_id=instance.pk)
    else:
        return []
    same = ClaimLink.objects.filter(relation__in=APPEARANCE_RELATIONS)
    shown_ids = showing.values("id")
    published = Claim.objects.reviewed().filter(
        Q(id__in=shown_ids)
        | Q(id__in=same.filter(to_claim_id__in=shown_ids).values("from_claim_id"))
        | Q(id__in=same.filter(from_claim_id__in=shown_ids).values("to_claim_id"))
    )
    return sorted(published.values_list("id", flat=True))


def published_source_change(
    *,
    instance: models.Model,
    changed: Collection[str],
    by: Actor,
    reason: str = "",
    apply: bool,
) -> list[int]:
    """Refuse or record a change to a publisher, person or document; return claim ids.

    `changed` names the fields the change alters; only those a published verdict
    shows (PUBLISHED_FIELDS) count. Raises ChangeRefused when `by` is not a
    reviewer; with `apply`, records the correction on the claims (inside the
    caller's transaction).
    """
    fields = sorted(set(changed) & PUBLISHED_FIELDS.get(type(instance), frozenset()))
    if not fields:
        return []
    claim_ids = published_claim_ids(instance=instance)
    if not claim_ids:
        return []
    what = f"{instance._meta.verbose_name} {instance.pk}"
    _refuse_unless_reviewer(
        by=by,
        action=f"change the {_names(fields)} of {what}",
        fields=fields,
        claim_ids=claim_ids,
    )
    if apply:
        record_correction(
            claim_ids=claim_ids, by=by, what=f"{what} {_names(fields)}", reason=reason
        )
    return claim_ids


def _names(fields: Iterable[str]) -> str:
    return ", ".join(fields)


def _refuse_unless_reviewer(
    *, by: Actor, action: str, fields: Collection[str], claim_ids: list[int]
) -> None:
    """Raise ChangeRefused unless `by` is the system or a reviewer."""
    if by is None or by.has_perm(VERDICT_PERMISSION):
        return
    named = ", ".join(str(claim_id) for claim_id in claim_ids[:NAMED_CLAIMS])
    if len(claim_ids) > NAMED_CLAIMS:
        named += f" and {len(claim_ids) - NAMED_CLAIMS} more"
    several = len(claim_ids) > 1
    raise ChangeRefused(
        f"Only a reviewer may {action}: it changes what the published "
        f"verdict{'s' if several else ''} of claim{'s' if several else ''} {named} "
        f"show{'' if several else 's'}. Ask a reviewer; their change is recorded on "
        f"{'those claims' if several else 'that claim'} as a correction.",
        fields=fields,
    )


def record_correction(
    *, claim_ids: Collection[int], by: Actor, what: str, reason: str = ""
) -> None:
    """Record on each claim that what its published verdict shows was corrected.

    Its version goes up, corrected_at is now, and a history row names `by` and
    why. The verdict, its rationale and its reviewer stay. Call it inside the
    transaction of the change.
    """
    now = timezone.now()
    user = acting_user(by)
    claims = list(
        Claim.objects.select_for_update().filter(id__in=claim_ids).order_by("id")
    )
    for claim in claims:
        if claim.conflicts_checked_version == claim.version:
            # Nothing conflict detection reads changed: its last check holds.
            claim.conflicts_checked_version = claim.version + 1
        claim.version += 1
        # updated_at and updated_by stay: the claim's own columns did not change
        # (the history names who corrected it).
        claim.corrected_at = now
    history_reason = f"Correction: {what}" + (f": {reason}" if reason else "")
    if len(history_reason) > REASON_LENGTH:
        history_reason = history_reason[: REASON_LENGTH - 1] + "…"
    bulk_update_with_history(
        claims,
        Claim,
        [
            "version",
            "corrected_at",
            "conflicts_checked_version",
        ],
        batch_size=500,
        default_user=user,
        default_change_reason=history_reason,
        default_date=now,
    )


def linked_claim_document_change(*, claim_id: int, by: Actor, what: str) -> list[int]:
    """Refuse or record a change to which document a claim is in, or its deletion.

    The claims with a verdict linked to it as the same claim show its document as
    an appearance. Call it inside the transaction of the change.
    """
    same = ClaimLink.objects.filter(relation__in=APPEARANCE_RELATIONS)
    partners = Claim.objects.reviewed().filter(
        Q(id__in=same.filter(to_claim_id=claim_id).values("from_claim_id"))
        | Q(id__in=same.filter(from_claim_id=claim_id).values("to_claim_id"))
    )
    claim_ids = sorted(partners.values_list("id", flat=True))
    if claim_ids:
        _refuse_unless_reviewer(
            by=by,
            action=f"{what} (claims linked to it as the same claim show its "
            "document as an appearance)",
            fields=["document"],
            claim_ids=claim_ids,
        )
        record_correction(claim_ids=claim_ids, by=by, what=what)
    return claim_ids


# Links: a same-claim link adds an appearance to both its claims --------------------


def _appearance_claim_ids(links: Iterable[ClaimLink | None]) -> list[int]:
    ends = {
        claim_id
        for link in links
        if link is not None and link.relation in APPEARANCE_RELATIONS
        for claim_id in (link.from_claim_id, link.to_claim_id)
    }
    return sorted(
        Claim.objects.reviewed().filter(id__in=ends).values_list("id", flat=True)
    )


def _link_changes(stored: ClaimLink | None, link: ClaimLink | None) -> list[str]:
    """Return the fields that change which appearances a link adds."""
    if stored is None or link is None:
        return ["relation"]
    return [
        name
        for name in ("from_claim", "to_claim", "relation")
        if getattr(stored, f"{name}_id" if name != "relation" else name)
        != getattr(link, f"{name}_id" if name != "relation" else name)
    ]


def _link_plan(
    stored: ClaimLink | None, link: ClaimLink | None, by: Actor
) -> list[int]:
    """Return the published claims a link change touches, or refuse it."""
    fields = _link_changes(stored, link)
    if not fields:
        return []
    claim_ids = _appearance_claim_ids([stored, link])
    if claim_ids:
        verb = "remove" if link is None else "add or change"
        _refuse_unless_reviewer(
            by=by,
            action=f"{verb} a same-claim link (its claims show each other's "
            "documents as appearances)",
            fields=fields,
            claim_ids=claim_ids,
        )
    return claim_ids


def claim_link_check(*, link: ClaimLink, by: Actor, deleting: bool = False) -> None:
    """Raise ChangeRefused when `by` may not store (or delete) `link`; store nothing."""
    stored = ClaimLink.objects.filter(pk=link.pk).first() if link.pk else None
    if deleting:
        _link_plan(stored, None, by)
    else:
        _link_plan(stored, link, by)


@transaction.atomic
def claim_link_save(
    *, link: ClaimLink, by: Actor = None, reason: str = ""
) -> ClaimLink:
    """Validate and store a link between claims.

    A same-claim link adds an appearance to its claims: one that touches a claim
    with a verdict needs a reviewer and is recorded on it as a correction.
    """
    stored = (
        ClaimLink.objects.select_for_update().filter(pk=link.pk).first()
        if link.pk
        else None
    )
    link.full_clean()
    claim_ids = _link_plan(stored, link, by)
    if claim_ids:
        record_correction(
            claim_ids=claim_ids,
            by=by,
            what=f"appearance link #{link.from_claim_id}-#{link.to_claim_id}",
            reason=reason,
        )
    _record_who(link, by, reason)
    link.save()
    return link


@transaction.atomic
def claim_link_delete(*, link: ClaimLink, by: Actor = None, reason: str = "") -> None:
    """Delete a link; removing a verdict's appearance is a correction."""
    stored = ClaimLink.objects.select_for_update().filter(pk=link.pk).first()
    if stored is None:
        return
    claim_ids = _link_plan(stored, None, by)
    if claim_ids:
        record_correction(
            claim_ids=claim_ids,
            by=by,
            what=f"appearance link #{stored.from_claim_id}-#{stored.to_claim_id} "
            "removed",
            reason=reason,
        )
    _record_who(link, by, reason)
    link.delete()


def _record_who(link: ClaimLink, by: Actor, reason: str) -> None:
    # Read by django-simple-history on save and delete; the stubs do not know them.
    user = acting_user(by)
    if user is not None:
        link._history_user = user  # type: ignore[attr-defined]
    if reason:
        link._change_reason = reason  # type: ignore[attr-defined]
