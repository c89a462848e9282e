"""Evidence and links between claims in the admin."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..models import ClaimLink, Evidence
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


@admin.register(ClaimLink)
class ClaimLinkAdmin(SimpleHistoryAdmin):
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
