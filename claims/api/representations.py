"""The read path of claims: how a claim and a metric's figures are written out.

Two ways to write one representation, held equal by tests/claims/test_serializers.py:

- the reference serializers (ClaimSerializer, MetricFigureSerializer): DRF fields
  over model instances; they define the representation and feed the OpenAPI schema;
- the row serializers (ClaimRowSerializer, MetricFigureRowSerializer): DRF
  `BaseSerializer`s whose `to_representation(row)` builds the same output by hand
  from plain rows (`claim_rows`: one joined query of CLAIM_ROW_FIELDS), as DRF's
  serializer guide shows for an endpoint that returns lots of data. Every list, the
  detail and the figures endpoint answer through them.

The rule for when a representation is built from rows: when a page of it is read on
a hot path (lists, detail, figures) and a benchmark shows DRF's per-field machinery
costing more than the query (bench/run.py; BENCHMARKS.md). Then the row serializer
lives here, beside its reference serializer, with a test holding the two equal
field by field. ETags and the shared cache come before any of this: see
claims/api/versioned.py.

A claim is written for an audience (claims.workflow.audience): the public never
reads its STAFF_ONLY_FIELDS (`editor_note`), staff do. The serializers take
context["staff"] (False unless given), so a representation is public by default.
"""

import datetime
import functools
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sources.models import Document, Person

from ..conf import tolerance_setting
from ..figures.formatting import format_figure
from ..figures.intervals import INFINITY, figure_interval
from ..models import Claim, Comparator, Metric
from ..selectors.conflicts import conflicts_of
from ..workflow import without_staff_fields

# The decimal places of a figure's value, which its bounds are written with.
BOUND_PLACES = Decimal("0.000001")


class ClaimDocumentSerializer(serializers.ModelSerializer):
    publisher_name = serializers.CharField(
        source="publisher.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Document
        fields = [
            "id",
            "title",
            "url",
            "publisher_name",
            "published_on",
            "published_precision",
        ]


class ClaimSpeakerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "name"]


class ClaimMetricSerializer(serializers.ModelSerializer):
    class Meta:
        model = Metric
        fields = ["id", "slug", "name"]


class FigureSerializer(serializers.Serializer):
    value = serializers.DecimalField(
        max_digits=28, decimal_places=6, coerce_to_string=True
    )
    value_upper = serializers.DecimalField(
        max_digits=28, decimal_places=6, coerce_to_string=True, allow_null=True
    )
    unit = serializers.CharField()
    comparator = serializers.ChoiceField(choices=Comparator.choices)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    period_label = serializers.CharField(allow_blank=True)
    period_resolution = serializers.CharField(
        allow_blank=True, help_text="How the period's dates were read from its label."
    )
    change_percent = serializers.DecimalField(
        max_digits=9,
        decimal_places=4,
        coerce_to_string=True,
        allow_null=True,
        help_text="Signed change that led to the value: -40 for a 40% drop.",
    )
    change_comparator = serializers.ChoiceField(choices=Comparator.choices)
    display = serializers.CharField(
        source="figure_display", help_text='e.g. "$5.3 billion (approx.)"'
    )


class ClaimConflictSerializer(serializers.Serializer):
    """Another claim this one contradicts, described from this claim's side."""

    claim = serializers.IntegerField(help_text="The other claim's id.")
    figure = serializers.CharField(help_text="The other claim's figure in words.")
    period_label = serializers.CharField(allow_blank=True)
    document = serializers.CharField(help_text="The other claim's document title.")
    reason = serializers.CharField(allow_blank=True, help_text="Why they conflict.")
    detected = serializers.BooleanField(
        help_text="Found by conflict detection (true) or linked by an editor."
    )


class ClaimConflictReferenceSerializer(serializers.Serializer):
    """Another claim this one contradicts, in short: what a list carries."""

    claim = serializers.IntegerField(help_text="The other claim's id.")
    figure = serializers.CharField(help_text="The other claim's figure in words.")
    period_label = serializers.CharField(allow_blank=True)


# How many of a claim's conflicts a list page or the figures endpoint names; the
# count says how many there are, the detail (or ?expand=conflicts) describes all.
CONFLICT_REFERENCES = 5


