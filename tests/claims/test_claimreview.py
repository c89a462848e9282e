import datetime
import json
import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.claimreview import claim_page_url
from claims.models import Claim
from claims.ratings import Status
from tests.factories import ClaimFactory, ClaimLinkFactory, DocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def reviewed_fixture_claim(db, settings):
    settings.FACTCHECK_ORGANIZATION_NAME = "Desk Test"
    settings.FACTCHECK_SITE_URL = "https://factcheck.example.org"
    call_command("loaddata", "seed", verbosity=0)
    return Claim.objects.select_related("document__publisher", "speaker").get(
        metric__slug="iran-russia-trade-volume", value=5300000000
    )


def test_claimreview_of_a_reviewed_fixture_claim_field_by_field(
    api, reviewed_fixture_claim
):
    claim = reviewed_fixture_claim
    review = api.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()

    assert review["@context"] == "https://schema.org"
    assert review["@type"] == "ClaimReview"
    assert review["url"] == f"https://factcheck.example.org/claims/{claim.pk}/"
    assert review["claimReviewed"] == claim.text
    assert review["datePublished"] == claim.updated_at.date().isoformat()
    assert review["author"] == {
        "@type": "Organization",
        "name": "Desk Test",
        "url": "https://factcheck.example.org/",
    }
    assert review["reviewRating"] == {
        "@type": "Rating",
        "bestRating": 5,
        "worstRating": 1,
        "alternateName": "Disputed",
        "ratingExplanation": claim.rationale,
    }
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    assert item["author"] == {
        "@type": "Person",
        "name": "Mehdi Sanaei",
        "jobTitle": claim.speaker_role,
    }
    assert item["datePublished"] == "2013-04-23"
    assert item["appearance"] == [
        {
            "@type": "CreativeWork",
            "headline": "Iran's Relations with Russia",
            "url": "https://avim.org.tr/Blog/IRAN-S-RELATIONS-WITH-RUSSIA",
            "datePublished": "2013-04-23",
            "publisher": {
                "@type": "Organization",
                "name": claim.document.publisher.name,
            },
        }
    ]
    assert item["firstAppearance"] == item["appearance"][0]


def test_claimreview_rating_value_follows_the_verdict(api):
    claim = ClaimFactory(status=Status.FALSE, rationale="Customs data say otherwise.")
    rating = api.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()["reviewRating"]
    assert rating["ratingValue"] == 1
    assert rating["alternateName"] == "False"
    assert rating["ratingExplanation"] == "Customs data say otherwise."


def test_same_claim_links_add_appearances_earliest_first(api):
    late = DocumentFactory(published_on=datetime.date(2014, 6, 30), title="Later")
    early = DocumentFactory(published_on=datetime.date(2013, 4, 23), title="Earlier")
    claim = ClaimFactory(document=late, status=Status.VERIFIED)
    ClaimLinkFactory(
        from_claim=claim, to_claim=ClaimFactory(document=early), relation="same_claim"
    )

    item = api.get(f"/api/v1/claims/{claim.pk}/claimreview/").json()["itemReviewed"]
    assert [work["headline"] for work in item["appearance"]] == ["Earlier", "Later"]
    assert item["firstAppearance"]["headline"] == "Earlier"


@pytest.mark.parametrize("status", [Status.UNVERIFIED, Status.IN_REVIEW])
def test_unreviewed_claim_has_no_claimreview_and_says_why(api, status):
    claim = ClaimFactory(status=status)
    response = api.get(f"/api/v1/claims/{claim.pk}/claimreview/")
    assert response.status_code == 404
    assert "no review to publish" in response.json()["detail"]


def test_claimreview_feed_lists_only_reviewed_claims_in_constant_queries(
    api, django_assert_max_num_queries
):
    reviewed = [ClaimFactory(status=Status.FALSE), ClaimFactory(status=Status.DISPUTED)]
    ClaimFactory(status=Status.UNVERIFIED)
    # The representation version, the page, its links.
    with django_assert_max_num_queries(4):
        page = api.get("/api/v1/claimreview/").json()
    urls = sorted(review["url"] for review in page["results"])
    assert urls == sorted(claim_page_url(claim) for claim in reviewed)
    assert all(review["@type"] == "ClaimReview" for review in page["results"])
    ClaimFactory.create_batch(5, status=Status.FALSE)
    with django_assert_max_num_queries(4):
        assert len(api.get("/api/v1/claimreview/").json()["results"]) == 7


def test_public_claim_page_embeds_the_same_claimreview(client, reviewed_fixture_claim):
    claim = reviewed_fixture_claim
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    embedded = re.search(
        r'<script type="application/ld\+json">(.*?)</script>', page, re.S
    )
    assert embedded is not None
    api_review = APIClient().get(f"/api/v1/claims/{claim.pk}/claimreview/").json()
    assert json.loads(embedded.group(1)) == api_review
    assert "Disputed" in page


def test_claim_text_cannot_break_out_of_the_json_ld_script(client):
    claim = ClaimFactory(status=Status.FALSE, text="</script><script>alert(1)</script>")
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in page
