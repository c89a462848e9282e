"""The admin's "Already in the database?" panel (#17) for claims and candidates.

A mixin each admin takes with one line: the change page (not the add page) gets a
read-only field listing the top matches (claims.selectors.matching, bounded to
PANEL_MATCHES), each linked to its claim. On a candidate not yet accepted, a `same`
match offers "Accept as this claim" and a `conflicting` one "Accept, contradicts":
buttons that post the change form (its CSRF token) to link/<claim>/<relation>/,
which calls claims.services.candidates.accept_candidate_linked.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse

from ..models import Candidate, Claim
from ..selectors.matching import candidate_matches, similar_claims
from ..services.candidates import accept_candidate_linked

PANEL_MATCHES = 5
PANEL = "already_in_database"
PANEL_TITLE = "Already in the database?"
TEMPLATE = "admin/claims/matching/already_in_database.html"


if TYPE_CHECKING:
    # Type the mixin as the ModelAdmin it is mixed into; at run time it is a plain
    # class, so the real ModelAdmin's methods come next in the MRO.
    _Base = admin.ModelAdmin[Any]
else:
    _Base = object


class _PanelMixin(_Base):
    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is None or PANEL in fields:
            return fields
        return [*fields, PANEL]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        return [*fieldsets, (PANEL_TITLE, {"fields": [PANEL]})]


class ClaimMatchesMixin(_PanelMixin):
    """Show a claim's top matches among the other stored claims."""

    @admin.display(description="Top matches")
    def already_in_database(self, claim: Claim) -> str:
        if claim.pk is None:
            return "—"
        matches = similar_claims(claim=claim, limit=PANEL_MATCHES)
        return render_to_string(TEMPLATE, {"matches": matches, "link_actions": False})


class CandidateMatchesMixin(_PanelMixin):
    """Show a candidate's top matches, with one-click accept-as-linked buttons.

    CandidateAdmin chooses its read-only fields without super(): it lists PANEL.
    """

    @admin.display(description="Top matches")
    def already_in_database(self, candidate: Candidate) -> str:
        if candidate.pk is None:
            return "—"
        matches = candidate_matches(candidate, limit=PANEL_MATCHES)
        proposed = candidate.state != Candidate.State.ACCEPTED
        return render_to_string(
            TEMPLATE, {"matches": matches, "link_actions": proposed}
        )

    def get_urls(self):
        link = path(
            "<int:pk>/change/link/<int:claim_id>/<str:relation>/",
            self.admin_site.admin_view(self.link_view),
            name="claims_candidate_link",
        )
        return [link, *super().get_urls()]

    def link_view(self, request, pk: int, claim_id: int, relation: str):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        candidate = get_object_or_404(
            Candidate.objects.select_related("document", "suggested_metric"), pk=pk
        )
        if not self.has_change_permission(request, candidate):
            raise PermissionDenied
        claim = get_object_or_404(Claim, pk=claim_id)
        back = reverse("admin:claims_candidate_change", args=[pk])
        try:
            done = accept_candidate_linked(
                candidate=candidate, link_to=claim, relation=relation, by=request.user
            )
        except (ValidationError, PermissionDenied) as refusal:
            reasons = (
                " ".join(refusal.messages)
                if isinstance(refusal, ValidationError)
                else "permission denied"
            )
            self.message_user(request, f"Not accepted: {reasons}", messages.ERROR)
            return HttpResponseRedirect(back)
        if done.created:
            text = (
                f"Candidate #{pk} accepted as claim #{done.claim.pk}, linked "
                f"{relation} #{claim.pk}."
            )
        else:
            text = f"Candidate #{pk} accepted as the existing claim #{claim.pk}."
        self.message_user(request, text, messages.SUCCESS)
        return HttpResponseRedirect(back)
