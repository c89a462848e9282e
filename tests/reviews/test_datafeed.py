"""Our reviews as a Data Commons-shaped DataFeed: bounded pages, dateModified."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Claim
from claims.ratings import Status
from reviews.parsing.validation import validate_claim_review
from tests.factories import FigureClaimFactory

pytestmark = pytest.mark.django_db

FEED = "/api/v1/claimreview/datafeed.json"


@pytest.fixture
def reviewed():
    # Made up for the tests: three reviewed claims (the seed's are checked against
    # the rules in test_validation.py).
    statuses = [Status.FALSE, Status.MISLEADING, Status.DISPUTED]
    for status in statuses:
        FigureClaimFactory(status=status, rationale="Made up for the test.")
    claims = list(Claim.objects.reviewed().order_by("id"))
    assert len(claims) == len(statuses)
    return claims


def test_the_feed_is_a_datafeed_of_claim_reviews_that_pass_the_rules(reviewed):
    feed = APIClient().get(FEED).json()
    assert feed["@type"] == "DataFeed"
    assert feed["@context"] == "https://schema.org"
    elements = feed["dataFeedElement"]
    assert len(elements) == len(reviewed)
    for element in elements:
        assert element["@type"] == "DataFeedItem"
        (review,) = element["item"]
        assert review["@type"] == "ClaimReview"
        assert review["dateModified"] == element["dateModified"]
        assert [p for p in validate_claim_review(review) if p.severity == "error"] == []


def test_pages_are_bounded_and_followed_by_next(reviewed):
    api = APIClient()
    first = api.get(FEED, {"page_size": 1})
    assert len(first.json()["dataFeedElement"]) == 1
    assert first["Link"].endswith('rel="next"')
    seen = [first.json()["dataFeedElement"][0]["item"][0]["url"]]
    next_url = first.json()["next"]
    while next_url:
        page = api.get(next_url).json()
        seen += [e["item"][0]["url"] for e in page["dataFeedElement"]]
        next_url = page["next"]
    assert len(seen) == len(set(seen)) == len(reviewed)


def test_a_revised_verdict_moves_to_the_end_with_its_new_date_modified(reviewed):
    revised = reviewed[0]
    later = timezone.now() + datetime.timedelta(days=1)
    Claim.objects.filter(pk=revised.pk).update(reviewed_at=later)
    feed = APIClient().get(FEED).json()
    last = feed["dataFeedElement"][-1]
    assert last["item"][0]["url"].endswith(f"/claims/{revised.pk}/")
    assert last["dateModified"] == timezone.localtime(later).isoformat(
        timespec="seconds"
    )
    window = APIClient().get(
        FEED, {"modified_since": (later - datetime.timedelta(hours=1)).isoformat()}
    )
    assert [e["item"][0]["url"] for e in window.json()["dataFeedElement"]] == [
        last["item"][0]["url"]
    ]


def test_a_bad_window_is_a_400_naming_the_parameter(reviewed):
    response = APIClient().get(FEED, {"modified_since": "last week"})
    assert response.status_code == 400
    assert "modified_since" in response.json()


@pytest.mark.parametrize("page_size", [1, 10])
def test_the_feed_reads_a_fixed_number_of_queries(
    reviewed, django_assert_max_num_queries, page_size
):
    with django_assert_max_num_queries(8):
        APIClient().get(FEED, {"page_size": page_size})
