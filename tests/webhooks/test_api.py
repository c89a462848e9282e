"""The webhooks API: staff with the webhooks permissions only; the secret shown once;
bad input a 400 naming the field; the delivery log; replays."""

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from events.services import Change, record_event
from tests.factories import UserFactory, user_in_group
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

TYPES = ["claim.verdict.published", "claim.verdict.revised"]


def manager():
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="webhooks")
    )
    return user


@pytest.fixture
def api():
    client = APIClient()
    client.force_login(manager())
    return client


def test_the_post_answer_shows_the_secret_once_and_get_never(api, receiver):
    created = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "event_types": TYPES}, format="json"
    )
    assert created.status_code == 201, created.data
    secret = created.data["secret"]
    assert secret.startswith("whsec_")
    assert Webhook(secret)  # a secret the library takes
    pk = created.data["id"]
    assert created.data["event_types"] == TYPES

    for path in ("/api/v1/webhooks/", f"/api/v1/webhooks/{pk}/"):
        answer = api.get(path)
        assert answer.status_code == 200
        assert "secret" not in answer.content.decode()
        assert secret not in answer.content.decode()
    assert Subscription.objects.get().secret == secret


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://93.184.215.14/x", "event_types": TYPES}, "url"),
        ({"url": "not a url", "event_types": TYPES}, "url"),
        ({"url": "http://10.0.0.1/hook", "event_types": TYPES}, "url"),
        ({"url": "http://169.254.169.254/", "event_types": TYPES}, "url"),
        ({"url": "http://[::1]:8000/hook", "event_types": TYPES}, "url"),
        ({"url": "http://localhost/hook", "event_types": TYPES}, "url"),
        (
            {"url": "https://93.184.215.14/h", "event_types": ["claim.eaten"]},
            "event_types",
        ),
        ({"url": "https://93.184.215.14/h", "event_types": []}, "event_types"),
        (
            {"url": "https://93.184.215.14/h", "event_types": "claim.created"},
            "event_types",
        ),
        ({"url": "https://93.184.215.14/h"}, "event_types"),
        ({"url": 5, "event_types": TYPES}, "url"),
        (
            {"url": "https://93.184.215.14/h", "event_types": TYPES, "secret": "x"},
            "secret",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, body, field):
    answer = api.post("/api/v1/webhooks/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.data, answer.data
    assert not Subscription.objects.exists()


def test_loopback_is_refused_without_the_allow_list(api, receiver, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = []
    answer = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "event_types": TYPES}, format="json"
    )
    assert answer.status_code == 400
    assert "loopback" in answer.data["url"][0]


def test_patch_checks_the_url_again_and_re_enabling_clears_the_reason(api, receiver):
    pk = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "event_types": TYPES}, format="json"
    ).data["id"]
    bad = api.patch(
        f"/api/v1/webhooks/{pk}/", {"url": "http://10.0.0.2/"}, format="json"
    )
    assert bad.status_code == 400
    assert "url" in bad.data
    Subscription.objects.filter(pk=pk).update(active=False, disabled_reason="failing")

    answer = api.patch(f"/api/v1/webhooks/{pk}/", {"active": True}, format="json")

    assert answer.status_code == 200
    assert (answer.data["active"], answer.data["disabled_reason"]) == (True, "")
    assert Subscription.objects.get().url == receiver.url


def test_the_delivery_log_and_a_replay_over_the_api(api, receiver):
    pk = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "event_types": TYPES}, format="json"
    ).data["id"]
    with transaction.atomic():
        # Made for this test: not data from the seeds.
        event = record_event(
            Change(
                type="claim.verdict.published",
                object_url="/api/v1/claims/5/",
                claim_id=5,
                body={"id": 5},
            )
        )
    from webhooks.services import dispatch_due

    dispatch_due()
    delivery = Delivery.objects.get()

    log = api.get(f"/api/v1/webhooks/{pk}/deliveries/")
    assert log.status_code == 200
    (row,) = log.data["results"]
    assert (row["webhook_id"], row["state"]) == (event.public_id, "delivered")
    assert row["log"][0]["status_code"] == 204

    both = api.post(
        f"/api/v1/webhooks/{pk}/replay/",
        {"delivery": delivery.pk, "since": "2026-01-01T00:00:00Z"},
        format="json",
    )
    assert both.status_code == 400
    unknown = api.post(
        f"/api/v1/webhooks/{pk}/replay/", {"delivery": 999999}, format="json"
    )
    assert unknown.status_code == 400
    assert "delivery" in unknown.data
    bad_time = api.post(
        f"/api/v1/webhooks/{pk}/replay/", {"since": "yesterday"}, format="json"
    )
    assert bad_time.status_code == 400
    assert "since" in bad_time.data

    again = api.post(
        f"/api/v1/webhooks/{pk}/replay/", {"delivery": delivery.pk}, format="json"
    )
    assert again.status_code == 202
    assert again.data["replayed"] == 1
    since = api.post(
        f"/api/v1/webhooks/{pk}/replay/",
        {"since": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert since.data["replayed"] == 1
    dispatch_due()
    assert receiver.ids() == [event.public_id] * 3


def test_delete_removes_the_subscription(api, receiver):
    pk = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "event_types": TYPES}, format="json"
    ).data["id"]
    assert api.delete(f"/api/v1/webhooks/{pk}/").status_code == 204
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("size", [2, 20])
def test_the_list_takes_a_fixed_number_of_queries(
    api, django_assert_max_num_queries, size
):
    user = UserFactory(username="creator")
    Subscription.objects.bulk_create(
        Subscription(
            url=f"https://93.184.215.14/{n}", event_types=TYPES, created_by=user
        )
        for n in range(size)
    )
    with django_assert_max_num_queries(6):
        answer = api.get("/api/v1/webhooks/?limit=50")
    assert len(answer.data["results"]) == size


def test_editors_and_reviewers_without_the_webhooks_permissions_are_refused(receiver):
    body = {"url": receiver.url, "event_types": TYPES}
    for user, expected in (
        (None, 401),
        (UserFactory(), 403),
        (user_in_group("Editors"), 403),
        (user_in_group("Reviewers"), 403),
    ):
        client = APIClient()
        if user:
            client.force_login(user)
        assert client.get("/api/v1/webhooks/").status_code == expected
        assert (
            client.post("/api/v1/webhooks/", body, format="json").status_code
            == expected
        )
    assert not Subscription.objects.exists()
