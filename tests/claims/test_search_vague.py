"""A search too vague to answer in bounded time is refused, naming q (issue 27).

At a million claims a one-letter search matched nearly every claim through the
speakers' names and ran into the statement timeout. Names and made-up texts here are
test data made up for these tests.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from claims.selectors import search
from claims.selectors.search import name_words, search_terms
from tests.factories import ClaimFactory, PersonFactory

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
POSTGRES = connection.vendor == "postgresql"
postgres_only = pytest.mark.skipif(
    not POSTGRES,
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None}
    )
    cache.clear()
    search.clear_estimates()
    yield
    search.clear_estimates()


@pytest.mark.parametrize("q", ["e", "a b", "e e e e", "é", "1", "? !", "e."])
def test_a_search_without_a_word_of_two_letters_is_a_400_naming_q(q):
    ClaimFactory(text="Exports rose.")
    response = APIClient().get(CLAIMS, {"q": q})
    assert response.status_code == 400, response.content
    assert "at least 2 letters or digits" in response.json()["q"][0]


@pytest.mark.parametrize("q", ["uk", "e uk", "G7", "a tariff"])
def test_a_search_with_a_word_of_two_letters_is_answered(q):
    assert APIClient().get(CLAIMS, {"q": q}).status_code == 200


def test_the_search_page_refuses_a_one_letter_search_naming_q(client):
    response = client.get("/search/", {"q": "e"})
    assert response.status_code == 400
    assert response.content.decode().startswith("q: A search needs a word")


@postgres_only
@pytest.mark.parametrize("q", ["the", "of the", "a the", "The AND of"])
def test_a_search_of_stop_words_only_is_a_400_naming_q_on_postgresql(client, q):
    ClaimFactory(text="The trade of the two countries.")
    response = APIClient().get(CLAIMS, {"q": q})
    assert response.status_code == 400, response.content
    assert "stop words" in response.json()["q"][0]
    assert client.get("/search/", {"q": q}).status_code == 400


def test_stop_words_with_a_word_to_look_for_are_answered():
    claim = ClaimFactory(text="The tariff of the two countries.")
    response = APIClient().get(CLAIMS, {"q": "the tariff"})
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [claim.pk]


def test_only_words_of_three_letters_match_speaker_names():
    assert name_words("uk e Lukas O'Brien al-") == ["Lukas", "O'Brien"]
    speaker = PersonFactory(name="Lukas Brandt")
    claim = ClaimFactory(text="Exports rose.", speaker=speaker)
    api = APIClient()
    by_two_letters = api.get(CLAIMS, {"q": "uk"}).json()["results"]
    by_name = api.get(CLAIMS, {"q": "lukas"}).json()["results"]
    assert by_two_letters == []
    assert [row["id"] for row in by_name] == [claim.pk]


@postgres_only
def test_claims_of_matching_speakers_count_in_the_estimate():
    # Three speakers named alike, each with claims whose text lacks the name: the
    # text's statistics alone put the matches at 0 (and ranked every one).
    for n in range(3):
        speaker = PersonFactory(name=f"Sara Example{n}")
        ClaimFactory.create_batch(10, speaker=speaker, text="Exports rose.")
    PersonFactory.create_batch(7)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim, sources_person")
    named = search_terms("sara")
    nobody = search_terms("zanzibar")
    # 30 claims / 10 people: 3 speakers stand for about 9 claims.
    assert 5 <= named.matches <= 30, named
    assert nobody.matches == 0, nobody
    assert named.lexemes == 1


def test_the_admin_says_a_one_letter_search_is_too_vague_and_lists_nothing(
    admin_client,
):
    ClaimFactory(text="Every claim has an e.")
    response = admin_client.get("/admin/claims/claim/", {"q": "e"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A search needs a word of at least 2 letters or digits" in page
    assert response.context["cl"].result_count == 0
