"""Our reviews as a Data Commons-shaped DataFeed: bounded pages, dateModified."""

import datetime
import importlib
import re
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from claims.models import Claim
from claims.ratings import VERDICTS, Status
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


# Index use (PostgreSQL) -------------------------------------------------------
#
# The feed's page query, as the view sent it, EXPLAINed with sequential scans,
# bitmap scans and sorts off, so that on a few rows the planner takes whatever index
# can give the page's order (with them on, a bitmap scan and a sort of two rows is
# cheaper): the partial expression index of reviews migration 0005 must give it (no
# Sort node; without the index the plan sorts), and bound the walk by its condition
# on a deeper page or in a window.

FEED_INDEX = "reviews_datafeed_order"


def _feed_query(url: str, params: dict) -> str:
    with CaptureQueriesContext(connection) as queries:
        response = APIClient().get(url, params)
    assert response.status_code == 200, response.content
    page = [
        query["sql"]
        for query in queries.captured_queries
        if re.match(r'SELECT .*? FROM "claims_claim"\s', query["sql"])
        and "COALESCE" in query["sql"]
    ]
    assert len(page) == 1, queries.captured_queries
    return page[0]


def _plan(sql: str) -> dict:
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0][0]["Plan"]
        transaction.set_rollback(True)  # undoes SET LOCAL
    return plan


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
@pytest.mark.parametrize("page", ["first", "next", "window"])
def test_the_feed_page_is_read_off_its_index_in_order(reviewed, page):
    url, params = FEED, {"page_size": 1}
    if page == "next":
        url, params = APIClient().get(FEED, {"page_size": 1}).json()["next"], {}
    elif page == "window":
        params["modified_since"] = "2000-01-01T00:00:00Z"
    plan = _plan(_feed_query(url, params))
    nodes = list(_nodes(plan))
    claim_scans = [
        node for node in nodes if node.get("Relation Name") == "claims_claim"
    ]

    assert [node.get("Index Name") for node in claim_scans] == [FEED_INDEX], nodes
    assert not any(node["Node Type"] == "Sort" for node in nodes), nodes
    if page != "first":  # the cursor's position or the window bounds the walk
        assert "Index Cond" in claim_scans[0], claim_scans[0]


def test_the_feed_index_covers_every_verdict():
    # The partial index's list was written into its migration: a verdict added to
    # claims.ratings later must be added to a new index too, or its rows would make
    # the feed's query stop matching the index.
    migration = importlib.import_module("reviews.migrations.0005_datafeed_order_index")
    assert set(migration.VERDICTS) == {str(status) for status in VERDICTS}
