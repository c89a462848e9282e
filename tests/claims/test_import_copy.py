"""What an import derives stays right when the rows go in by COPY (PostgreSQL) or
bulk_create (SQLite): search vectors, history rows, conflicts, the checked version."""

import pytest
from django.db import connection

from claims.models import Claim, ClaimLink
from claims.selectors.search import search_claims
from claims.services import imports
from claims.services.copying import copy_objects
from claims.services.imports import import_claims
from tests.claims.test_import_claims import claim_row
from tests.factories import (
    DocumentFactory,
    MetricFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def references():
    return {
        "document": DocumentFactory(),
        "speaker": PersonFactory(),
        "metric": MetricFactory(slug="iran-russia-trade"),
    }


def _contradicting_rows(references) -> list[dict]:
    # The same metric and period, 5.3 against 9 billion: a conflict.
    return [
        claim_row(references, 1, text="Caviar trade reached 5.3 billion."),
        claim_row(references, 2, value="9000000000", comparator="exact"),
    ]


def test_an_import_stores_claims_with_history_search_and_conflicts(
    references, monkeypatch, django_capture_on_commit_callbacks
):
    importer = UserFactory(is_superuser=True)
    copied = []

    def spy(model, objects, **options):
        copied.append(model._meta.db_table)
        return copy_objects(model, objects, **options)

    monkeypatch.setattr(imports, "copy_objects", spy)
    with django_capture_on_commit_callbacks(execute=True):
        report = import_claims(_contradicting_rows(references), by=importer)

    assert report.ok
    assert report.created == 2
    if connection.vendor == "postgresql":
        assert copied == ["claims_claim", "claims_historicalclaim"]
    else:
        assert copied == []
    claims = list(Claim.objects.order_by("id"))
    # The search vector's trigger fired: the word is found through the index.
    found = search_claims(Claim.objects.all(), "caviar")
    assert list(found.values_list("pk", flat=True)) == [claims[0].pk]
    if connection.vendor == "postgresql":
        assert all(claim.search_vector for claim in claims)
    for claim in claims:
        (record,) = claim.history.all()
        assert record.history_type == "+"
        assert record.history_change_reason == "Imported"
        assert record.history_user == importer
        assert record.text == claim.text
        assert record.value == claim.value
        assert claim.created_by == importer
        # The incremental job ran after the batch committed and saw this version.
        assert claim.conflicts_checked_version == claim.version
    link = ClaimLink.objects.get()
    assert link.relation == ClaimLink.Relation.CONTRADICTS
    assert link.detected
    assert {link.from_claim_id, link.to_claim_id} == {c.pk for c in claims}


def test_an_import_gives_ids_after_the_existing_claims(references):
    import_claims([claim_row(references, 1)])
    first = Claim.objects.get()
    report = import_claims([claim_row(references, 2), claim_row(references, 3)])
    assert report.created == 2
    ids = sorted(Claim.objects.values_list("pk", flat=True))
    assert ids[0] == first.pk
    assert ids[1] > first.pk
    assert len(set(ids)) == 3
    # A claim saved after the import takes the next free id, not an imported one.
    import_claims([claim_row(references, 4)])
    assert Claim.objects.count() == 4


def test_all_or_nothing_stores_nothing_when_one_row_of_any_batch_is_bad(references):
    rows = [claim_row(references, n) for n in range(1, 6)]
    rows[3] = claim_row(references, 4, claimed_on="someday", unit="")
    progress = []

    report = import_claims(
        rows, batch_size=2, all_or_nothing=True, on_batch=progress.append
    )

    assert Claim.objects.count() == 0
    assert Claim.history.count() == 0
    assert report.created == 0
    assert report.failed == 1
    assert report.not_stored == 4
    (error,) = report.errors
    assert error.line == 4
    assert set(error.errors) == {"claimed_on"}
    assert progress == [2, 4, 5]
    assert not ClaimLink.objects.exists()


def test_all_or_nothing_stores_every_batch_when_all_rows_are_good(references):
    rows = [claim_row(references, n) for n in range(1, 6)]
    report = import_claims(rows, batch_size=2, all_or_nothing=True)
    assert report.ok
    assert report.created == 5
    assert Claim.objects.count() == 5
    assert Claim.history.count() == 5
