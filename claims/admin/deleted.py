"""Deleted claims, from their history, for reviewers to restore."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from ..models import Claim
from ..services.claims import claim_restore_deleted
from .pagination import EstimatedCountPaginator


class DeletedClaim(Claim.history.model):
    """A claim that was deleted, as its last history row; the admin restores it."""

    class Meta:
        proxy = True
        verbose_name = "deleted claim"


@admin.register(DeletedClaim)
class DeletedClaimAdmin(admin.ModelAdmin):
    list_display = ["id", "text", "status", "history_date", "history_user"]
    list_select_related = ["history_user"]
    # The history holds a row per change of every claim: count up to a cap.
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    search_fields = ["text", "quote"]
    actions = ["restore"]

    def get_queryset(self, request):
        existing = Claim.objects.values("pk")
        return (
            super()
            .get_queryset(request)
            .filter(history_type="-")
            .exclude(id__in=existing)
            .order_by("-history_date")
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("claims.delete_claim")

    def has_restore_permission(self, request):
        return request.user.has_perm("claims.delete_claim")

    @admin.action(
        description="Restore selected deleted claims", permissions=["restore"]
    )
    def restore(self, request, queryset):
        for record in queryset:
            try:
                claim = claim_restore_deleted(claim_id=record.id, by=request.user)
            except ValidationError as refusal:
                self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            else:
                self.message_user(
                    request, f"Restored claim #{claim.pk}.", messages.SUCCESS
                )
