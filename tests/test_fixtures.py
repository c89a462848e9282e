"""The seed fixtures: every claim of the two source documents, quoted exactly."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.core import serializers
from django.core.management import call_command

from claims.models import Claim, ClaimLink, Metric
from claims.ratings import VERDICTS, Status
from sources.models import Document, Person

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
FIXTURE = ROOT / "fixtures" / "seed.json"
SEED_FILES = {
    "Iran Sells Something in Russia For the First Time In Five Years": "000_*.txt",
    "Iran's Relations with Russia": "004_*.txt",
}


@pytest.fixture
def seeded(db):
    call_command("loaddata", "seed", verbosity=0)


def snapshot() -> str:
    rows = [*Claim.objects.order_by("pk"), *ClaimLink.objects.order_by("pk")]
    rows += [*Document.objects.order_by("pk"), *Person.objects.order_by("pk")]
    return serializers.serialize("json", rows)


def test_fixtures_hold_well_over_thirty_claims_from_both_documents(seeded):
    assert Claim.objects.count() > 30
    assert Document.objects.count() == 2
    for document in Document.objects.all():
        assert document.claims.count() >= 10, document.title


def test_loading_the_fixtures_twice_gives_the_same_database(seeded):
    before = snapshot()
    counts = (Claim.objects.count(), ClaimLink.objects.count())
    call_command("loaddata", "seed", verbosity=0)
    assert (Claim.objects.count(), ClaimLink.objects.count()) == counts
    assert snapshot() == before


def test_every_fixture_row_passes_model_validation(seeded):
    for label in ["sources", "claims"]:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical"):
                continue
            for instance in model.objects.all():
                instance.full_clean()


def trade_figures():
    metric = Metric.objects.get(slug="iran-russia-trade-volume")
    return {claim.value: claim for claim in Claim.objects.about_metric(metric)}


def test_the_conflicting_trade_figures_are_all_there(seeded):
    figures = trade_figures()
    for value in ["5300000000", "3000000000", "2000000000", "1500000000", "4000000000"]:
        assert Decimal(value) in figures, value
    approx = figures[Decimal("5300000000")]
    assert approx.comparator == "approximately"
    assert approx.unit == "USD"
    assert approx.figure_display == "$5.3 billion (approx.)"
    assert (approx.period_start.isoformat(), approx.period_end.isoformat()) == (
        "2012-03-20",
        "2013-03-20",
    )


def test_conflicting_trade_figures_are_linked_as_contradicting(seeded):
    figures = trade_figures()
    blog_high = figures[Decimal("5300000000")]
    contradicted = {
        link.to_claim_id if link.from_claim_id == blog_high.pk else link.from_claim_id
        for link in ClaimLink.objects.filter(relation="contradicts")
        if blog_high.pk in (link.from_claim_id, link.to_claim_id)
    }
    assert figures[Decimal("2000000000")].pk in contradicted
    assert figures[Decimal("1500000000")].pk in contradicted


def test_statuses_stay_honest_nothing_is_verified_from_two_documents(seeded):
    assert not Claim.objects.filter(status=Status.VERIFIED).exists()
    for claim in trade_figures().values():
        assert claim.status == Status.DISPUTED
        assert claim.rationale


def test_only_verdicts_carry_a_rationale_the_rest_carry_editors_notes(seeded):
    unjudged = Claim.objects.exclude(status__in=VERDICTS)
    assert unjudged.exists()
    assert not unjudged.exclude(rationale="").exists()
    assert not unjudged.filter(editor_note="").exists()
    assert not Claim.objects.filter(status__in=VERDICTS, rationale="").exists()


def test_sanaei_is_one_person_found_by_both_spellings(seeded):
    blog = Person.objects.named("Mehdi SANAEI").get()
    ap = Person.objects.named("Mahdi Sanaei").get()
    assert blog == ap
    assert Claim.objects.filter(
        speaker=ap, document__title__startswith="Iran Sells"
    ).exists()


def test_blog_dates_keep_published_and_accessed_apart(seeded):
    blog = Document.objects.get(title="Iran's Relations with Russia")
    assert blog.published_on.isoformat() == "2013-04-23"
    assert blog.published_precision == "day"
    assert blog.accessed_on.isoformat() == "2024-06-30"
    assert "2024" in blog.published_note


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"source documents not found at {SEEDS}")
def test_every_fixture_quote_is_verbatim_in_its_seed_document():
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    titles = {
        row["pk"]: row["fields"]["title"]
        for row in rows
        if row["model"] == "sources.document"
    }
    texts = {
        pk: next(SEEDS.glob(SEED_FILES[title])).read_text(encoding="utf-8")
        for pk, title in titles.items()
    }
    claims = [row for row in rows if row["model"] == "claims.claim"]
    missing = [
        (row["pk"], row["fields"]["quote"])
        for row in claims
        if row["fields"]["quote"] not in texts[row["fields"]["document"]]
    ]
    assert len(claims) > 30
    assert missing == []
