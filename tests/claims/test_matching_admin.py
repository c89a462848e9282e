"""The admin's "Already in the database?" panel on claims and candidates (#17, #27)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def _panel_rows(client, claim):
    response = client.get(reverse("admin:claims_claim_matches", args=[claim.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()["rows"]


def test_the_claim_page_renders_without_matching(admin_client, trade, monkeypatch):
    # #27: the change page does not wait for matching; the panel is filled after
    # the page (desk.js, from the panel's URL).
    from claims.admin import matching as admin_matching

    def refused(*args, **kwargs):
        raise AssertionError("the change page ran matching")

    monkeypatch.setattr(admin_matching, "similar_claims", refused)
    monkeypatch.setattr(admin_matching, "extra_matches", refused)
    url = reverse("admin:claims_claim_change", args=[trade["same"].pk])
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url)
    assert response.status_code == 200
    # Neither retrieval's statement ran: the text windows (PostgreSQL) or the
    # words' LIKE scans (SQLite).
    for query in queries.captured_queries:
        assert "search_vector @@" not in query["sql"], query["sql"]
        assert '"claims_claim"."text" LIKE' not in query["sql"], query["sql"]
    page = response.content.decode()
    assert "Already in the database?" in page
    panel_url = reverse("admin:claims_claim_matches", args=[trade["same"].pk])
    assert f'data-panel-url="{panel_url}"' in page
    # Without JavaScript, a link lists them in the page.
    assert 'href="?matches=1"' in page
    panel = page[page.index('id="already-in-database"') : page.index("</section>")]
    assert "<tr data-kind" not in panel
    # At the top, before the claim's own fields.
    assert page.index("Already in the database?") < page.index('name="text"')
    # The add page has the panel too, filled as the editor types (desk.js).
    add = admin_client.get(reverse("admin:claims_claim_add")).content.decode()
    assert 'id="already-in-database"' in add
    assert 'data-match-url="/api/v1/claims/match/"' in add
    assert "data-panel-url" not in add


def test_the_panel_url_answers_the_claims_top_matches(admin_client, trade):
    rows = _panel_rows(admin_client, trade["same"])
    by_id = {row["id"]: row for row in rows if row["kind"] == "claim"}
    assert trade["same"].pk not in by_id
    assert by_id[trade["twin"].pk]["relation"] == "same"
    assert by_id[trade["low"].pk]["relation"] == "conflicting"
    assert by_id[trade["twin"].pk]["href"] == reverse(
        "admin:claims_claim_change", args=[trade["twin"].pk]
    )
    assert rows == sorted(rows, key=lambda row: -row["score"])


def test_without_javascript_the_link_lists_the_matches_in_the_page(admin_client, trade):
    url = reverse("admin:claims_claim_change", args=[trade["same"].pk])
    page = admin_client.get(url, {"matches": "1"}).content.decode()
    twin_url = reverse("admin:claims_claim_change", args=[trade["twin"].pk])
    assert twin_url in page
    assert "conflicting" in page
    assert f'value="same_claim:{trade["twin"].pk}"' in page
    assert "data-panel-url" not in page


def test_the_panel_url_is_for_staff_who_may_view_claims(client, trade):
    from tests.factories import UserFactory

    url = reverse("admin:claims_claim_matches", args=[trade["same"].pk])
    # Anonymous, and signed in but not staff: the admin's login page.
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url).status_code == 302
    # Staff without the claim permissions: refused.
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 403
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_claim"))
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405
    missing = reverse("admin:claims_claim_matches", args=[10**9])
    assert client.get(missing).status_code == 404


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
