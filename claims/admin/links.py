"""Evidence and links between claims in the admin."""

import copy

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from factcheck.services import ChangeRefused

from ..models import ClaimLink, Evidence
from ..services.corrections import claim_link_check, claim_link_delete, claim_link_save
from ..services.evidence import evidence_delete, evidence_save
from .pagination import EstimatedCountPaginator


@admin.register(Evidence)
class EvidenceAdmin(SimpleHistoryAdmin):
    list_display = ["id", "claim", "stance", "document", "url"]
    list_filter = ["stance"]
    list_select_related = ["claim", "document"]
    # Evidence and links grow with the claims: no whole-table counts.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    autocomplete_fields = ["claim", "document"]
    search_fields = ["claim__text", "note", "url"]

    def save_model(self, request, obj, form, change):
        # Through the service: evidence on a claim with a verdict is an event.
        evidence_save(evidence=obj)

    def delete_model(self, request, obj):
        evidence_delete(evidence=obj)

    def delete_queryset(self, request, queryset):
        for evidence in queryset:
            evidence_delete(evidence=evidence)


class ClaimLinkAdminForm(forms.ModelForm):
    """Shows the refusal of a link that would change a published verdict's
    appearances (claims.services.corrections) before anything is saved."""

    user = None  # set by the admin's get_form or the inline's get_formset

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        link = copy.copy(self.instance)
        for name in ("from_claim", "to_claim", "relation"):
            if cleaned.get(name) is not None:
                setattr(link, name, cleaned[name])
        if link.from_claim_id is None or link.to_claim_id is None:
            return cleaned
        try:
            claim_link_check(link=link, by=self.user)
        except ChangeRefused as refusal:
            self.add_error(None, str(refusal))
        return cleaned


@admin.register(ClaimLink)
class ClaimLinkAdmin(SimpleHistoryAdmin):
    form = ClaimLinkAdminForm
    list_display = ["id", "from_claim", "relation", "to_claim", "detected"]
    list_filter = ["relation", "detected"]
    # Set by conflict detection only, as in the API: an editor's link is never
    # "detected", nor a detected one an editor's.
    readonly_fields = ["detected"]
    list_select_related = ["from_claim", "to_claim"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    autocomplete_fields = ["from_claim", "to_claim"]
    search_fields = ["from_claim__text", "to_claim__text", "note"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def save_model(self, request, obj, form, change):
        claim_link_save(link=obj, by=request.user)

    def delete_model(self, request, obj):
        claim_link_delete(link=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for link in queryset:
            claim_link_delete(link=link, by=request.user)
