"""Ranked search for a common word: only its newest matches ranked (issue 15)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from claims.models import Claim
from claims.selectors import search
from claims.selectors.search import (
    BOUND_FACTOR,
    bound_ranking,
    rank_window,
    ranking_window,
    search_claims,
)
from tests.factories import ClaimFactory, DocumentFactory

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
HEADER = "Search-Ranked-Within"


@pytest.fixture(autouse=True)
def fresh_estimates(monkeypatch):
    # Paging a page at a time asks more than the anonymous rate allows.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None}
    )
    cache.clear()
    search.clear_estimates()
    monkeypatch.setattr(search, "rum_search_ready", lambda: False)
    yield
    search.clear_estimates()


@pytest.mark.parametrize(
    ("estimate", "window", "expected"),
    [
        (0, 10_000, None),  # a lexeme missing from the statistics: rare
        (10_000 * BOUND_FACTOR, 10_000, None),  # not over the threshold
        (10_000 * BOUND_FACTOR + 1, 10_000, 10_000),
        (645_567, 10_000, 10_000),
        (645_567, 0, None),  # 0 turns it off
    ],
)
def test_rank_window_bounds_only_past_the_threshold(estimate, window, expected):
    assert rank_window(estimate, window) == expected


def test_sqlite_is_never_bounded():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    ClaimFactory(text="Tariff talk.")
    queryset = search_claims(Claim.objects.all(), "tariff")
    assert ranking_window("tariff") is None
    assert bound_ranking(queryset, "tariff") == (queryset, None)
    response = APIClient().get(CLAIMS, {"q": "tariff"})
    assert HEADER not in response


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")


@pytest.fixture
def tariff_claims(on_postgres):
    """24 claims about tariffs, the word once to six times (ranks interleaved with
    age), and four that do not mention it."""
    document = DocumentFactory(title="Quarterly bulletin")
    claims = [
        ClaimFactory(
            document=document,
            text=" ".join(["Tariff"] * (1 + n * 5 % 6)) + f" talk number {n}.",
            quote=f"said number {n}",
        )
        for n in range(24)
    ]
    for n in range(4):
        ClaimFactory(document=document, text=f"Other talk {n}.", quote="none")
    _analyze()
    return claims


@pytest.mark.postgres
def test_the_estimate_reads_the_planner_statistics(tariff_claims):
    assert search.estimate_matches("tariff") == pytest.approx(24, abs=1)
    assert search.estimate_matches("xylophonic") == 0  # rare: not in the stats
    with CaptureQueriesContext(connection) as queries:
        search.estimate_matches("tariff")
    assert len(queries) == 0  # kept per process


@pytest.mark.postgres
@override_settings(SEARCH_RANK_WINDOW=5)
def test_the_api_ranks_the_best_of_the_newest_window_and_says_so(tariff_claims):
    # 24 matches, over BOUND_FACTOR windows of 5: the newest 5 are ranked.
    assert ranking_window("tariff") == 5
    api = APIClient()
    response = api.get(CLAIMS, {"q": "tariff", "page_size": 50})
    assert response.status_code == 200, response.content
    assert response[HEADER] == "5"
    newest = sorted(tariff_claims, key=lambda claim: claim.pk)[-5:]
    best_first = sorted(
        newest, key=lambda claim: (claim.text.count("Tariff"), claim.pk), reverse=True
    )
    assert [c["id"] for c in response.json()["results"]] == [c.pk for c in best_first]


@pytest.mark.postgres
@override_settings(SEARCH_RANK_WINDOW=6)
def test_up_to_the_threshold_every_match_is_ranked(tariff_claims):
    api = APIClient()
    response = api.get(CLAIMS, {"q": "tariff", "page_size": 50})
    assert HEADER not in response  # 24 is not over BOUND_FACTOR x 6
    assert len(response.json()["results"]) == 24


@pytest.mark.postgres
@override_settings(SEARCH_RANK_WINDOW=5)
def test_cursor_pages_stay_within_the_window(tariff_claims):
    api = APIClient()
    seen, url, params = [], CLAIMS, {"q": "tariff", "page_size": 2}
    while url:
        response = api.get(url, params)
        assert response[HEADER] == "5"
        page = response.json()
        seen += [claim["id"] for claim in page["results"]]
        url, params = page["next"], {}
    whole = [c["id"] for c in api.get(CLAIMS, {"q": "tariff"}).json()["results"]]
    assert seen == whole
    assert sorted(seen) == sorted(c.pk for c in tariff_claims)[-5:]


@pytest.mark.postgres
@override_settings(SEARCH_RANK_WINDOW=5)
def test_a_rare_word_is_ranked_over_every_match(tariff_claims):
    rare = ClaimFactory(text="Xylophonic tariff exports.")
    older = ClaimFactory(text="Xylophonic xylophonic imports.")
    _analyze()
    search.clear_estimates()
    response = APIClient().get(CLAIMS, {"q": "xylophonic"})
    assert HEADER not in response
    assert [c["id"] for c in response.json()["results"]] == [older.pk, rare.pk]


@pytest.mark.postgres
@override_settings(SEARCH_RANK_WINDOW=5)
def test_the_csv_export_and_other_orderings_are_not_bounded(tariff_claims):
    api = APIClient()
    by_date = api.get(CLAIMS, {"q": "tariff", "ordering": "claimed_on"})
    assert HEADER not in by_date
    assert len(by_date.json()["results"]) == 24
    csv = api.get(CLAIMS, {"q": "tariff", "format": "csv"})
    assert HEADER not in csv
    assert b"".join(csv.streaming_content).count(b"talk number") == 24


@pytest.mark.postgres
@override_settings(SEARCH_RANK_WINDOW=0)
def test_paging_by_relevance_shows_each_match_once(tariff_claims):
    # ts_rank is a float4: a cursor compared as float8 showed a row again.
    api = APIClient()
    seen, url, params = [], CLAIMS, {"q": "tariff", "page_size": 2}
    while url:
        response = api.get(url, params)
        assert HEADER not in response
        page = response.json()
        seen += [claim["id"] for claim in page["results"]]
        url, params = page["next"], {}
    assert sorted(seen) == sorted(claim.pk for claim in tariff_claims)


def test_the_window_of_a_ranked_search_is_worked_out_once_a_request(monkeypatch):
    ClaimFactory(text="Tariff talk.")
    asked = []
    real = search.ranking_window

    def counted(q):
        asked.append(q)
        return real(q)

    # Every name the window could be asked through (one of them, once, is right).
    for module in ("claims.selectors.search", "claims.api.filters", "claims.api.views"):
        monkeypatch.setattr(f"{module}.ranking_window", counted, raising=False)

    response = APIClient().get(CLAIMS, {"q": "tariff"})

    assert response.status_code == 200
    assert asked == ["tariff"]
