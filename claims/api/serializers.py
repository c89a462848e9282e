"""What clients write, and the smaller resources they read."""

from collections.abc import Callable
from typing import Any

from rest_framework import serializers

from factcheck.api.serializers import StrictFieldsMixin

from ..models import Claim, ClaimLink, Evidence, Metric
from ..workflow import public_name
from .filters import metric_lookup


class MetricSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Metric
        fields = ["id", "name", "slug", "unit", "description"]
        validators: list[Callable[..., None]] = []
        extra_kwargs: dict[str, dict[str, Any]] = {
            "name": {"validators": []},
            "slug": {"validators": []},
        }


class ClaimInputSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """A claim as clients write it: flat figure fields, related rows by id.

    `metric` takes the metric's id or its slug.
    """

    metric = serializers.CharField(
        required=False,
        allow_null=True,
        help_text="Metric id or slug; null removes the claim's metric.",
    )
    change_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Why you made this change; kept in the claim's history.",
    )
    amount_text = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        help_text='The amount as written ("$1.5 billion", "close to 40-percent", '
        '"more than 12,000 cars"), instead of value/unit/comparator/value_upper; '
        "the response shows how it was read.",
    )

    class Meta:
        model = Claim
        fields = [
            "text",
            "quote",
            "document",
            "speaker",
            "speaker_role",
            "claimed_on",
            "claimed_precision",
            "metric",
            "value",
            "value_upper",
            "unit",
            "comparator",
            "period_start",
            "period_end",
            "period_label",
            "status",
            "rationale",
            "editor_note",
            "change_percent",
            "change_comparator",
            "change_reason",
            "amount_text",
        ]
        extra_kwargs = {"status": {"required": False}}

    def validate_metric(self, value):
        if value is None:
            return None
        metric = Metric.objects.filter(metric_lookup(str(value), path="")).first()
        if metric is None:
            raise serializers.ValidationError(f"No metric with id or slug {value!r}.")
        return metric


class EvidenceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "claim", "document", "url", "stance", "note", "created_at"]
        read_only_fields = ["created_at"]


class ClaimLinkSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    change_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Why you made this change; kept in the history (and in the "
        "history of the published claims a same-claim link changes).",
    )

    class Meta:
        model = ClaimLink
        fields = [
            "id",
            "from_claim",
            "to_claim",
            "relation",
            "note",
            "detected",
            "created_at",
            "change_reason",
        ]
        read_only_fields = ["detected", "created_at"]
        validators: list[Callable[..., None]] = []


class ClaimVersionSerializer(serializers.Serializer):
    """One version of a claim from its history; never the user's e-mail."""

    history_id = serializers.IntegerField()
    version = serializers.IntegerField()
    date = serializers.DateTimeField(source="history_date")
    type = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField(
        help_text="Who made the change: the username for signed-in users; for "
        "everyone else a role or display name (FACTCHECK_PUBLIC_HISTORY_NAMES); "
        "null for a change no user made (an import, a fixture, a job)."
    )
    status = serializers.CharField()
    change_reason = serializers.CharField(
        source="history_change_reason",
        default=None,
        allow_null=True,
        help_text="null when the change was saved without a reason.",
    )
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text="Fields changed from the version before: {field, old, new}.",
    )

    def get_type(self, record) -> str:
        return {"+": "created", "~": "changed", "-": "deleted"}[record.history_type]

    def get_user(self, record) -> str | None:
        user = record.history_user
        if user is None:
            return None
        if not self.context.get("public"):
            return user.username
        return public_name(user)


class ConflictSideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    figure = serializers.CharField(source="figure_display")
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    period_label = serializers.CharField(allow_blank=True)
    document = serializers.CharField(source="document.title")
    status = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """Two claims on one metric whose figures cannot both hold."""

    id = serializers.IntegerField()
    metric = serializers.CharField(source="from_claim.metric.slug", default=None)
    claim = ConflictSideSerializer(source="from_claim")
    other = ConflictSideSerializer(source="to_claim")
    reason = serializers.CharField(source="note")
    detected = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class RecheckConfirmSerializer(StrictFieldsMixin, serializers.Serializer):
    note = serializers.CharField(
        max_length=500,
        help_text="What you re-checked (published as the confirmation's reason).",
    )


class RecheckConfirmedSerializer(serializers.Serializer):
    claim = serializers.IntegerField()
    confirmed = serializers.BooleanField()