class ClaimSerializer(serializers.ModelSerializer):
    """A claim as clients read it: its source, speaker, figure, verdict, conflicts.

    The serializer context may carry "conflicts", {claim id: [...]}, loaded for a
    whole page at once; without it each claim loads its own; and "staff": True to
    write the STAFF_ONLY_FIELDS too (left out otherwise).
    """

    document = ClaimDocumentSerializer(read_only=True)
    speaker = ClaimSpeakerSerializer(read_only=True, allow_null=True)
    metric = ClaimMetricSerializer(read_only=True, allow_null=True)
    figure = serializers.SerializerMethodField()
    conflicts = serializers.SerializerMethodField()
    conflict_count = serializers.SerializerMethodField(
        help_text="How many claims this one contradicts."
    )
    conflicts_checked = serializers.SerializerMethodField(
        help_text="Whether conflict detection has run since the claim last changed: "
        "false while a check is pending (conflicts may be out of date for moments "
        "after a write), true once `conflicts` reflects this version."
    )
    # Not required: it is absent from public answers (the schema says so).
    editor_note = serializers.CharField(
        required=False,
        help_text="Editors' working notes (what is known, what to check); never "
        "part of a verdict. Only in answers to signed-in users who may edit claims "
        "or read them in the admin; absent for everyone else (anonymous readers "
        "too), as in CSV exports, events and webhooks.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "quote",
            "document",
            "speaker",
            "speaker_role",
            "claimed_on",
            "claimed_precision",
            "metric",
            "figure",
            "conflicts",
            "conflict_count",
            "conflicts_checked",
            "status",
            "rationale",
            "editor_note",
            "reviewed_at",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        written = super().to_representation(instance)
        return without_staff_fields(written, staff=bool(self.context.get("staff")))

    @extend_schema_field(FigureSerializer(allow_null=True))
    def get_figure(self, claim):
        if claim.value is None:
            return None
        return FigureSerializer(claim).data

    @extend_schema_field(ClaimConflictSerializer(many=True))
    def get_conflicts(self, claim):
        loaded = self.context.get("conflicts")
        if loaded is None or claim.pk not in loaded:
            loaded = conflicts_of([claim.pk])
        return loaded[claim.pk]

    def get_conflict_count(self, claim) -> int:
        counts = self.context.get("conflict_counts")
        if counts is None:
            return len(self.get_conflicts(claim))
        return counts[claim.pk]

    def get_conflicts_checked(self, claim) -> bool:
        return claim.conflicts_checked_version == claim.version


class ClaimListItemSerializer(ClaimSerializer):
    """A claim as a list page writes it (for the schema): conflicts in short."""

    @extend_schema_field(ClaimConflictReferenceSerializer(many=True))
    def get_conflicts(self, claim):
        return super().get_conflicts(claim)


@functools.cache
def _row_formatters():
    """Return ClaimSerializer's own formatters for dates and figures."""
    claim_fields = ClaimSerializer().fields
    figure_fields = FigureSerializer().fields
    return (
        claim_fields["claimed_on"].to_representation,
        figure_fields["value"].to_representation,
        figure_fields["change_percent"].to_representation,
    )


class ClaimRowSerializer(serializers.BaseSerializer):
    """Write a claim row (`claim_rows`) exactly as ClaimSerializer writes the claim.

    Read-only, with many=True for a page: ClaimRowSerializer(rows, many=True,
    context={"conflicts": conflicts_of(ids)}).data; context["staff"] True writes
    the staff-only `editor_note` too, as ClaimSerializer does. Dates and figures
    are formatted by ClaimSerializer's own fields, times as its DateTimeField
    writes them, and a test compares the two representations claim by claim in two
    time zones.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Looked up once per page: DRF's fields look these up per value.
        self._date, self._value, self._change = _row_formatters()
        self._time_zone = timezone.get_current_timezone()

    def to_representation(self, row: dict) -> dict:
        claim = self._claim(row)
        return without_staff_fields(claim, staff=bool(self.context.get("staff")))

    def _claim(self, row: dict) -> dict:
        return {
            "id": row["id"],
            "text": row["text"],
            "quote": row["quote"],
            "document": {
                "id": row["document_id"],
                "title": row["document__title"],
                "url": row["document__url"],
                "publisher_name": row["document__publisher__name"],
                "published_on": self._maybe(self._date, row["document__published_on"]),
                "published_precision": row["document__published_precision"],
            },
            "speaker": None
            if row["speaker_id"] is None
            else {"id": row["speaker_id"], "name": row["speaker__name"]},
            "speaker_role": row["speaker_role"],
            "claimed_on": self._maybe(self._date, row["claimed_on"]),
            "claimed_precision": row["claimed_precision"],
            "metric": None
            if row["metric_id"] is None
            else {
                "id": row["metric_id"],
                "slug": row["metric__slug"],
                "name": row["metric__name"],
            },
            "figure": self._figure(row),
            "conflicts": self.context["conflicts"][row["id"]],
            "conflict_count": self._conflict_count(row["id"]),
            "conflicts_checked": row["conflicts_checked_version"] == row["version"],
            "status": row["status"],
            "rationale": row["rationale"],
            "editor_note": row["editor_note"],
            "reviewed_at": self._maybe(self._datetime, row["reviewed_at"]),
            "version": row["version"],
            "created_at": self._datetime(row["created_at"]),
            "updated_at": self._datetime(row["updated_at"]),
        }

    def _conflict_count(self, claim_id: int) -> int:
        counts = self.context.get("conflict_counts")
        if counts is None:
            return len(self.context["conflicts"][claim_id])
        return counts[claim_id]

    def _figure(self, row: dict) -> dict | None:
        value = row["value"]
        if value is None:
            return None
        return {
            "value": self._value(value),
            "value_upper": self._maybe(self._value, row["value_upper"]),
            "unit": row["unit"],
            "comparator": row["comparator"],
            "period_start": self._maybe(self._date, row["period_start"]),
            "period_end": self._maybe(self._date, row["period_end"]),
            "period_label": row["period_label"],
            "period_resolution": row["period_resolution"],
            "change_percent": self._maybe(self._change, row["change_percent"]),
            "change_comparator": row["change_comparator"],
            "display": format_figure(
                value, row["unit"], row["comparator"], row["value_upper"]
            ),
        }

    def _datetime(self, value: datetime.datetime) -> str:
        # DRF's DateTimeField, without its per-call lookups (3 per claim add up).
        text = value.astimezone(self._time_zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    @staticmethod
    def _maybe(to_representation, value):
        return None if value is None else to_representation(value)


def figure_bounds(
    value: Decimal, comparator: str, value_upper: Decimal | None, tolerance: Decimal
) -> tuple[str | None, str | None]:
    """Return the lowest and highest value a figure allows, as written; None: open.

    Widening by the tolerance gives more decimal places than the 6 a figure has;
    the bounds are rounded outwards to 6, so they still hold every allowed value.
    """
    low, _, high, _ = figure_interval(value, comparator, value_upper, tolerance)
    return _written_bound(low, ROUND_FLOOR), _written_bound(high, ROUND_CEILING)


def _written_bound(bound: Decimal, rounding: str) -> str | None:
    if abs(bound) == INFINITY:
        return None
    return f"{bound.quantize(BOUND_PLACES, rounding):f}"


class MetricFigureSerializer(serializers.Serializer):
    """One claim's figure on a metric, for the side-by-side view."""

    claim = serializers.IntegerField(source="pk")
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    period_label = serializers.CharField(allow_blank=True)
    low = serializers.SerializerMethodField()
    high = serializers.SerializerMethodField()
    comparator = serializers.CharField()
    unit = serializers.CharField()
    figure = serializers.CharField(source="figure_display")
    document = ClaimDocumentSerializer()
    speaker = ClaimSpeakerSerializer(allow_null=True)
    status = serializers.CharField()
    conflicts = serializers.SerializerMethodField()
    conflict_count = serializers.SerializerMethodField(
        help_text="How many claims this one contradicts; `conflicts` names the "
        f"first {CONFLICT_REFERENCES}."
    )

    def _interval(self, claim):
        return figure_bounds(
            claim.value, claim.comparator, claim.value_upper, tolerance_setting()
        )

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=28,
            decimal_places=6,
            allow_null=True,
            help_text="Lowest value the figure allows (approximations widened by "
            "the tolerance); null when open-ended.",
        )
    )
    def get_low(self, claim):
        return self._interval(claim)[0]

    @extend_schema_field(
        serializers.DecimalField(
            max_digits=28,
            decimal_places=6,
            allow_null=True,
            help_text="Highest value the figure allows; null when open-ended.",
        )
    )
    def get_high(self, claim):
        return self._interval(claim)[1]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_conflicts(self, claim):
        return [conflict["claim"] for conflict in self.context["conflicts"][claim.pk]]

    def get_conflict_count(self, claim) -> int:
        counts = self.context.get("conflict_counts")
        if counts is None:
            return len(self.context["conflicts"][claim.pk])
        return counts[claim.pk]


