"""The admin's "Already in the database?" panel (#17) for claims and candidates.

Claims: the panel opens the add and change pages, updated as the editor types
(ClaimMatchesMixin, claims/static/claims/admin/desk.js), with one-click actions.
The change page is rendered without matching (#27): desk.js fills the panel from
<claim>/matches/ (claim_matches_view, JSON rows) once the page is shown; without
JavaScript, the panel's link reloads the page with ?matches=1, which lists them.
Candidates: the change page gets a read-only field listing the top matches
(claims.selectors.matching, bounded to PANEL_MATCHES), each linked to its claim. On
a candidate not yet accepted, a `same`
match offers "Accept as this claim" and a `conflicting` one "Accept, contradicts":
buttons that post the change form (its CSRF token) to link/<claim>/<relation>/,
which calls claims.services.candidates.accept_candidate_linked.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse

from ..models import Candidate, Claim, ClaimLink
from ..selectors.matching import (
    candidate_matches,
    extra_matches,
    facts_of_claim,
    similar_claims,
)
from ..services.candidates import accept_candidate_linked
from ..services.corrections import claim_link_save
from ..services.evidence import evidence_from_claim, evidence_from_record
from .claim_form import link_relation

PANEL_MATCHES = 5
PANEL = "already_in_database"
PANEL_TITLE = "Already in the database?"
TEMPLATE = "admin/claims/matching/already_in_database.html"
CLAIM_PANEL = "admin/claims/matching/claim_panel.html"
CHANGE_FORM = "admin/claims/claim/change_form.html"
# ?matches=1 on a claim's change page lists its matches in the page (no JavaScript).
MATCHES_PARAMETER = "matches"


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


class ClaimMatchesMixin(_Base):
    """Show "Already in the database?" at the top of a claim's add and change pages.

    The change page opens with the claim's top matches among the other stored
    claims and the external reviews other apps register (extra_matches); on both
    pages claims/admin/desk.js asks the match API again as the editor types the
    text and the amount, before anything is saved. Each match has one-click
    actions (same claim, contradicts, add as evidence): buttons that submit the
    form with `match_action`, applied after the claim is saved through the link
    and evidence services (apply_match_action).
    """

    change_form_template = CHANGE_FORM

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        # The change page does not wait for matching (#27): its rows come from
        # claim_matches_view after the page, unless ?matches=1 (the no-JS link).
        inline = obj is not None and request.GET.get(MATCHES_PARAMETER) == "1"
        context["matches_panel"] = render_to_string(
            CLAIM_PANEL,
            {
                "rows": claim_panel_rows(obj) if inline else [],
                "loaded": inline or obj is None,
                "claim_id": obj.pk if obj is not None else "",
                "panel_url": (
                    reverse("admin:claims_claim_matches", args=[obj.pk])
                    if obj is not None and not inline
                    else ""
                ),
                "match_url": reverse("claim-match"),
                "change_url": reverse("admin:claims_claim_change", args=[0]),
                "title": PANEL_TITLE,
            },
            request=request,
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        matches = path(
            "<int:pk>/matches/",
            self.admin_site.admin_view(self.claim_matches_view),
            name="claims_claim_matches",
        )
        return [matches, *super().get_urls()]

    def claim_matches_view(self, request, pk: int):
        """Return a claim's panel rows as JSON ({"rows": [...]}), for desk.js."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        claim = get_object_or_404(
            Claim.objects.select_related("metric", "speaker", "document"), pk=pk
        )
        if not self.has_view_or_change_permission(request, claim):
            raise PermissionDenied
        # admin_view marks the answer never to be cached.
        return JsonResponse({"rows": claim_panel_rows(claim)})

    def apply_match_action(self, request, claim: Claim, action) -> None:
        """Do what the panel's button asked, after `claim` was saved; say what."""
        if not action:
            return
        name, target = action
        try:
            if name in {"same_claim", "contradicts"}:
                link = ClaimLink(
                    from_claim=claim, to_claim=target, relation=link_relation(name)
                )
                claim_link_save(link=link, by=request.user)
                text = f"Linked to claim #{target.pk}: {link.get_relation_display()}."
            elif isinstance(target, Claim):
                evidence_from_claim(claim=claim, source=target)
                text = (
                    f"Added claim #{target.pk}'s source as evidence (stance: "
                    "context); change its stance below if it supports or refutes."
                )
            else:
                kind, record_id = target
                evidence_from_record(claim=claim, kind=kind, record_id=record_id)
                text = (
                    f"Added the {kind} as evidence (stance: context); change its "
                    "stance below if it supports or refutes."
                )
        except (ValidationError, PermissionDenied, LookupError) as refusal:
            reasons = (
                " ".join(refusal.messages)
                if isinstance(refusal, ValidationError)
                else str(refusal) or "permission denied"
            )
            self.message_user(request, f"Not done: {reasons}", messages.ERROR)
        else:
            self.message_user(request, text, messages.SUCCESS)
        # Back to the claim's page, whichever save button the form had.
        request._match_action_done = True

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_match_action_done", False):
            return HttpResponseRedirect(
                reverse("admin:claims_claim_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_match_action_done", False):
            return HttpResponseRedirect(
                reverse("admin:claims_claim_change", args=[obj.pk])
            )
        return super().response_change(request, obj)


def claim_panel_rows(claim: Claim) -> list[dict[str, Any]]:
    """Return the rows of a claim's panel: stored claims and reviews, best first.

    Each row has what desk.js builds from the match API's answer, so the rows the
    page opens with and the rows typed into being look and act the same.
    """
    rows: list[dict[str, Any]] = [
        {
            "kind": "claim",
            "id": match.claim.pk,
            "text": match.claim.text,
            "href": reverse("admin:claims_claim_change", args=[match.claim.pk]),
            "relation": match.relation,
            "score": match.score,
            "figure": match.claim.figure_display,
            "source": match.claim.document.title,
            "status": match.claim.get_status_display(),
            "reasons": match.reasons,
        }
        for match in similar_claims(claim=claim, limit=PANEL_MATCHES)
    ]
    for extra in extra_matches(
        facts_of_claim(claim), limit=PANEL_MATCHES, metric=claim.metric
    ):
        review = extra.result.get("review")
        if not isinstance(review, dict):
            continue
        rating = review.get("rating") or {}
        publisher = review.get("publisher") or {}
        rows.append(
            {
                "kind": "review",
                "id": review.get("id"),
                "text": review.get("claim_reviewed", ""),
                "href": review.get("url", ""),
                "relation": extra.relation,
                "score": extra.score,
                "figure": review.get("figure") or "",
                "source": publisher.get("name", ""),
                "status": rating.get("as_published", ""),
                "reasons": extra.reasons,
            }
        )
    rows.sort(key=lambda row: -row["score"])
    return rows[: PANEL_MATCHES * 2]


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
