"""Claims in the admin, laid out for the editor's desk (docs/admin.md).

The list reads one claim a line (text, status, figure, document, speaker, date);
the claim page follows the editor's task (the claim and its quote, the figure,
the source, the verdict) under "Already in the database?", with the bookkeeping
folded away; the form is claims.admin.claim_form's, the panel claims.admin.
matching's, the history's labels claims.admin.history's.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from sources.models import normalize_for_matching

from ..figures.written import magnitude_warning
from ..models import Claim, ClaimLink, Evidence
from ..panels import claim_panels
from ..ratings import VERDICTS, Status
from ..selectors.estimates import estimated_value_counts
from ..selectors.search import search_claims, validate_claim_search
from ..services.claims import claim_delete, claim_set_status, claim_update
from ..services.corrections import claim_link_delete, claim_link_save
from ..services.evidence import evidence_delete, evidence_save
from ..workflow import VERDICT_PERMISSION
from .claim_form import ClaimAdminForm
from .filters import MetricFilter, PublisherFilter
from .history import ClaimHistoryHelper
from .links import ClaimLinkAdminForm
from .matching import ClaimMatchesMixin
from .pagination import EstimatedCountPaginator
from .recheck import confirm_recheck


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["stance", "document", "url", "note"]
    autocomplete_fields = ["document"]
    extra = 0


class ClaimLinkInline(admin.TabularInline):
    model = ClaimLink
    fk_name = "from_claim"
    fields = ["relation", "to_claim", "note", "detected"]
    readonly_fields = ["detected"]
    form = ClaimLinkAdminForm
    autocomplete_fields = ["to_claim"]
    extra = 0
    verbose_name = "link to another claim"

    def get_formset(self, request, obj=None, **kwargs):
        # The form checks a same-claim link as claim_link_save will (corrections).
        kwargs["form"] = type(
            "ClaimLinkAdminForm", (self.form,), {"user": request.user}
        )
        return super().get_formset(request, obj, **kwargs)


class StatusCountFilter(admin.SimpleListFilter):
    """Filter by status, with about how many claims have each.

    On a large PostgreSQL table the counts are the planner's estimates (pg_stats,
    one catalogue row: "~12,000"); elsewhere one grouped query counts them exactly.
    """

    title = "status"
    parameter_name = "status__exact"

    def lookups(self, request, model_admin):
        estimates = estimated_value_counts(Claim, "status")
        if estimates is not None:
            return [
                (value, f"{label} (~{estimates.get(value, 0):,})")
                for value, label in Status.choices
            ]
        counts = dict(
            Claim.objects.order_by().values_list("status").annotate(n=Count("id"))
        )
        return [
            (value, f"{label} ({counts.get(value, 0)})")
            for value, label in Status.choices
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


class ReviewQueueFilter(admin.SimpleListFilter):
    """The review queue: claims in review, the longest waiting first."""

    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("review", "Review queue (in review, oldest first)"),
            ("recheck", "Re-check queue (verdicts flagged, oldest flag first)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "review":
            return queryset.filter(status=Status.IN_REVIEW)
        if self.value() == "recheck":
            return queryset.filter(recheck_since__isnull=False)
        return queryset


def _only_draft(queryset) -> str:
    """Return the rationale draft of the one claim selected, or ""."""
    drafts = list(queryset.values_list("rationale_draft", flat=True)[:2])
    return (drafts[0] or "") if len(drafts) == 1 else ""


def _status_action(status: Status) -> Callable[..., None]:
    @admin.action(
        description=f"Move selected claims to “{status.label}”",
        permissions=["verdict"] if status in VERDICTS else ["change"],
    )
    def action(modeladmin, request, queryset):
        rationale = request.POST.get("rationale", "").strip()
        if status in VERDICTS and "apply" not in request.POST:
            # A verdict needs a rationale: ask for it before touching anything.
            return TemplateResponse(
                request,
                "admin/claims/claim/set_verdict.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "opts": modeladmin.model._meta,
                    "claims": list(queryset),
                    "status": status,
                    "action": f"set_status_{status.value}",
                    # One reopened claim: its withdrawn rationale, to confirm or edit.
                    "draft": _only_draft(queryset),
                },
            )
        moved, already, refused = 0, 0, []
        for claim in queryset.select_related("document"):
            if claim.status == status:
                already += 1
                continue
            try:
                # One claim, one transaction: a refused claim leaves the others moving.
                claim_set_status(
                    claim=claim,
                    status=status,
                    by=request.user,
                    # Only a verdict has a rationale; other moves ask for none.
                    rationale=rationale if status in VERDICTS else "",
                )
            except (ValidationError, PermissionDenied) as refusal:
                reasons = (
                    refusal.messages
                    if isinstance(refusal, ValidationError)
                    else [str(refusal)]
                )
                refused.append(f"#{claim.pk}: {' '.join(reasons)}")
            else:
                moved += 1
        if moved:
            modeladmin.message_user(
                request, f"{moved} claim(s) moved to {status.label}.", messages.SUCCESS
            )
        if already:
            modeladmin.message_user(
                request, f"{already} claim(s) already {status.label}.", messages.INFO
            )
        for reason in refused:
            modeladmin.message_user(request, f"Not moved {reason}", messages.ERROR)

    action.__name__ = f"set_status_{status.value}"
    return action


@admin.register(Claim)
class ClaimAdmin(ClaimMatchesMixin, SimpleHistoryAdmin):
    form = ClaimAdminForm
    # In the order an editor scans a row: what is claimed, where it stands, the
    # figure, where and by whom it was said, when.
    list_display = [
        "short_text",
        "status",
        "figure",
        "document",
        "speaker",
        "claimed_on",
    ]
    list_display_links = ["short_text"]
    save_on_top = True
    object_history_list_template = "admin/claims/claim/object_history_list.html"
    list_filter = [
        ReviewQueueFilter,
        StatusCountFilter,
        MetricFilter,
        PublisherFilter,
        "document__type",
        ("claimed_on", admin.DateFieldListFilter),
    ]
    list_select_related = ["document", "speaker", "metric"]
    # Counting every row for the "x of y" line is a full scan at a million rows;
    # so are the facet counts, and the paginator's own count (EstimatedCountPaginator).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    # Rendering a row's cells, links and checkbox is most of a page's time (bench/
    # admin.py): 50 rows are half of the default 100's.
    list_per_page = 50
    # What get_search_results searches (search_claims): text, quote, speaker names
    # and aliases, document title; through the full-text index on PostgreSQL.
    search_fields = [
        "text",
        "quote",
        "speaker__name",
        "speaker__aliases__name",
        "document__title",
    ]
    search_help_text = (
        "Words in the text, quote, speaker's name or alias, or document title."
    )
    autocomplete_fields = ["document", "speaker", "metric"]
    readonly_fields = [
        "figure",
        "comparison_flag",
        "quote_in_context",
        "same_metric_figures",
        "panels",
        "rationale_draft",
        "version",
        "reviewed_by",
        "reviewed_at",
        "first_reviewed_at",
        "recheck_since",
        "recheck_reason",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
    ]
    inlines = [EvidenceInline, ClaimLinkInline]
    actions = [*(_status_action(status) for status in Status), confirm_recheck]
    # The editor's task, in order: the claim and its quote, the figure, the source,
    # the verdict; what apps add and the bookkeeping come after, folded.
    fieldsets = [
        ("Claim and quote", {"fields": ["text", "quote", "quote_in_context"]}),
        (
            "Figure",
            {
                "fields": [
                    "metric",
                    "amount_text",
                    ("value", "value_upper"),
                    ("unit", "comparator"),
                    "period_label",
                    ("period_start", "period_end"),
                    "period_resolution",
                    ("change_percent", "change_comparator"),
                    "figure",
                    "comparison_flag",
                ]
            },
        ),
        (
            "Source",
            {
                "fields": [
                    "document",
                    ("speaker", "speaker_role"),
                    ("claimed_on", "claimed_precision"),
                ]
            },
        ),
        (
            "Verdict",
            {
                "fields": [
                    "status",
                    "rationale",
                    "rationale_draft",
                    "editor_note",
                    "change_reason",
                    "expected_version",
                    "recheck_since",
                    "recheck_reason",
                ]
            },
        ),
        (
            "Other figures on this metric",
            {"classes": ["collapse"], "fields": ["same_metric_figures"]},
        ),
        # What apps built on claims add (claims.panels): the official record.
        ("More about this claim", {"classes": ["collapse"], "fields": ["panels"]}),
        (
            "Record",
            {
                "classes": ["collapse"],
                "fields": [
                    "version",
                    ("reviewed_by", "reviewed_at", "first_reviewed_at"),
                    ("created_at", "created_by"),
                    ("updated_at", "updated_by"),
                ],
            },
        ),
    ]

    class Media:
        css = {"all": ["claims/admin/desk.css"]}
        js = ["claims/admin/desk.js"]

    @admin.display(description="Panels")
    def panels(self, claim):
        if claim.pk is None:
            return "-"
        return mark_safe("".join(claim_panels(claim)) or "-")  # noqa: S308 - escaped

    # The desk takes the window's width: the list's text column and the claim page
    # need it more than the admin's app list, which is a click away (Home).
    DESK_CONTEXT = {"is_nav_sidebar_enabled": False}

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, {**self.DESK_CONTEXT, **(extra_context or {})}
        )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(
            request, object_id, form_url, {**self.DESK_CONTEXT, **(extra_context or {})}
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.rationale_draft:
            return fieldsets
        # No draft to show: leave its row out rather than show an empty one.
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f != "rationale_draft"],
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(VERDICT_PERMISSION):
            # The rationale is the verdict's: written by a reviewer, with it.
            readonly.append("rationale")
        return readonly

    def get_ordering(self, request):
        if request.GET.get("queue") == "review":
            return ["updated_at", "id"]
        if request.GET.get("queue") == "recheck":
            return ["recheck_since", "id"]
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        """Search with search_claims: the full-text index, no join per word."""
        # A NUL cannot reach PostgreSQL; more words than the API allows are dropped.
        words = search_term.replace("\x00", " ").split()[: settings.SEARCH_MAX_WORDS]
        if not words:
            return queryset, False
        try:
            validate_claim_search(" ".join(words))
        except ValidationError as error:
            # Too vague to answer in bounded time: say so, show nothing.
            messages.warning(request, " ".join(error.messages))
            return queryset.none(), False
        return search_claims(queryset, " ".join(words)), False

    def get_queryset(self, request):
        # The list and the change page never show the search vector: leave it.
        return super().get_queryset(request).defer("search_vector")

    def has_verdict_permission(self, request):
        return request.user.has_perm(VERDICT_PERMISSION)

    @admin.display(description="claim", ordering="text")
    def short_text(self, claim):
        # One line, cut by the browser to the column's width; all of it on hover.
        return format_html(
            '<span class="desk-one-line" title="{}">{}</span>', claim.text, claim.text
        )

    @admin.display(description="figure", ordering="value")
    def figure(self, claim):
        return claim.figure_display or "—"

    @admin.display(description="quote in context")
    def quote_in_context(self, claim):
        if not claim.pk or not claim.document.text:
            return "— (the document's text is not stored)"
        return _quote_in_context(claim.document.text, claim.quote)

    @admin.display(description="other figures on this metric")
    def same_metric_figures(self, claim):
        if not claim.metric_id:
            return "—"
        others = (
            Claim.objects.about_metric(claim.metric_id)
            .exclude(pk=claim.pk)
            .select_related("document")
            .order_by("period_start", "id")[:50]
        )
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">#{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
            "<td>{}</td></tr>",
            (
                (
                    reverse("admin:claims_claim_change", args=[other.pk]),
                    other.pk,
                    other.figure_display,
                    other.period_label or "",
                    other.document.title,
                    other.get_status_display(),
                )
                for other in others
            ),
        )
        if not rows:
            return "— (no other claims on this metric)"
        return format_html(
            "<table><tr><th>claim</th><th>figure</th><th>period</th><th>source</th>"
            "<th>status</th></tr>{}</table>",
            rows,
        )

    def save_model(self, request, obj, form, change):
        stored_status = form.stored.status if form.stored else None
        claim_update(
            claim=obj,
            values=form.edit_values(),
            amount_text=form.cleaned_data.get("amount_text", ""),
            by=request.user,
            expected_version=form.cleaned_data.get("expected_version"),
            change_reason=form.cleaned_data.get("change_reason", ""),
            given=form.typed_fields(),
        )
        if stored_status in VERDICTS and obj.status == Status.IN_REVIEW:
            self.message_user(
                request,
                f"The claim was reopened for review: its verdict "
                f"({Status(stored_status).label}) is withdrawn from publication "
                "until a reviewer sets one again.",
                messages.WARNING,
            )
        if form.cleaned_data.get("amount_text"):
            self.message_user(
                request,
                f"“{form.cleaned_data['amount_text']}” was read as "
                f"{obj.figure_display} (value {obj.value}, unit {obj.unit}, "
                f"{obj.get_comparator_display().lower()}). Check it.",
                messages.INFO,
            )
        if "period_label" in form.changed_data and obj.period_resolution:
            self.message_user(request, obj.period_resolution, messages.INFO)
        slip = magnitude_warning(
            value=obj.value, unit=obj.unit, texts=[obj.text, obj.quote]
        )
        if slip:
            self.message_user(request, slip, messages.WARNING)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.apply_match_action(
            request, form.instance, form.cleaned_data.get("match_action")
        )

    def get_historical_record_context_helper(self, request, historical_record):
        return ClaimHistoryHelper(self.model, historical_record)

    def save_formset(self, request, form, formset, change):
        if formset.model is Evidence:
            # Evidence goes through its service: a verdict's evidence is an event.
            for evidence in formset.save(commit=False):
                evidence_save(evidence=evidence)
            for evidence in formset.deleted_objects:
                evidence_delete(evidence=evidence)
            return None
        if formset.model is not ClaimLink:
            return super().save_formset(request, form, formset, change)
        # Links go through their service: a same-claim link changes appearances.
        for link in formset.save(commit=False):
            claim_link_save(link=link, by=request.user)
        for link in formset.deleted_objects:
            claim_link_delete(link=link, by=request.user)
        return None

    def delete_model(self, request, obj):
        claim_delete(claim=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for claim in queryset:
            claim_delete(claim=claim, by=request.user)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # Restoring a version is a save like any other: atomic, locked, recorded.
        with transaction.atomic():
            return super().history_form_view(
                request, object_id, version_id, extra_context
            )


def _quote_in_context(text: str, quote: str, sentences_around: int = 1) -> str:
    """Return the sentences around the quote with the quote highlighted."""
    flat = normalize_for_matching(text)
    needle = normalize_for_matching(quote)
    start = flat.find(needle)
    if start < 0:
        return format_html("<em>The quote is not found in the stored text.</em>")
    end = start + len(needle)
    boundaries = [m.end() for m in re.finditer(r"[.!?][\"')\]]*\s", flat)]
    before = [b for b in boundaries if b <= start]
    after = [b for b in boundaries if b >= end]
    context_start = (
        before[-1 - sentences_around] if len(before) > sentences_around else 0
    )
    context_end = (
        after[sentences_around] if len(after) > sentences_around else len(flat)
    )
    return format_html(
        '<div style="max-width:60em">{}<mark>{}</mark>{}</div>',
        flat[context_start:start],
        flat[start:end],
        flat[end:context_end],
    )
