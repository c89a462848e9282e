"""Admin for candidate claims proposed by extraction (accept, edit, reject in bulk)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from ..models import Candidate
from ..services.candidates import accept_candidate, candidate_save, candidate_span
from ..services.candidates import reject_candidates as reject
from .matching import CandidateMatchesMixin


def _reasons(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or "permission denied"


class CandidateAdminForm(forms.ModelForm):
    """The candidate's quote and figure, to correct before accepting it as a claim."""

    claim_text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Claim text",
        help_text="The claim restated as one plain sentence; the sentence when empty.",
    )
    accept_on_save = forms.BooleanField(
        required=False,
        label="Accept as a claim when saved",
        help_text="Makes an unverified claim (origin: extracted) from the fields "
        "above; the claim's rules apply, and a refusal is shown after saving.",
    )

    class Meta:
        model = Candidate
        fields = [
            "quote",
            "value",
            "value_upper",
            "unit",
            "comparator",
            "change_percent",
            "change_comparator",
            "period_start",
            "period_end",
            "period_label",
            "suggested_metric",
        ]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what ModelForm.clean() returns
        quote = (cleaned.get("quote") or "").strip()
        if quote and self.instance.pk and "quote" in self.changed_data:
            try:
                candidate_span(self.instance, quote)
            except ValidationError as refusal:
                for field, reasons in refusal.message_dict.items():
                    self.add_error(field, reasons)
        return cleaned


@admin.register(Candidate)
class CandidateAdmin(CandidateMatchesMixin, SimpleHistoryAdmin):
    form = CandidateAdminForm
    list_display = [
        "id",
        "document",
        "short_quote",
        "figure",
        "period",
        "language",
        "suggested_metric",
        "score",
        "state",
        "claim_link",
    ]
    list_display_links = ["id", "short_quote"]
    list_filter = [
        "state",
        "language",
        ("document", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["document", "suggested_metric"]
    search_fields = ["quote", "sentence", "reasons"]
    ordering = ["document", "quote_start"]
    show_full_result_count = False
    autocomplete_fields = ["suggested_metric"]
    actions = ["accept_selected", "reject_selected"]
    readonly_fields = [
        "document",
        "sentence",
        "language",
        "quote_start",
        "quote_end",
        "figure",
        "period_resolution",
        "score",
        "reasons",
        "state",
        "claim_link",
        "decided_by",
        "decided_at",
        "created_at",
        "already_in_database",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "document",
                    "language",
                    "sentence",
                    "quote",
                    ("quote_start", "quote_end"),
                ]
            },
        ),
        (
            "Figure",
            {
                "description": "As read from the quote, in any language; accepting "
                "copies the figure, change and period into the claim.",
                "fields": [
                    ("value", "value_upper"),
                    ("unit", "comparator"),
                    "figure",
                    ("change_percent", "change_comparator"),
                    ("period_start", "period_end"),
                    "period_label",
                    "period_resolution",
                    "suggested_metric",
                ],
            },
        ),
        ("Why it was proposed", {"fields": ["score", "reasons"]}),
        (
            "Decision",
            {
                "fields": [
                    "state",
                    "claim_link",
                    "decided_by",
                    "decided_at",
                    "claim_text",
                    "accept_on_save",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        # The list shows the document's title only; its full text stays in the table.
        return (
            super()
            .get_queryset(request)
            .select_related("document", "suggested_metric")
            .defer("document__text")
        )

    def has_add_permission(self, request):
        return False  # candidates come from extraction (manage.py extract_claims)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.state == Candidate.State.ACCEPTED:
            # The claim made from it is what editors change now.
            return [*self.readonly_fields, *CandidateAdminForm.Meta.fields]
        return self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.state == Candidate.State.ACCEPTED:
            accepting = {"claim_text", "accept_on_save"}
            return [
                (
                    name,
                    {
                        **options,
                        "fields": [f for f in options["fields"] if f not in accepting],
                    },
                )
                for name, options in fieldsets
            ]
        return fieldsets

    @admin.display(description="quote", ordering="quote")
    def short_quote(self, candidate):
        quote = candidate.quote
        return quote if len(quote) <= 90 else quote[:89] + "…"

    @admin.display(description="figure", ordering="value")
    def figure(self, candidate):
        return candidate.figure_display or "—"

    @admin.display(description="period", ordering="period_start")
    def period(self, candidate):
        if candidate.period_start is None or candidate.period_end is None:
            return "—"
        return f"{candidate.period_start} – {candidate.period_end}"

    @admin.display(description="claim")
    def claim_link(self, candidate):
        if candidate.claim_id is None:
            return "—"
        url = reverse("admin:claims_claim_change", args=[candidate.claim_id])
        return format_html('<a href="{}">#{}</a>', url, candidate.claim_id)

    def save_model(self, request, obj, form, change):
        candidate_save(candidate=obj)
        if not form.cleaned_data.get("accept_on_save"):
            return
        try:
            claim = accept_candidate(
                candidate=obj,
                by=request.user,
                text=form.cleaned_data.get("claim_text") or None,
            )
        except (ValidationError, PermissionDenied) as refusal:
            self.message_user(
                request,
                f"Candidate #{obj.pk} saved but not accepted: {_reasons(refusal)}",
                messages.ERROR,
            )
        else:
            self.message_user(
                request,
                f"Candidate #{obj.pk} accepted as claim #{claim.pk}.",
                messages.SUCCESS,
            )

    @admin.action(
        description="Accept selected candidates (each becomes a claim)",
        permissions=["change"],
    )
    def accept_selected(self, request, queryset):
        accepted, skipped, refused = [], 0, []
        candidates = queryset.defer(None).select_related("document", "suggested_metric")
        for candidate in candidates.order_by("document", "quote_start"):
            if candidate.state == Candidate.State.ACCEPTED:
                skipped += 1
                continue
            try:
                # One candidate, one transaction: a refused one leaves the rest going.
                claim = accept_candidate(candidate=candidate, by=request.user)
            except (ValidationError, PermissionDenied) as refusal:
                refused.append(f"#{candidate.pk}: {_reasons(refusal)}")
            else:
                accepted.append(claim.pk)
        if accepted:
            claims = ", ".join(f"#{pk}" for pk in accepted)
            self.message_user(
                request,
                f"{len(accepted)} candidate(s) accepted as claims {claims}.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request, f"{skipped} candidate(s) were already accepted.", messages.INFO
            )
        for reason in refused:
            self.message_user(request, f"Not accepted {reason}", messages.ERROR)

    @admin.action(
        description="Reject selected candidates (not proposed again)",
        permissions=["change"],
    )
    def reject_selected(self, request, queryset):
        rejected = reject(candidates=queryset, by=request.user)
        self.message_user(
            request, f"{rejected} candidate(s) rejected.", messages.SUCCESS
        )
        left = queryset.count() - rejected
        if left:
            self.message_user(
                request,
                f"{left} candidate(s) left as they were: only proposed ones are "
                "rejected (an accepted one has its claim).",
                messages.INFO,
            )
