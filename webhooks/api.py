"""The webhooks API, staff only: subscriptions (CRUD; the POST's answer shows the
secret once), their delivery log, and replays."""

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.request import Request
from rest_framework.response import Response

from events.types import EVENT_TYPES
from factcheck.api.fields import WholeNumberField
from factcheck.api.serializers import StrictFieldsMixin

from .models import Attempt, Delivery, Subscription
from .services import replay, subscription_create, subscription_update

# An address literal: a name would be resolved (and the tests resolve no names).
EXAMPLE_URL = "https://93.184.215.14/factcheck-hook"
EXAMPLE_TYPES = ["claim.verdict.published", "claim.verdict.revised"]


class SubscriptionSerializer(serializers.ModelSerializer):
    """A subscription as read back: never its secret."""

    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "url",
            "event_types",
            "description",
            "active",
            "disabled_reason",
            "disabled_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class CreatedSubscriptionSerializer(SubscriptionSerializer):
    """The POST's answer: the subscription and, this once, its secret."""

    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (Standard Webhooks `whsec_...`): shown once.",
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class SubscriptionInputSerializer(StrictFieldsMixin, serializers.Serializer):
    # The URL and the types are checked by the service (addresses, known types), so
    # that the admin and the API refuse the same things with the same words.
    url = serializers.CharField(max_length=2000, trim_whitespace=False)
    event_types = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=len(EVENT_TYPES)
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True
    )
    active = serializers.BooleanField(required=False)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = [
            "number",
            "started_at",
            "duration_ms",
            "succeeded",
            "status_code",
            "error",
        ]


class DeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="event.public_id", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook_id",
            "event_type",
            "claim_id",
            "state",
            "attempts",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "replay_of",
            "log",
        ]


class ReplayInputSerializer(StrictFieldsMixin, serializers.Serializer):
    delivery = WholeNumberField(required=False, min_value=1)
    since = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("delivery" in attrs) == ("since" in attrs):
            raise serializers.ValidationError(
                "Give `delivery` (one delivery's id) or `since` (a time), not both."
            )
        return attrs


class ReplayAnswerSerializer(serializers.Serializer):
    replayed = serializers.IntegerField()
    deliveries = serializers.ListField(child=serializers.IntegerField())


class StaffWithWebhookPermissions(DjangoModelPermissions):
    """Staff holding the webhooks permissions: reading needs `view_subscription`.

    Editors and reviewers are staff too (they use the admin), but a subscription
    sends every event and its secret signs them: only those given the webhooks
    permissions (or superusers) manage them.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_staff) and super().has_permission(request, view)


@extend_schema(tags=["webhooks"])
class SubscriptionViewSet(viewsets.ModelViewSet):
    """Webhook subscriptions (staff only); docs/webhooks.md."""

    permission_classes = [StaffWithWebhookPermissions]
    serializer_class = SubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Subscription.objects.select_related("created_by").order_by("id")

    @extend_schema(
        request=SubscriptionInputSerializer,
        responses={201: CreatedSubscriptionSerializer},
        examples=[
            OpenApiExample(
                "Subscribe to verdicts",
                value={"url": EXAMPLE_URL, "event_types": EXAMPLE_TYPES},
                request_only=True,
            )
        ],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = SubscriptionInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        subscription, secret = subscription_create(
            by=request.user, **given.validated_data
        )
        subscription.secret = secret
        return Response(
            CreatedSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=SubscriptionInputSerializer,
        responses={200: SubscriptionSerializer},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        given = SubscriptionInputSerializer(data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        subscription = subscription_update(
            subscription=self.get_object(), values=given.validated_data
        )
        return Response(SubscriptionSerializer(subscription).data)

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The subscription's deliveries, newest first, with every attempt's log."""
        subscription = self.get_object()
        rows = (
            Delivery.objects.filter(subscription=subscription)
            .select_related("event")
            .prefetch_related("log")
            .order_by("-id")
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

    @extend_schema(
        request=ReplayInputSerializer,
        responses={
            202: ReplayAnswerSerializer,
            400: OpenApiResponse(description="Neither or both of delivery and since."),
        },
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, pk: str | None = None) -> Response:
        """Send again one delivery, or every event of the subscription's types since a
        time (new deliveries, the same webhook-ids)."""
        subscription = self.get_object()
        given = ReplayInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        delivery = None
        if "delivery" in given.validated_data:
            delivery = Delivery.objects.filter(
                pk=given.validated_data["delivery"], subscription=subscription
            ).first()
            if delivery is None:
                raise serializers.ValidationError(
                    {"delivery": ["No such delivery of this subscription."]}
                )
        created = replay(
            subscription=subscription,
            delivery=delivery,
            since=given.validated_data.get("since"),
        )
        return Response(
            {"replayed": len(created), "deliveries": [row.pk for row in created]},
            status=status.HTTP_202_ACCEPTED,
        )
