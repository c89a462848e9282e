"""The claim's admin form: the workflow's moves for this user, errors by the field.

The form asks claims.services.claims.claim_update_plan what the save would do, so
a refusal shows beside the field it concerns before anything is stored; the status
dropdown offers only the moves claims.workflow lets this user make from the stored
status; a reviewer opening a reopened claim finds the withdrawn verdict's rationale
in the rationale field, to confirm or edit (claims.workflow's rationale draft).
"""

from typing import cast

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html

from ..models import Claim, ClaimLink
from ..ratings import VERDICTS, Status
from ..services.claims import claim_update_plan
from ..services.evidence import EVIDENCE_ATTACHERS
from ..workflow import allowed_moves, required_permission

# The one-click actions of the "Already in the database?" panel (claims.admin.
# matching): the button's value is "<action>:<claim id>", or for a match another
# app registered, "evidence:<kind>:<id>" ("evidence:review:7").
MATCH_ACTIONS = {
    "same_claim": ("claims.add_claimlink", "link it as the same claim"),
    "contradicts": ("claims.add_claimlink", "link it as contradicting"),
    "evidence": ("claims.add_evidence", "add it as evidence"),
}


def offered_statuses(current: Status, user) -> list[Status]:
    """Return the current status and the moves from it `user` may make, in order."""
    moves = {
        move
        for move in allowed_moves(current)
        if user is None or user.has_perm(required_permission(current, move))
    }
    return [status for status in Status if status == current or status in moves]


class ClaimAdminForm(forms.ModelForm):
    """The claim form, with the version it was opened at and the workflow rules."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    change_reason = forms.CharField(
        required=False,
        max_length=100,
        help_text="Optional: why you made this change (kept in the history).",
    )

    amount_text = forms.CharField(
        required=False,
        max_length=200,
        label="Amount as written",
        help_text='Type the amount as the text has it ("$1.5 billion", "close to '
        '40-percent", "more than 12,000 cars") to fill value, unit and comparator; '
        "check what was read after saving. A period label with no dates is read "
        "into dates the same way.",
    )
    # Posted by a button of the matches panel, never shown as a field.
    match_action = forms.CharField(required=False, max_length=1100)

    user = None  # set by ClaimAdmin.get_form

    class Meta:
        model = Claim
        # The admin's fieldsets choose the fields shown; these are the core ones.
        fields = ["text", "quote", "document", "status", "rationale", "editor_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = None
        if self.instance.pk:
            self.stored = Claim.objects.filter(pk=self.instance.pk).first()
        if "status" in self.fields:
            current = Status(self.stored.status if self.stored else Status.UNVERIFIED)
            offered = offered_statuses(current, self.user)
            status_field = cast(forms.ChoiceField, self.fields["status"])
            status_field.choices = [(s.value, s.label) for s in offered]
            moves = [s for s in offered if s != current]
            status_field.help_text = (
                f"From '{current.label}' you may move it to: "
                + (", ".join(f"'{s.label}'" for s in moves) or "nowhere")
                + "."
            )
        if self.stored is None:
            return
        self.fields["expected_version"].initial = self.stored.version
        draft = self.stored.rationale_draft or ""
        if "rationale" in self.fields and draft and not self.stored.rationale:
            self.initial["rationale"] = draft
            self.fields["rationale"].help_text = (
                "Kept from the verdict withdrawn when the claim was reopened (not "
                "published): confirm or edit it when you set the verdict."
            )

    def clean_match_action(self) -> tuple[str, object] | None:
        """Return the panel's action as (action, claim or (kind, id)), or None."""
        raw = self.cleaned_data.get("match_action", "")
        if not raw:
            return None
        action, _, target = raw.partition(":")
        if action not in MATCH_ACTIONS:
            raise ValidationError(f"Unknown action {action!r}.")
        permission, what = MATCH_ACTIONS[action]
        if self.user is not None and not self.user.has_perm(permission):
            raise ValidationError(f"You may not {what}: ask an editor.")
        kind, _, record = target.partition(":")
        if action == "evidence" and record:
            if kind not in EVIDENCE_ATTACHERS or not record.isdigit():
                raise ValidationError(f"Cannot add {target!r} as evidence.")
            return action, (kind, int(record))
        matched = Claim.objects.filter(pk=target).first() if target.isdigit() else None
        if matched is None:
            raise ValidationError(f"No claim #{target} to {what}.")
        if matched.pk == self.instance.pk:
            raise ValidationError("A claim cannot be linked to itself.")
        return action, matched

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        draft = self.stored.rationale_draft if self.stored else ""
        if (
            draft
            and cleaned.get("rationale") == draft
            and cleaned.get("status") not in VERDICTS
        ):
            # The draft shown back unchanged with no verdict: not a rationale yet.
            cleaned["rationale"] = ""
        try:
            edit = claim_update_plan(
                claim=self.instance,
                values=self.edit_values(),
                amount_text=cleaned.get("amount_text", ""),
                by=self.user,
                expected_version=cleaned.get("expected_version"),
                given=self.typed_fields(),
            )
        except ValidationError as refusal:
            self._show_refusal(refusal)
        except PermissionDenied as refusal:
            self.add_error("status" if "status" in self.fields else None, str(refusal))
        else:
            # The fields read from what was typed replace the form's own.
            cleaned.update(edit.written)
        return cleaned

    def edit_values(self) -> dict:
        """Return the claim's fields as the form sets them (claim_update's values)."""
        names = {field.name for field in Claim._meta.get_fields()}
        return {
            name: value for name, value in self.cleaned_data.items() if name in names
        }

    def typed_fields(self) -> set[str]:
        """Return the fields the editor changed (claim_update's `given`): a form
        posts every field, an API client only those it sets."""
        return set(self.changed_data)

    def _show_refusal(self, refusal: ValidationError) -> None:
        """Show the service's refusal on the fields it names."""
        if not hasattr(refusal, "error_dict"):
            self.add_error(None, refusal)
            return
        errors = refusal.error_dict
        for field, reasons in errors.items():
            if field == "version":
                self.add_error(None, self._stale_version_error(reasons[0]))
            elif field in self.fields:
                self.add_error(field, reasons)
            elif field == "rationale" and "status" in self.fields:
                # An editor sees the rationale read-only: the move is what to change.
                self.add_error("status", reasons)
            else:
                self.add_error(None, reasons)

    def _stale_version_error(self, reason: ValidationError) -> ValidationError:
        params = reason.params or {}
        url = reverse("admin:claims_claim_change", args=[self.instance.pk])
        return ValidationError(
            format_html(
                "Someone else saved this claim after you opened it (you opened "
                "version {}, it is now version {}). Your changes were not saved: "
                '<a href="{}">open the current version</a> and reapply them.',
                params.get("expected"),
                params.get("stored"),
                url,
            ),
            code="stale_version",
        )


def link_relation(action: str) -> str:
    """Return the ClaimLink relation a panel action makes."""
    return {
        "same_claim": ClaimLink.Relation.SAME_CLAIM,
        "contradicts": ClaimLink.Relation.CONTRADICTS,
    }[action]
