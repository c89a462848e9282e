"""Claims: the statement, its source and speaker, its figure and its verdict."""

from decimal import Decimal
from typing import Self

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from sources.models import (
    DATE_RANGE_MESSAGE,
    EARLIEST_DATE,
    LATEST_DATE,
    DatePrecision,
    Document,
    Person,
    validate_not_in_future,
)

from ..figures.comparators import Comparator
from ..ratings import VERDICTS, Status
from .figures import StatedFigure
from .metrics import Metric

# How long a claim's texts may be (docs/limits.md; migration 0019 refuses to run
# over longer rows). A claim is one plain sentence: 2,000 characters is the
# longest sentence extraction proposes (extraction.sentences.MAX_SENTENCE) and
# the longest text a match query takes. A quote is the words of the document,
# a paragraph at most; notes are an editor's or reviewer's prose, a few pages.
CLAIM_TEXT_MAX_LENGTH = 2_000
QUOTE_MAX_LENGTH = 5_000
NOTE_MAX_LENGTH = 10_000


def _bounded(length: int) -> dict:
    """Keyword arguments of a TextField held to `length` characters.

    A validator, not max_length: it holds full_clean (every service, the admin's
    form, the imports) and DRF's serializers to the length, and changes no column.
    max_length would: on SQLite, Django rebuilds the table to alter the field,
    and the rebuilt table has lost its triggers (search vector, representation
    versions).
    """
    return {"validators": [MaxLengthValidator(length)]}


class ClaimQuerySet(models.QuerySet):
    def reviewed(self) -> Self:
        """Return the claims that carry a verdict."""
        return self.filter(status__in=VERDICTS)

    def about_metric(self, metric: Metric | int | None) -> Self:
        """Return the claims whose figure measures `metric`."""
        return self.filter(metric=metric)

    def with_figure(self) -> Self:
        """Return the claims that state a figure (a value)."""
        return self.filter(value__isnull=False)

    def needing_recheck(self) -> Self:
        """Return the claims flagged for re-check, the oldest flag first."""
        return self.filter(recheck_since__isnull=False).order_by("recheck_since", "id")

    def with_relations(self) -> Self:
        """Load what a claim list shows in the same query."""
        return self.select_related("document__publisher", "speaker", "metric")


# The sort keys of claim lists, defined once: the API's ordering and cursors
# (claims.selectors.claims), the pages, and the indexes of Claim.Meta. Nullable
# keys are coalesced so that cursor pagination never skips a NULL row.
CLAIM_SORT_KEYS = {
    "claimed_on": Coalesce(
        "claimed_on", models.Value("0001-01-01", output_field=models.DateField())
    ),
    "period_start": Coalesce(
        "period_start", models.Value("0001-01-01", output_field=models.DateField())
    ),
    "value": Coalesce("value", models.Value(Decimal("-1e21"))),
}


