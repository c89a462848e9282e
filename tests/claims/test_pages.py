"""The reader's pages: home, search results, a claim, a metric (claims.pages)."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from claims.models import Claim
from claims.pages import STATUS_BADGES
from claims.ratings import Status
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    EvidenceFactory,
    FigureClaimFactory,
)

pytestmark = pytest.mark.django_db


def test_the_home_page_lists_the_fixtures_verdicts_which_have_no_review_date(client):
    # The seed's disputed claims were loaded with their verdicts, not reviewed
    # here: they have no reviewed_at, and a fresh `make run` showed none of them.
    call_command("loaddata", "seed", verbosity=0)
    disputed = set(
        Claim.objects.filter(status=Status.DISPUTED).values_list("pk", flat=True)
    )
    assert len(disputed) == 6
    page = client.get("/").content.decode()
    assert "No verdicts yet" not in page
    listed = {int(pk) for pk in re.findall(r'href="/claims/(\d+)/"', page)}
    assert disputed <= listed


def test_the_home_page_lists_dated_verdicts_before_undated_ones(client):
    undated = ClaimFactory(status=Status.DISPUTED)  # made for this test
    dated = ClaimFactory(status=Status.FALSE, reviewed_at=timezone.now())
    ClaimFactory(status=Status.UNVERIFIED)
    page = client.get("/").content.decode()
    listed = [int(pk) for pk in re.findall(r'href="/claims/(\d+)/"', page)]
    assert listed[:2] == [dated.pk, undated.pk]


def test_the_home_search_box_goes_to_the_readers_search_page(client):
    page = client.get("/").content.decode()
    assert 'action="/search/"' in page
    assert 'action="/api/v1/claims/"' not in page


def test_the_search_page_lists_matches_with_their_status_badges(client):
    # Claims made for this test.
    match = ClaimFactory(
        text="Trade with Russia reached a made-up figure.", status=Status.FALSE
    )
    ClaimFactory(text="Wine exports to France, made up.")
    answer = client.get("/search/", {"q": "Russia"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert f'href="/claims/{match.pk}/"' in page
    assert '<span class="status status-false">False</span>' in page
    assert "France" not in page


def test_the_search_page_is_paged_a_row_past_each_page(
    client, django_assert_max_num_queries
):
    # 25 claims made for this test, all matching.
    claims = [ClaimFactory(text=f"Made-up barter claim {n}.") for n in range(25)]
    with django_assert_max_num_queries(4):
        first = client.get("/search/", {"q": "barter"}).content.decode()
    listed = re.findall(
        r'<li>\s*<span class="status[^>]*>[^<]*</span>\s*<a href="/claims/(\d+)/"',
        first,
    )
    assert len(listed) == 20
    assert "page=2" in first
    second = client.get("/search/", {"q": "barter", "page": 2}).content.decode()
    more = re.findall(
        r'<li>\s*<span class="status[^>]*>[^<]*</span>\s*<a href="/claims/(\d+)/"',
        second,
    )
    assert len(more) == 5
    assert {int(pk) for pk in listed + more} == {claim.pk for claim in claims}
    assert "page=3" not in second


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"q": "trade", "page": "0"}, "page"),
        ({"q": "trade", "page": "26"}, "page"),
        ({"q": "trade", "page": "two"}, "page"),
        ({"q": "word " * 40}, "q"),
        ({"q": "x" * 501}, "q"),
        ({"q": "nul\x00"}, "q"),
    ],
)
def test_a_bad_search_parameter_is_a_400_naming_it(client, query, field):
    answer = client.get("/search/", query)
    assert answer.status_code == 400
    assert answer.content.decode().startswith(f"{field}: ")


def test_the_claim_page_links_its_metric_conflicts_evidence_and_comparison(client):
    # Rows made for this test.
    claim = FigureClaimFactory(status=Status.DISPUTED)
    other = FigureClaimFactory(metric=claim.metric, value=Decimal("1500000000"))
    ClaimLinkFactory(from_claim=claim, to_claim=other)
    EvidenceFactory(claim=claim, note="A made-up note for this test.")
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert f'href="/metrics/{claim.metric.slug}/"' in page
    assert f'href="/claims/{other.pk}/"' in page
    assert 'href="#conflicts"' in page
    assert 'id="conflicts"' in page
    assert 'href="#evidence"' in page
    assert "https://stats.example.org/trade" in page
    assert "A made-up note for this test." in page
    assert '<span class="status status-disputed">Disputed</span>' in page


def test_the_claim_page_links_the_official_comparison_when_shown(client):
    claim = FigureClaimFactory()  # made for this test; the series app's panel shows
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert 'href="#official-record"' in page
    assert 'id="official-record"' in page


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [
        c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_status_badges_differ_by_colour_and_symbol_and_read_at_aa_contrast(client):
    assert set(STATUS_BADGES) == set(Status.values)
    backgrounds = [badge.background for badge in STATUS_BADGES.values()]
    symbols = [badge.symbol for badge in STATUS_BADGES.values()]
    assert len(set(backgrounds)) == len(backgrounds)
    assert len(set(symbols)) == len(symbols)
    for status, badge in STATUS_BADGES.items():
        assert _contrast(badge.text, badge.background) >= 4.5, status
    page = client.get("/").content.decode()
    for status, badge in STATUS_BADGES.items():
        assert (
            f".status-{status} {{ color: {badge.text}; background: {badge.background};"
            in page
        )


@pytest.mark.parametrize("others", [3, 30])
def test_the_claim_page_lists_a_bounded_number_of_conflicts_and_evidence(
    client, django_assert_max_num_queries, others
):
    # Rows made for this test: a claim with `others` conflicts and pieces of evidence.
    claim = FigureClaimFactory(status=Status.DISPUTED)
    for _ in range(others):
        ClaimLinkFactory(
            from_claim=claim,
            to_claim=FigureClaimFactory(metric=claim.metric, value=Decimal(10**9)),
        )
        EvidenceFactory(claim=claim)
    with django_assert_max_num_queries(12):
        page = client.get(f"/claims/{claim.pk}/").content.decode()
    conflicts = page.split('id="conflicts"')[1].split("</section>")[0]
    evidence = page.split('id="evidence"')[1].split("</section>")[0]
    assert conflicts.count("<li>") == min(others, 20)
    assert evidence.count("<li>") == min(others, 20)
    if others > 20:
        assert f"And {others - 20} more" in conflicts
        assert "/api/v1/evidence/?claim=" in evidence
