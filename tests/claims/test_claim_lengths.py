"""A claim's text, quote and notes are bounded, everywhere they are written (issue 21).

Before, an editor could store claims of about 930 KB each, and an anonymous match
then took 24 s and answered 9.4 MB (its reading cache keyed on whole texts).
"""

import dataclasses
import importlib

import pytest
from django.apps import apps
from django.urls import reverse
from rest_framework.test import APIClient

from claims.matching import scoring
from claims.matching.scoring import StoredClaim, read_claim
from claims.models import Claim
from claims.models.claims import (
    CLAIM_TEXT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    QUOTE_MAX_LENGTH,
)
from claims.services.imports import import_claims
from tests.admin_forms import admin_form_data
from tests.claims.test_import_claims import claim_row
from tests.factories import (
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

LIMITS = {
    "text": CLAIM_TEXT_MAX_LENGTH,
    "quote": QUOTE_MAX_LENGTH,
    "editor_note": NOTE_MAX_LENGTH,
    "rationale": NOTE_MAX_LENGTH,
}


@pytest.fixture
def root_api(superuser):
    client = APIClient()
    client.force_login(superuser)
    return client


def test_the_limits_are_the_documented_ones():
    assert LIMITS == {
        "text": 2_000,
        "quote": 5_000,
        "editor_note": 10_000,
        "rationale": 10_000,
    }


def long_claim_body(field: str) -> dict:
    """A valid new claim with one field one character over its limit."""
    over = "x" * (LIMITS[field] + 1)
    # Made up for the test; the quote must be in the document's text.
    quote = over if field == "quote" else "trade fell"
    document = DocumentFactory(text=f"They said {quote} last year.")
    body = {
        "text": "Trade fell.",
        "quote": quote,
        "document": document.pk,
        "status": "unverified",
    }
    if field != "quote":
        body[field] = over
    if field == "rationale":
        body["status"] = "false"
    return body


@pytest.mark.parametrize("field", LIMITS)
def test_a_field_over_its_limit_is_a_400_naming_it(root_api, field):
    response = root_api.post("/api/v1/claims/", long_claim_body(field), format="json")
    assert response.status_code == 400, response.content[:300]
    assert field in response.json()
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("field", LIMITS)
def test_a_field_over_its_limit_is_an_error_in_the_admin_form(admin_client, field):
    claim = FigureClaimFactory(status="in_review")  # a verdict may follow
    url = reverse("admin:claims_claim_change", args=[claim.pk])
    form = admin_client.get(url).context["adminform"].form
    changes = {field: "x" * (LIMITS[field] + 1)}
    if field == "rationale":
        changes["status"] = "false"  # only a verdict has a rationale
    response = admin_client.post(url, admin_form_data(form, **changes))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert f"at most {LIMITS[field]} characters" in errors[field][0], errors
    claim.refresh_from_db()
    assert len(getattr(claim, field)) <= LIMITS[field]


def test_an_imported_text_over_the_limit_is_refused_naming_it():
    references = {
        "document": DocumentFactory(),
        "speaker": PersonFactory(),
        "metric": MetricFactory(slug="iran-russia-trade"),
    }
    row = claim_row(references, 1, text="x" * (CLAIM_TEXT_MAX_LENGTH + 1))
    report = import_claims([row])
    assert report.created == 0
    assert list(report.errors[0].errors) == ["text"]


def test_a_match_answers_with_the_claims_short_form(root_api):
    # Made up for the test: a claim at the longest text allowed.
    words = "Iran Russia trade reached 5.3 billion dollars. "
    text = (words * (CLAIM_TEXT_MAX_LENGTH // len(words)))[:CLAIM_TEXT_MAX_LENGTH]
    FigureClaimFactory(text=text.strip())
    response = root_api.post(
        "/api/v1/claims/match/",
        {"text": "Iran Russia trade 5.3 billion dollars"},
        format="json",
    )
    assert response.status_code == 200, response.content
    (match,) = response.json()["results"]
    assert len(match["claim"]["text"]) <= 300
    assert match["claim"]["text"].endswith("…")
    assert text.startswith(match["claim"]["text"][:-1])


def test_a_claims_reading_is_cached_by_id_and_version_not_by_text():
    scoring.READ_CACHE.clear()
    first = read_claim(StoredClaim(id=1, version=1, text="Trade rose 5 percent."))
    again = read_claim(StoredClaim(id=1, version=1, text="Trade rose 5 percent."))
    newer = read_claim(StoredClaim(id=1, version=2, text="Trade fell 3 percent."))
    assert again is first
    assert newer.facts is not first.facts
    assert newer.claim.text == "Trade fell 3 percent."
    # No text is held as a key: the id, the version and a hash of the content.
    assert len(scoring.READ_CACHE) == 2
    for key in scoring.READ_CACHE:
        assert all(isinstance(part, int) for part in key), key
        assert key[:2] in {(1, 1), (1, 2)}


def test_an_id_that_comes_back_with_another_text_is_read_again():
    # A rolled-back insert on SQLite hands its id to the next claim.
    scoring.READ_CACHE.clear()
    first = read_claim(StoredClaim(id=7, version=1, text="Trade rose 5 percent."))
    other = read_claim(StoredClaim(id=7, version=1, text="Exports fell by half."))
    assert other.facts is not first.facts
    assert other.claim.text == "Exports fell by half."


def test_a_cached_reading_carries_the_claims_current_speaker_names():
    scoring.READ_CACHE.clear()
    claim = StoredClaim(id=3, version=1, text="Trade rose 5 percent.")
    first = read_claim(claim)
    named = read_claim(dataclasses.replace(claim, speaker_names=("Misha",)))
    assert named.facts is first.facts
    assert named.claim.speaker_names == ("Misha",)


def test_the_reading_cache_keeps_at_most_its_size(monkeypatch):
    scoring.READ_CACHE.clear()
    monkeypatch.setattr(scoring, "READ_CACHE_SIZE", 3)
    for pk in range(10):
        read_claim(StoredClaim(id=pk, version=1, text=f"Trade rose {pk} percent."))
    assert [key[0] for key in scoring.READ_CACHE] == [7, 8, 9]


# The migration ---------------------------------------------------------------

MIGRATION = "claims.migrations.0020_claim_length_limits"


def test_the_migration_refuses_rows_over_the_limits_and_lists_them():
    migration = importlib.import_module(MIGRATION)
    fine = FigureClaimFactory()
    long = FigureClaimFactory()
    # Stored as before the limits, past validation.
    Claim.objects.filter(pk=long.pk).update(editor_note="n" * (NOTE_MAX_LENGTH + 5))
    with pytest.raises(RuntimeError) as refused:
        migration.refuse_longer_rows(apps, None)
    message = str(refused.value)
    assert f"claim {long.pk}: editor_note has 10005 characters" in message
    assert f"claim {fine.pk}:" not in message
    assert "docs/limits.md" in message


def test_the_migration_passes_when_every_row_fits():
    migration = importlib.import_module(MIGRATION)
    FigureClaimFactory()
    migration.refuse_longer_rows(apps, None)
