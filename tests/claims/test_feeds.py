"""The Atom feed of verdicts published and revised (/feeds/verdicts.atom)."""

import xml.etree.ElementTree as ET

import pytest
from django.conf import settings

from claims.models import Claim
from claims.ratings import Status
from claims.services.claims import claim_set_status, claim_update
from events.services import sequence_events
from tests.factories import FigureClaimFactory, user_in_group

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
URL = "/feeds/verdicts.atom"
# Made for these tests, not from the seeds.
RATIONALE = "Customs statistics show a different figure (made for this test)."
REVISION = "The first rationale cited the wrong year (made for this test)."


@pytest.fixture
def reviewer():
    return user_in_group("Reviewers", username="rev")


def publish_and_revise(reviewer) -> Claim:
    claim = FigureClaimFactory(status=Status.IN_REVIEW)
    claim_set_status(claim=claim, status=Status.FALSE, by=reviewer, rationale=RATIONALE)
    claim_update(
        claim=Claim.objects.get(pk=claim.pk),
        values={"rationale": "A corrected rationale (made for this test)."},
        by=reviewer,
        change_reason=REVISION,
    )
    sequence_events()  # its job runs at commit; a test's transaction never commits
    return claim


def test_the_feed_lists_verdicts_newest_first_linking_to_the_claim_page(
    client, reviewer
):
    claim = publish_and_revise(reviewer)
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 - our own output
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    revised, published = entries
    page = f"{settings.FACTCHECK_SITE_URL}/claims/{claim.pk}/"
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href") == page
        assert entry.find(f"{ATOM}id").text.startswith("urn:factcheck:event:evt_")
    assert revised.find(f"{ATOM}title").text.startswith("Revised: False")
    assert f"Why it was revised: {REVISION}" in revised.find(f"{ATOM}summary").text
    assert published.find(f"{ATOM}title").text.startswith("Verdict: False")
    assert RATIONALE in published.find(f"{ATOM}summary").text


def test_other_events_are_not_in_the_feed(client, reviewer):
    claim = publish_and_revise(reviewer)
    claim_set_status(
        claim=Claim.objects.get(pk=claim.pk), status="in_review", by=reviewer
    )
    sequence_events()
    feed = ET.fromstring(client.get(URL).content)  # noqa: S314 - our own output
    assert len(feed.findall(f"{ATOM}entry")) == 2


def test_the_feed_answers_304_until_a_new_event(client, reviewer):
    publish_and_revise(reviewer)
    etag = client.get(URL)["ETag"]
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304
    publish_and_revise(reviewer)
    assert client.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200
