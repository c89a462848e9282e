"""External reviews in "has this been checked before?", scored by the figure rules."""

import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from claims.models import Evidence
from reviews.models import ExternalReview
from reviews.services import import_reviews, review_attach_as_evidence
from tests.factories import FigureClaimFactory, MetricFactory

from . import samples

pytestmark = pytest.mark.django_db

MATCH = "/api/v1/claims/match/"
# Made up for the tests: two reviews of made-up claims about the same metric.
AGREEING = "Iran-Russia trade was close to $5.3 billion in the Iranian year 1391"
DIFFERING = "Iran-Russia trade hit $9 billion in the Iranian year 1391"


@pytest.fixture
def claim():
    metric = MetricFactory(
        name="Iran-Russia bilateral trade volume",
        slug="iran-russia-trade-volume",
        unit="USD",
        kind="annual",
    )
    return FigureClaimFactory(
        metric=metric,
        text="According to unofficial figures, Iran-Russia trade stood at close to "
        "$5.3 billion in the last Iranian year (1391).",
    )


@pytest.fixture
def reviews():
    import_reviews(
        handle=io.BytesIO(
            samples.datafeed(
                samples.claim_review(1, claim=AGREEING, rating="Mostly true"),
                samples.claim_review(2, claim=DIFFERING, rating="Falso"),
            )
        )
    )
    return {r.claim_reviewed: r for r in ExternalReview.objects.all()}


def _reviews_of(results):
    return {r["review"]["claim_reviewed"]: r for r in results if r["kind"] == "review"}


def test_match_returns_reviews_beside_claims_and_a_differing_figure_is_never_same(
    claim, reviews
):
    response = APIClient().post(
        MATCH, {"text": "Iran and Russia traded about $5.3bn in 1391."}, format="json"
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert {r["kind"] for r in results} == {"claim", "review"}
    found = _reviews_of(results)
    assert found[AGREEING]["relation"] == "same"
    assert found[DIFFERING]["relation"] == "conflicting"
    review = found[DIFFERING]["review"]
    assert review["publisher"] == {
        "name": "Example Checker",
        "site": "checker.example.org",
    }
    assert review["rating"] == {"as_published": "Falso", "status": "false"}
    assert review["url"] == "https://checker.example.org/checks/2"
    assert review["date_published"] == "2021-03-04"
    assert "language" in review
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_similar_lists_the_external_reviews_of_a_claim(claim, reviews):
    response = APIClient().get(f"/api/v1/claims/{claim.pk}/similar/")
    assert response.status_code == 200
    found = _reviews_of(response.json()["results"])
    assert found[AGREEING]["relation"] == "same"
    assert found[DIFFERING]["relation"] != "same"


def test_the_limit_holds_over_claims_and_reviews_together(claim, reviews):
    response = APIClient().post(
        MATCH,
        {"text": "Iran-Russia trade $5.3 billion 1391", "limit": 1},
        format="json",
    )
    assert len(response.json()["results"]) == 1


def test_a_review_is_attached_to_a_claim_as_evidence_once(claim, reviews):
    review = reviews[DIFFERING]
    first = review_attach_as_evidence(review=review, claim=claim, stance="refutes")
    again = review_attach_as_evidence(review=review, claim=claim, stance="refutes")
    assert first.pk == again.pk
    assert Evidence.objects.get().url == review.url
    assert "Example Checker: Falso" in first.note


def test_the_admin_action_attaches_the_chosen_reviews(admin_client, claim, reviews):
    review = reviews[AGREEING]
    response = admin_client.post(
        "/admin/reviews/externalreview/",
        {
            "action": "attach_as_evidence",
            "_selected_action": [review.pk],
            "claim": claim.pk,
            "stance": "supports",
        },
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.claim_id, evidence.stance, evidence.url) == (
        claim.pk,
        "supports",
        review.url,
    )
    assert Decimal(claim.value) == Decimal("5300000000")


def test_a_query_without_a_figure_finds_reviews_by_their_words(claim, reviews):
    results = APIClient().post(
        MATCH, {"text": "Did Iran-Russia trade hit a record?"}, format="json"
    )
    found = _reviews_of(results.json()["results"])
    assert set(found) == {AGREEING, DIFFERING}


def test_claim_reviewed_has_a_trigram_index_on_postgres(on_postgres):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes "
            "WHERE indexname = 'reviews_claim_reviewed_trgm'"
        )
        assert "gin_trgm_ops" in cursor.fetchone()[0]
