"""The admin of external reviews, their publishers and the rating crosswalk."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from claims.models import Claim, Evidence

from .models import ExternalReview, RatingMapping, ReviewImport, ReviewPublisher
from .services import rating_mapping_save, review_attach_as_evidence


@admin.register(ReviewPublisher)
class ReviewPublisherAdmin(SimpleHistoryAdmin):
    list_display = ["name", "site", "url"]
    search_fields = ["name", "site"]


class MappedFilter(admin.SimpleListFilter):
    title = "rating mapped"
    parameter_name = "mapped"

    def lookups(self, request, model_admin):
        return [("no", "Unmapped: the crosswalk lacks the rating"), ("yes", "Mapped")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.unmapped()
        if self.value() == "yes":
            return queryset.exclude(status="")
        return queryset


class AttachEvidenceForm(ActionForm):
    claim = forms.IntegerField(required=False, help_text="The claim's id.")
    stance = forms.ChoiceField(choices=Evidence.Stance.choices, required=False)


@admin.register(ExternalReview)
class ExternalReviewAdmin(SimpleHistoryAdmin):
    list_display = [
        "claim_reviewed",
        "publisher",
        "textual_rating",
        "status",
        "language",
        "date_published",
        "figure_display",
    ]
    list_filter = [MappedFilter, "status", "kind", "feed"]
    list_select_related = ["publisher"]
    search_fields = ["claim_reviewed", "url"]
    autocomplete_fields = ["publisher"]
    raw_id_fields = ["source_import"]
    show_full_result_count = False
    readonly_fields = ["key", "original", "problems", "imported_at", "feed"]
    action_form = AttachEvidenceForm
    actions = ["attach_as_evidence"]

    @admin.action(
        description="Attach to a claim as evidence (give the claim's id and stance)",
        permissions=["change"],
    )
    def attach_as_evidence(
        self, request: HttpRequest, queryset: QuerySet[ExternalReview]
    ) -> None:
        claim = Claim.objects.filter(pk=request.POST.get("claim") or 0).first()
        stance = request.POST.get("stance", "")
        if claim is None or stance not in Evidence.Stance.values:
            self.message_user(
                request, "Give an existing claim's id and a stance.", messages.ERROR
            )
            return
        try:
            for review in queryset.select_related("publisher"):
                review_attach_as_evidence(review=review, claim=claim, stance=stance)
        except ValidationError as error:
            self.message_user(request, "; ".join(error.messages), messages.ERROR)
            return
        self.message_user(
            request, f"{queryset.count()} review(s) attached to claim {claim.pk}."
        )


@admin.register(RatingMapping)
class RatingMappingAdmin(SimpleHistoryAdmin):
    list_display = ["label", "status", "publisher"]
    list_filter = ["status"]
    list_select_related = ["publisher"]
    search_fields = ["label"]
    autocomplete_fields = ["publisher"]

    def save_model(self, request, obj, form, change):
        rating_mapping_save(mapping=obj, by=request.user)


@admin.register(ReviewImport)
class ReviewImportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "format", "created_by", "created_at"]
    readonly_fields = ["format", "filename", "created_by", "created_at"]
    exclude = ["content"]