class Claim(StatedFigure):
    """A checkable statement from a document: who said what, when, with what figure."""

    class Origin(models.TextChoices):
        ENTERED = "entered", "Entered by an editor"
        EXTRACTED = "extracted", "Extracted"

    text = models.TextField(
        help_text="The claim restated as one plain sentence.",
        **_bounded(CLAIM_TEXT_MAX_LENGTH),
    )
    quote = models.TextField(
        help_text="The words exactly as they appear in the document.",
        **_bounded(QUOTE_MAX_LENGTH),
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="claims"
    )
    speaker = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="Who made the claim (not the outlet that reported it).",
    )
    speaker_role = models.CharField(
        max_length=300, blank=True, help_text="e.g. Iran's Ambassador to Russia"
    )
    claimed_on = models.DateField(
        null=True,
        blank=True,
        validators=[validate_not_in_future],
        help_text="When the claim was made; the document's date when left empty.",
    )
    claimed_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.UNVERIFIED, db_index=True
    )
    rationale = models.TextField(
        blank=True,
        help_text="The reviewer's explanation of the verdict, published with it. Only "
        "a claim with a verdict has one; it is written (or confirmed) when the "
        "verdict is set and cleared when the claim is reopened.",
        **_bounded(NOTE_MAX_LENGTH),
    )
    rationale_draft = models.TextField(
        # Nullable so that adding the column does not rebuild the table on SQLite
        # (a rebuild drops its triggers); None and "" both mean no draft.
        null=True,
        blank=True,
        editable=False,
        help_text="The rationale of the verdict withdrawn when the claim was "
        "reopened, never published: the reviewer confirms or edits it when setting "
        "the next verdict (claims.workflow).",
        **_bounded(NOTE_MAX_LENGTH),
    )
    editor_note = models.TextField(
        blank=True,
        help_text="Editors' working notes (what is known, what to check); never "
        "part of a verdict.",
        **_bounded(NOTE_MAX_LENGTH),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the current verdict was set or last revised.",
    )
    first_reviewed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the claim's first verdict was published.",
    )
    corrected_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When a reviewer last corrected what the published verdict shows "
        "through its relations (the speaker's name, the document, appearances); "
        "the verdict stands (claims.services.corrections).",
    )
    # Re-check, not silence (docs/events.md): something a published verdict rests
    # on changed; the verdict stands until a reviewer confirms or revises it.
    # Nullable, both: on SQLite a column with a default rebuilds the table, which
    # loses its triggers (search vector, representation versions).
    recheck_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the published verdict was first flagged for re-check since "
        "a reviewer last looked (null: nothing to re-check).",
    )
    recheck_reason = models.TextField(
        null=True,
        blank=True,
        editable=False,
        help_text="What changed, for the reviewer (one line per change).",
    )
    version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text="Goes up with every save; a stale one is refused (no lost edits).",
    )

    # The figure the claim states, where it has one.
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, null=True, blank=True, related_name="claims"
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    period_label = models.CharField(
        max_length=200, blank=True, help_text="The period as written, e.g. 'last year'."
    )
    quote_start = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Where the quote starts in the document's text (set by anchoring).",
    )
    quote_end = models.PositiveIntegerField(null=True, blank=True, editable=False)
    origin = models.CharField(
        max_length=10, choices=Origin.choices, default=Origin.ENTERED, editable=False
    )
    period_resolution = models.CharField(
        max_length=400,
        blank=True,
        help_text="How the period was worked out from its label (e.g. a relative "
        "'last year' read against the claim's date); correct the dates if it is wrong.",
    )
    # A stated change that led to the figure: "a close to 40-percent drop ... to 2
    # billion" is value 2e9 with change_percent -40 (approximately). The implied value
    # before the change is derived, never stored.
    change_percent = models.DecimalField(
        max_digits=9,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Signed change that led to the value, in percent: -40 = a 40% drop.",
    )
    change_comparator = models.CharField(
        max_length=20,
        choices=Comparator.choices,
        default=Comparator.EXACT,
        help_text="How exact the change is: 'close to 40 percent' is approximately.",
    )
    conflicts_checked_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The version conflict detection last saw: when it is not the "
        "claim's version, a check is pending.",
    )
    comparison_flag = models.CharField(
        max_length=300,
        blank=True,
        editable=False,
        help_text="Set by conflict detection when it could not compare the figure "
        "(e.g. a multi-year total with no claim over the same span).",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    # Kept up to date by a PostgreSQL trigger (migration 0003) and indexed with GIN;
    # unused on SQLite, where search falls back to contains-matching.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    objects = ClaimQuerySet.as_manager()
    history = HistoricalRecords(
        # The re-check flag is the desk's to-do, not what the claim says: its
        # flags and confirmations are events (events.Event).
        excluded_fields=[
            "search_vector",
            "conflicts_checked_version",
            "recheck_since",
            "recheck_reason",
        ]
    )

    class Meta:
        ordering = ["-claimed_on", "-id"]
        permissions = [
            ("set_verdict", "Can set or reopen a claim's verdict (reviewer)"),
        ]
        indexes = [
            models.Index(fields=["metric", "period_start", "period_end"]),
            models.Index(fields=["claimed_on", "id"]),
            # A value range, with the period conditions in the index too: with them
            # outside it, a value range and a period were served by walking the
            # primary key (issue 27); as (value) alone it served value ranges.
            models.Index(
                fields=["value", "period_start", "period_end"],
                name="claim_value_period_idx",
            ),
            # The API list's sort keys (CLAIM_SORT_KEYS: the same expressions, or
            # the planner cannot match them) with id, the tie-breaker: a page and a
            # cursor position are read off the index instead of sorting every claim.
            models.Index(
                CLAIM_SORT_KEYS["claimed_on"], "id", name="claim_sort_claimed_on_idx"
            ),
            models.Index(
                CLAIM_SORT_KEYS["period_start"],
                "id",
                name="claim_sort_period_start_idx",
            ),
            models.Index(CLAIM_SORT_KEYS["value"], "id", name="claim_sort_value_idx"),
            # Each period-overlap filter bounds one end of the period.
            models.Index(fields=["period_start"], name="claim_period_start_idx"),
            models.Index(fields=["period_end"], name="claim_period_end_idx"),
            models.Index(fields=["unit", "value"], name="claim_unit_value_idx"),
            # Filters whose rows are few but whose page order the planner would
            # read by walking the primary key, filtering each row (issue 27,
            # tests/claims/test_filter_plans_at_scale.py): status + unit (+ value)
            # for a rare status, read in page order (id) within the pair, and a
            # claimed-date range with a period that it
            # rarely covers (a claim of 2010 about 2012: none, and the walk read
            # the whole table, 445 ms at a million claims).
            models.Index(fields=["status", "unit", "id"], name="claim_status_unit_idx"),
            models.Index(
                fields=["claimed_on", "period_start", "period_end"],
                name="claim_claimed_period_idx",
            ),
            # Publisher or document with a claimed-date range: the dates are read in
            # the index instead of fetching every claim of the documents.
            models.Index(
                fields=["document", "claimed_on"], name="claim_document_claimed_idx"
            ),
            # The home page's latest verdicts: read off the index, newest first.
            models.Index(fields=["reviewed_at"], name="claim_reviewed_at_idx"),
            # The re-check queue, oldest flag first: only flagged claims indexed.
            models.Index(
                fields=["recheck_since", "id"],
                condition=Q(recheck_since__isnull=False),
                name="claim_recheck_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="claim_period_start_before_end",
                violation_error_message="The period must not end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | ~Q(unit=""),
                name="claim_value_has_unit",
                violation_error_message="A value needs a unit.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(comparator=Comparator.RANGE) & Q(value_upper__gt=F("value"))
                )
                | (~Q(comparator=Comparator.RANGE) & Q(value_upper__isnull=True)),
                name="claim_range_has_upper_above_value",
                violation_error_message=(
                    "A range needs an upper value above its value; "
                    "only a range has an upper value."
                ),
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(comparator=Comparator.EXACT),
                name="claim_comparator_needs_value",
                violation_error_message="A comparator needs a value.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=sorted(VERDICTS)) | Q(rationale=""),
                name="claim_rationale_only_with_verdict",
                violation_error_message="Only a verdict has a rationale; write "
                "working notes in the editor's note.",
            ),
            models.CheckConstraint(
                condition=Q(change_percent__isnull=True)
                | (Q(value__isnull=False) & Q(change_percent__gt=-100)),
                name="claim_change_needs_value_above_minus_100",
                violation_error_message="A change needs a value and must exceed -100%.",
            ),
        ]

    def __str__(self):
        return self.text[:80]

    def clean(self):
        errors = self.figure_errors()
        if self.change_percent is not None:
            if self.value is None:
                errors.setdefault("change_percent", []).append(
                    "A change needs the value it led to."
                )
            elif self.change_percent <= -100:
                errors.setdefault("change_percent", []).append(
                    "A drop of 100% or more leaves nothing to compare."
                )
        if self.metric_id and self.value is None:
            errors.setdefault("value", []).append(
                "A claim about a metric needs a value."
            )
        if (
            self.period_start
            and self.period_end
            and self.period_start > self.period_end
        ):
            errors.setdefault("period_end", []).append(
                "The period must not end before it starts."
            )
        self.default_claimed_on()
        if self.document_id:
            document = self.document
            if self.quote and document.text and not document.contains_quote(self.quote):
                errors.setdefault("quote", []).append(
                    "The quote does not appear in the document's text."
                )
        # After claimed_on may have been taken from the document.
        for name in ("period_start", "period_end", "claimed_on"):
            day = getattr(self, name)
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                errors.setdefault(name, []).append(DATE_RANGE_MESSAGE)
        if errors:
            raise ValidationError(errors)

    def default_claimed_on(self) -> None:
        """Take the document's date as the claim's when none is given."""
        if self.claimed_on is None and self.document_id:
            document = self.document
            if document.published_on:
                self.claimed_on = document.published_on
                self.claimed_precision = document.published_precision

    @property
    def is_reviewed(self) -> bool:
        return self.status in VERDICTS