class MetricFigureRowSerializer(ClaimRowSerializer):
    """Write a claim row exactly as MetricFigureSerializer writes the claim."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tolerance = tolerance_setting()

    def to_representation(self, row: dict) -> dict:
        low, high = figure_bounds(
            row["value"], row["comparator"], row["value_upper"], self.tolerance
        )
        claim = self._claim(row)
        return {
            "claim": row["id"],
            "period_start": claim["figure"]["period_start"],
            "period_end": claim["figure"]["period_end"],
            "period_label": row["period_label"],
            "low": low,
            "high": high,
            "comparator": row["comparator"],
            "unit": row["unit"],
            "figure": claim["figure"]["display"],
            "document": claim["document"],
            "speaker": claim["speaker"],
            "status": row["status"],
            "conflicts": [conflict["claim"] for conflict in claim["conflicts"]],
            "conflict_count": claim["conflict_count"],
        }


# Every column a claim's API representation shows, its relations' included.
CLAIM_ROW_FIELDS = (
    "id",
    "text",
    "quote",
    "document_id",
    "document__title",
    "document__url",
    "document__publisher__name",
    "document__published_on",
    "document__published_precision",
    "speaker_id",
    "speaker__name",
    "speaker_role",
    "claimed_on",
    "claimed_precision",
    "metric_id",
    "metric__slug",
    "metric__name",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "period_resolution",
    "change_percent",
    "change_comparator",
    "status",
    "rationale",
    "editor_note",
    "reviewed_at",
    "version",
    "conflicts_checked_version",
    "created_at",
    "updated_at",
)


def claim_rows(queryset: QuerySet) -> QuerySet:
    """Return the claims as plain rows of CLAIM_ROW_FIELDS, in one joined query.

    The queryset's annotations (sort keys, search rank) stay in the rows, so a cursor
    paginator can read its position from them.
    """
    return queryset.values(*CLAIM_ROW_FIELDS, *queryset.query.annotations)
