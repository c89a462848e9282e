"""The ClaimReview validator: each of Google's documented rules, and our own markup."""

import copy
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.claimreview import claim_review
from claims.models import Claim
from reviews.parsing.validation import RULES, validate_claim_review, validate_page

from . import samples


def rules_broken(review) -> set[str]:
    return {problem.rule for problem in validate_claim_review(review)}


def without(path: str):
    review = copy.deepcopy(samples.claim_review(1))
    *parents, last = path.split(".")
    node = review
    for part in parents:
        node = node[part]
    del node[last]
    return review


def test_a_complete_review_breaks_no_rule():
    assert validate_claim_review(samples.claim_review(1)) == []


# Each rule, and a made-up review that breaks it.
BROKEN = {
    "type": lambda: {**samples.claim_review(1), "@type": "Review"},
    "claimReviewed.required": lambda: without("claimReviewed"),
    "claimReviewed.length": lambda: samples.claim_review(1, claim="word " * 30),
    "claimReviewed.rating": lambda: samples.claim_review(
        1, claim="False: Iran-Russia trade hit $5 billion"
    ),
    "url.required": lambda: without("url"),
    "url.http": lambda: samples.claim_review(1, url="javascript:alert(1)"),
    "url.site": lambda: samples.claim_review(1, url="https://other.example.com/c/1"),
    "reviewRating.required": lambda: without("reviewRating"),
    "reviewRating.alternateName": lambda: without("reviewRating.alternateName"),
    "reviewRating.ratingValue": lambda: without("reviewRating.ratingValue"),
    "reviewRating.scale": lambda: without("reviewRating.bestRating"),
    "reviewRating.number": lambda: samples.claim_review(
        1,
        reviewRating={
            "alternateName": "False",
            "ratingValue": "one",
            "bestRating": 5,
            "worstRating": 1,
        },
    ),
    "reviewRating.range": lambda: samples.claim_review(
        1,
        reviewRating={
            "alternateName": "False",
            "ratingValue": 0,
            "bestRating": 5,
            "worstRating": 1,
        },
    ),
    "author.recommended": lambda: without("author"),
    "author.name": lambda: without("author.name"),
    "author.url": lambda: without("author.url"),
    "datePublished.recommended": lambda: without("datePublished"),
    "date.format": lambda: samples.claim_review(1, datePublished="yesterday"),
    "itemReviewed.recommended": lambda: without("itemReviewed"),
    "itemReviewed.type": lambda: samples.claim_review(
        1, itemReviewed={**samples.claim_review(1)["itemReviewed"], "@type": "Thing"}
    ),
    "itemReviewed.author": lambda: without("itemReviewed.author"),
    "itemReviewed.claimant": lambda: samples.claim_review(
        1,
        itemReviewed={
            **samples.claim_review(1)["itemReviewed"],
            "author": {"name": "Example Checker"},
        },
    ),
    "itemReviewed.datePublished": lambda: without("itemReviewed.datePublished"),
}


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_each_rule_is_reported_when_broken(rule):
    broken = rules_broken(BROKEN[rule]())
    assert rule in broken, broken


def test_every_rule_has_a_test():
    assert set(RULES) == set(BROKEN) | {
        "itemReviewed.appearance",
        "page.one-per-claim",
    }


def test_appearance_or_first_appearance_is_recommended():
    review = samples.claim_review(1)
    del review["itemReviewed"]["appearance"]
    assert "itemReviewed.appearance" not in rules_broken(review)
    del review["itemReviewed"]["firstAppearance"]
    assert "itemReviewed.appearance" in rules_broken(review)


def test_one_claim_review_per_claim_on_a_page():
    page = [samples.claim_review(1), samples.claim_review(2)]
    assert "page.one-per-claim" in {p.rule for p in validate_page(page)}


def test_the_command_exits_non_zero_on_an_error(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(samples.claim_review(1)))
    call_command("validate_claimreview", str(good))
    assert "0 error(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.html"
    bad.write_bytes(samples.html_page(without("reviewRating")))
    with pytest.raises(SystemExit) as exit:
        call_command("validate_claimreview", str(bad))
    assert exit.value.code == 1
    assert "error: reviewRating.required" in capsys.readouterr().out


@pytest.mark.django_db
def test_every_published_claim_review_of_the_fixtures_passes_the_rules(settings):
    settings.FACTCHECK_SITE_URL = "https://factcheck.example.org"
    call_command("loaddata", "seed", verbosity=0)
    reviewed = (
        Claim.objects.reviewed()
        .select_related("document__publisher", "speaker")
        .prefetch_related(
            "links_from__to_claim__document", "links_to__from_claim__document"
        )
    )
    assert reviewed
    for claim in reviewed:
        markup = claim_review(claim)
        errors = [p for p in validate_claim_review(markup) if p.severity == "error"]
        assert errors == [], (claim.pk, errors)
    # And as served by the API feed.
    feed = APIClient().get("/api/v1/claimreview/").json()["results"]
    assert feed
    assert all(
        p.severity != "error" for review in feed for p in validate_claim_review(review)
    )
