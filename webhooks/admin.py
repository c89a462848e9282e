"""The webhooks admin: subscriptions (the secret shown once, after creation), the
deliveries with their attempt log, and the replay actions. Writes go through the
same services as the API."""

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from events.types import EVENT_TYPES

from .models import Attempt, Delivery, Subscription
from .services import (
    replay,
    subscription_create,
    subscription_errors,
    subscription_update,
)

EDITED = ("url", "event_types", "description", "active")


class SubscriptionForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {about}") for name, about in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Subscription
        fields = list(EDITED)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        errors = subscription_errors(
            url=cleaned.get("url", ""), event_types=cleaned.get("event_types") or []
        )
        for field, messages_ in errors.items():
            if field not in self.errors:
                self.add_error(field, messages_)
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("url", "active", "types", "disabled_reason", "created_at")
    list_filter = ("active",)
    readonly_fields = (
        "disabled_reason",
        "disabled_at",
        "failing_since",
        "exhausted_in_a_row",
        "created_by",
        "created_at",
    )
    actions = ["replay_since"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description="event types")
    def types(self, subscription: Subscription) -> str:
        return ", ".join(subscription.event_types)

    def save_model(
        self,
        request: HttpRequest,
        obj: Subscription,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        values = {name: form.cleaned_data[name] for name in EDITED}
        if change:
            stored = Subscription.objects.get(pk=obj.pk)
            subscription_update(subscription=stored, values=values)
            return
        created, secret = subscription_create(by=request.user, **values)
        obj.pk, obj.secret, obj.created_at = created.pk, secret, created.created_at
        obj._state.adding = False
        self.message_user(
            request,
            f"The signing secret of {created.url}, shown this once (copy it to the"
            f" receiver now): {secret}",
            messages.WARNING,
        )

    @admin.action(description="Replay the selected subscriptions' events since a time")
    def replay_since(
        self, request: HttpRequest, queryset: QuerySet[Subscription]
    ) -> HttpResponse | None:
        since_text = request.POST.get("since", "").strip()
        since: datetime | None = None
        if since_text:
            try:
                since = forms.DateTimeField().clean(since_text)
            except ValidationError:
                self.message_user(request, "Enter a date and time.", messages.ERROR)
        if since is None:
            return TemplateResponse(
                request,
                "admin/webhooks/subscription/replay.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "subscriptions": list(queryset),
                    "action": "replay_since",
                    "now": timezone.now(),
                },
            )
        for subscription in queryset:
            try:
                created = replay(subscription=subscription, since=since)
            except ValidationError as refusal:
                self.message_user(
                    request,
                    f"{subscription.url}: {' '.join(refusal.messages)}",
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    f"{subscription.url}: {len(created)} event(s) queued again.",
                    messages.SUCCESS,
                )
        return None


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "started_at",
        "duration_ms",
        "succeeded",
        "status_code",
        "error",
        "response_excerpt",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "subscription",
        "claim_id",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("state",)
    list_select_related = ("event", "subscription")
    readonly_fields = (
        "event",
        "subscription",
        "claim_id",
        "state",
        "attempts",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "replay_of",
    )
    inlines = [AttemptInline]
    actions = ["replay_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Replay the selected deliveries (same webhook-id)")
    def replay_selected(
        self, request: HttpRequest, queryset: QuerySet[Delivery]
    ) -> None:
        replayed, refused = 0, []
        for delivery in queryset.select_related("subscription"):
            try:
                replay(subscription=delivery.subscription, delivery=delivery)
            except ValidationError as refusal:
                refused.append(f"#{delivery.pk}: {' '.join(refusal.messages)}")
            else:
                replayed += 1
        if replayed:
            self.message_user(
                request, f"{replayed} delivery(ies) queued again.", messages.SUCCESS
            )
        for reason in refused:
            self.message_user(request, reason, messages.ERROR)
