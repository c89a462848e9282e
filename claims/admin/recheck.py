"""The re-check queue's action: reviewers confirm flagged verdicts with a note."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse

from ..services.events import recheck_confirm


@admin.action(
    description="Confirm the verdicts after re-check", permissions=["verdict"]
)
def confirm_recheck(modeladmin, request, queryset):
    """Confirm the flagged verdicts with a note (asked for first), one by one."""
    note = request.POST.get("note", "").strip()
    flagged = queryset.filter(recheck_since__isnull=False)
    if "apply" not in request.POST:
        return TemplateResponse(
            request,
            "admin/claims/claim/confirm_recheck.html",
            {
                **modeladmin.admin_site.each_context(request),
                "opts": modeladmin.model._meta,
                "claims": list(flagged),
                "action": "confirm_recheck",
            },
        )
    confirmed = 0
    for claim in flagged:
        try:
            recheck_confirm(claim=claim, by=request.user, note=note)
        except (ValidationError, PermissionDenied) as refusal:
            reasons = (
                refusal.messages
                if isinstance(refusal, ValidationError)
                else [str(refusal)]
            )
            modeladmin.message_user(
                request,
                f"Not confirmed #{claim.pk}: {' '.join(reasons)}",
                messages.ERROR,
            )
        else:
            confirmed += 1
    if confirmed:
        modeladmin.message_user(
            request, f"{confirmed} verdict(s) confirmed.", messages.SUCCESS
        )
    return None
