"""The webhooks admin: pages render, the secret is shown once after creation, bad
URLs are refused on the field, and the replay actions queue deliveries again."""

import pytest
from django.db import transaction

from events.services import Change, record_event
from webhooks.models import Delivery, Subscription
from webhooks.services import dispatch_due, subscription_create

pytestmark = pytest.mark.django_db

TYPES = ["claim.verdict.published"]


def recorded(claim_id=1):
    with transaction.atomic():
        # Made for this test: not data from the seeds.
        return record_event(
            Change(
                type="claim.verdict.published",
                object_url=f"/api/v1/claims/{claim_id}/",
                claim_id=claim_id,
                body={"id": claim_id},
            )
        )


@pytest.fixture
def delivered(receiver):
    subscription, _ = subscription_create(url=receiver.url, event_types=TYPES, by=None)
    recorded()
    dispatch_due()
    return subscription


def test_the_pages_render(admin_client, delivered, django_assert_max_num_queries):
    delivery = Delivery.objects.get()
    for url in (
        "/admin/webhooks/subscription/",
        "/admin/webhooks/subscription/add/",
        f"/admin/webhooks/subscription/{delivered.pk}/change/",
        "/admin/webhooks/delivery/",
        f"/admin/webhooks/delivery/{delivery.pk}/change/",
    ):
        with django_assert_max_num_queries(20):
            response = admin_client.get(url)
        assert response.status_code == 200, url
        assert delivered.secret not in response.content.decode(), url


def test_the_secret_is_shown_once_after_creation(admin_client, receiver):
    response = admin_client.post(
        "/admin/webhooks/subscription/add/",
        {"url": receiver.url, "event_types": TYPES, "description": "", "active": "on"},
        follow=True,
    )
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.secret.startswith("whsec_")
    # The page after the save shows it; the next one no longer does.
    assert subscription.secret in response.content.decode()
    change = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/")
    assert subscription.secret not in change.content.decode()


def test_a_private_url_is_refused_on_its_field(admin_client, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    response = admin_client.post(
        "/admin/webhooks/subscription/add/",
        {"url": "http://169.254.169.254/", "event_types": TYPES, "active": "on"},
    )
    assert response.status_code == 200
    assert "link-local" in str(response.context["adminform"].form.errors["url"])
    assert not Subscription.objects.exists()


def test_the_replay_actions_queue_deliveries_again(admin_client, delivered, receiver):
    delivery = Delivery.objects.get()
    admin_client.post(
        "/admin/webhooks/delivery/",
        {"action": "replay_selected", "_selected_action": [delivery.pk]},
    )
    asked = admin_client.post(
        "/admin/webhooks/subscription/",
        {"action": "replay_since", "_selected_action": [delivered.pk]},
    )
    assert asked.status_code == 200
    assert "Replay the events since a time" in asked.content.decode()
    admin_client.post(
        "/admin/webhooks/subscription/",
        {
            "action": "replay_since",
            "_selected_action": [delivered.pk],
            "since": "2000-01-01 00:00",
        },
    )
    assert Delivery.objects.filter(state="pending").count() == 2
    dispatch_due()
    assert len(receiver.ids()) == 3
    assert len(set(receiver.ids())) == 1
