"""The admin's "Already in the database?" panel on claims and candidates (#17)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from claims.models import Candidate, Claim
from tests.factories import (
    CandidateFactory,
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trade():
    metric = MetricFactory(
        name="Iran-Russia bilateral trade volume", unit="USD", kind="annual"
    )
    same = FigureClaimFactory(
        metric=metric,
        text="Iran-Russia trade stood at close to $5.3 billion in the Iranian year "
        "1391.",
    )
    twin = FigureClaimFactory(
        metric=metric,
        text="Unofficial figures put Iran-Russia trade at nearly $5.3 billion in 1391.",
    )
    low = FigureClaimFactory(
        metric=metric,
        text="Iran-Russia trade hit a low of $2 billion in the Iranian year 1391.",
        value=Decimal("2000000000"),
        comparator="exact",
    )
    return {"metric": metric, "same": same, "twin": twin, "low": low}


def _candidate(trade):
    document = DocumentFactory(
        text="Trade between Iran and Russia stood close to 5.3 billion dollars in "
        "1391, unofficial figures say."
    )
    quote = "Trade between Iran and Russia stood close to 5.3 billion dollars in 1391"
    return CandidateFactory(
        document=document,
        quote=quote,
        quote_start=0,
        quote_end=len(quote),
        sentence=document.text,
        suggested_metric=trade["metric"],
    )


def test_the_claim_page_shows_its_top_matches(
    admin_client, trade, django_assert_max_num_queries
):
    url = reverse("admin:claims_claim_change", args=[trade["same"].pk])
    with django_assert_max_num_queries(60):
        response = admin_client.get(url)
    page = response.content.decode()
    assert "Already in the database?" in page
    twin_url = reverse("admin:claims_claim_change", args=[trade["twin"].pk])
    assert twin_url in page
    assert "conflicting" in page
    # At the top, before the claim's own fields.
    assert page.index("Already in the database?") < page.index('name="text"')
    # The add page has the panel too, filled as the editor types (desk.js).
    add = admin_client.get(reverse("admin:claims_claim_add")).content.decode()
    assert 'id="already-in-database"' in add
    assert 'data-match-url="/api/v1/claims/match/"' in add


def test_the_candidate_page_offers_to_accept_as_the_existing_claim(admin_client, trade):
    candidate = _candidate(trade)
    url = reverse("admin:claims_candidate_change", args=[candidate.pk])
    page = admin_client.get(url).content.decode()
    assert "Already in the database?" in page
    assert f'formaction="link/{trade["same"].pk}/same_claim/"' in page
    assert f'formaction="link/{trade["low"].pk}/contradicts/"' in page


def test_one_click_same_claim_accepts_without_a_duplicate(admin_client, trade):
    candidate = _candidate(trade)
    before = Claim.objects.count()
    link = reverse(
        "admin:claims_candidate_link",
        args=[candidate.pk, trade["same"].pk, "same_claim"],
    )
    assert admin_client.get(link).status_code == 405
    response = admin_client.post(link)
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.state == Candidate.State.ACCEPTED
    assert candidate.claim_id == trade["same"].pk
    assert Claim.objects.count() == before


def test_one_click_contradicts_makes_the_claim_and_the_link(admin_client, trade):
    candidate = _candidate(trade)
    link = reverse(
        "admin:claims_candidate_link",
        args=[candidate.pk, trade["low"].pk, "contradicts"],
    )
    admin_client.post(link)
    candidate.refresh_from_db()
    assert candidate.state == Candidate.State.ACCEPTED
    claim = candidate.claim
    assert claim.links_from.get().to_claim_id == trade["low"].pk


def test_a_user_without_change_permission_cannot_link(client, trade):
    from tests.factories import UserFactory

    user = UserFactory(is_staff=True)
    client.force_login(user)
    candidate = _candidate(trade)
    link = reverse(
        "admin:claims_candidate_link",
        args=[candidate.pk, trade["same"].pk, "same_claim"],
    )
    assert client.post(link).status_code == 403
    candidate.refresh_from_db()
    assert candidate.state == Candidate.State.PROPOSED
