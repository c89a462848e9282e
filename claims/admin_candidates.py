"""Admin for candidate claims proposed by extraction (accept, edit, reject in bulk)."""

from django.contrib import admin

from .models import Candidate


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["id", "document", "quote", "score", "state"]
    list_filter = ["state"]
    list_select_related = ["document"]
