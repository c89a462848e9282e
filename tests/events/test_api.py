"""GET /api/v1/events/: oldest first after a position, filters, ETag and 304."""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from events.models import Event
from events.services import Change, record_events, sequence_events

pytestmark = pytest.mark.django_db

URL = "/api/v1/events/"


def record(*changes: tuple[str, int]) -> list[Event]:
    """Record and place events of (type, claim id), made for these tests."""
    with transaction.atomic():
        stored = record_events(
            Change(
                type=type_,
                object_url=f"/api/v1/claims/{claim_id}/",
                object_version=1,
                claim_id=claim_id,
                body={"claim": {"id": claim_id}},
                reason=f"made for this test ({type_}, {claim_id})",
            )
            for type_, claim_id in changes
        )
    sequence_events()  # the job runs at commit; a test's transaction never commits
    return stored


def get(query: str = "", **headers):
    return APIClient().get(URL + query, **headers)


def test_anyone_reads_the_feed_oldest_first_with_each_event_in_full():
    stored = record(("claim.verdict.published", 1), ("claim.verdict.revised", 1))
    response = get()
    assert response.status_code == 200
    page = response.json()
    assert [item["id"] for item in page["results"]] == [
        event.public_id for event in stored
    ]
    first = page["results"][0]
    assert set(first) == {
        "id",
        "position",
        "type",
        "occurred_at",
        "object_url",
        "object_version",
        "claim",
        "reason",
        "body",
    }
    assert (first["type"], first["claim"], first["object_url"]) == (
        "claim.verdict.published",
        1,
        "/api/v1/claims/1/",
    )
    assert first["body"] == {"claim": {"id": 1}}
    assert page["has_more"] is False


def test_pages_follow_from_a_position_and_the_next_link_catches_up():
    record(*[("claim.created", n) for n in range(1, 6)])
    first = get("?page_size=2").json()
    assert [item["claim"] for item in first["results"]] == [1, 2]
    assert first["has_more"] is True
    second = APIClient().get(first["next"]).json()
    assert [item["claim"] for item in second["results"]] == [3, 4]
    third = APIClient().get(second["next"]).json()
    assert [item["claim"] for item in third["results"]] == [5]
    assert third["has_more"] is False
    # The end: an empty page whose next link is where to poll.
    end = APIClient().get(third["next"]).json()
    assert end["results"] == []
    assert end["after"] == third["after"]
    record(("claim.created", 6))
    assert [
        item["claim"] for item in APIClient().get(end["next"]).json()["results"]
    ] == [6]


def test_filters_by_one_or_several_types_and_by_claim():
    record(
        ("claim.verdict.published", 1),
        ("claim.evidence.added", 1),
        ("claim.verdict.revised", 2),
        ("claim.created", 3),
    )
    several = get("?type=claim.verdict.published,claim.verdict.revised").json()
    assert [item["type"] for item in several["results"]] == [
        "claim.verdict.published",
        "claim.verdict.revised",
    ]
    repeated = get("?type=claim.created&type=claim.evidence.added").json()
    assert [item["claim"] for item in repeated["results"]] == [1, 3]
    of_claim = get("?claim=1").json()
    assert [item["type"] for item in of_claim["results"]] == [
        "claim.verdict.published",
        "claim.evidence.added",
    ]
    assert "claim=1" in of_claim["next"]


def test_events_not_placed_yet_are_not_served():
    with transaction.atomic():
        record_events(
            [Change(type="claim.created", object_url="/api/v1/claims/1/", body={})]
        )
    assert get().json()["results"] == []  # its job has not run (never committed)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?type=claim.made.up", "type"),
        ("?after=abc", "after"),
        ("?after=-1", "after"),
        ("?after=99999999999999999999", "after"),
        ("?claim=0", "claim"),
        ("?claim=x", "claim"),
        ("?page_size=0", "page_size"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(query, field):
    response = get(query)
    assert response.status_code == 400
    assert field in response.json()


def test_etag_and_304_until_a_new_event_is_placed():
    record(("claim.created", 1))
    first = get()
    etag = first["ETag"]
    assert etag
    assert get(HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert get("?claim=1")["ETag"] != etag  # another query, another tag
    record(("claim.created", 2))
    again = get(HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert len(again.json()["results"]) == 2


def test_a_304_costs_one_query(django_assert_num_queries):
    record(("claim.created", 1))
    etag = get()["ETag"]
    with django_assert_num_queries(1):
        assert get(HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("size", [10, 100])
def test_a_page_costs_the_same_queries_at_any_size(size, django_assert_max_num_queries):
    record(*[("claim.created", n) for n in range(1, 120)])
    with django_assert_max_num_queries(2):
        page = get(f"?page_size={size}").json()
    assert len(page["results"]) == size


def test_the_schema_documents_the_feed():
    schema = APIClient().get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/events/"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"after", "type", "claim", "page_size"} <= names
    confirm = schema["paths"]["/api/v1/claims/{id}/confirm/"]["post"]
    assert "requestBody" in confirm
