"""An external review matching one of our verdicts with a different rating."""

import io

import pytest

from claims.models import Claim
from claims.ratings import Status
from events.models import Event
from reviews.models import ExternalReview
from reviews.services import import_reviews, review_attach_as_evidence
from tests.factories import FigureClaimFactory
from tests.reviews import samples

pytestmark = pytest.mark.django_db


def imported(**fields) -> ExternalReview:
    import_reviews(handle=io.BytesIO(samples.datafeed(samples.claim_review(**fields))))
    return ExternalReview.objects.get()


def test_attaching_a_review_rating_a_verdict_differently_is_an_event():
    review = imported(rating="False")
    assert review.status == "false"
    claim = FigureClaimFactory(status=Status.VERIFIED, rationale="made for this test")
    review_attach_as_evidence(review=review, claim=claim, stance="refutes")
    types = list(
        Event.objects.filter(claim_id=claim.pk)
        .order_by("id")
        .values_list("type", flat=True)
    )
    assert types == ["claim.evidence.added", "claim.review.matched"]
    matched = Event.objects.get(type="claim.review.matched")
    assert matched.body["review"]["url"] == review.url
    assert matched.body["review"]["status"] == "false"
    assert "our verdict is verified" in matched.reason
    assert Claim.objects.get(pk=claim.pk).recheck_since is not None


def test_a_review_agreeing_with_the_verdict_is_no_match_event():
    review = imported(rating="False")
    claim = FigureClaimFactory(status=Status.FALSE, rationale="made for this test")
    review_attach_as_evidence(review=review, claim=claim, stance="supports")
    assert not Event.objects.filter(type="claim.review.matched").exists()


def test_a_reimported_review_now_rating_an_attached_verdict_differently_is_an_event():
    review = imported(rating="False", date_modified="2021-03-05T00:00:00Z")
    claim = FigureClaimFactory(status=Status.FALSE, rationale="made for this test")
    review_attach_as_evidence(review=review, claim=claim, stance="supports")
    assert not Event.objects.filter(type="claim.review.matched").exists()
    import_reviews(
        handle=io.BytesIO(
            samples.datafeed(
                samples.claim_review(
                    rating="True", date_modified="2021-06-01T00:00:00Z"
                )
            )
        )
    )
    matched = Event.objects.get(type="claim.review.matched")
    assert matched.claim_id == claim.pk
    assert matched.body["review"]["status"] == "verified"
