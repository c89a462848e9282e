"""Ranked search from the RUM index where it exists, and ts_rank where it does not.

The index is opt-in (SEARCH_RUM_INDEX), so the test database has none: the tests of
the RUM path create it themselves, with the migration's own function, inside their
transaction.
"""

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from rest_framework.test import APIClient

from claims.models import Claim
from claims.selectors import search
from claims.selectors.search import DISTANCE, RUM_INDEX, rank_ordering, search_claims
from tests.factories import ClaimFactory, DocumentFactory, PersonFactory

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def rum_index(on_postgres):
    """The RUM index, made by migration 0016 with SEARCH_RUM_INDEX on (rolled back
    with the test's transaction)."""
    migration = importlib.import_module("claims.migrations.0016_rum_search")
    if not migration.rum_available(_editor()):
        pytest.skip("The rum extension is not available on this PostgreSQL server.")
    with override_settings(SEARCH_RUM_INDEX=True):
        migration.create_rum_index(None, _editor())
    search._rum_index_exists.cache_clear()
    assert search.rum_search_ready()
    yield
    search._rum_index_exists.cache_clear()


@pytest.fixture
def without_rum(monkeypatch):
    monkeypatch.setattr(search, "rum_search_ready", lambda: False)


@pytest.fixture
def ranked_claims():
    """Claims whose relevance for "tariff" differs: the word more often, or in the
    text (weight A) rather than the quote (weight B) ranks higher."""
    document = DocumentFactory(title="Quarterly bulletin")
    claims = []
    for n in range(1, 6):
        claims.append(
            ClaimFactory(
                document=document,
                text=" ".join(["Tariff"] * n) + f" talk number {n}.",
                quote=f"said number {n}",
            )
        )
        claims.append(
            ClaimFactory(
                document=document,
                text=f"Other talk number {n}.",
                quote=" ".join(["tariff"] * n) + f" said {n}",
            )
        )
    ClaimFactory(document=document, text="Nothing relevant here.", quote="none")
    return claims


def _ranked_ids(api, q: str) -> list[int]:
    response = api.get(CLAIMS, {"q": q, "page_size": 50})
    assert response.status_code == 200, response.content
    return [claim["id"] for claim in response.json()["results"]]


def test_without_rum_the_ranking_is_ts_rank(without_rum):
    ClaimFactory(text="Tariff talk.")
    queryset = search_claims(Claim.objects.all(), "tariff")
    assert DISTANCE not in queryset.query.annotations
    assert rank_ordering(queryset) == ["-rank", "-id"]


def test_without_rum_the_api_ranks_the_matches(without_rum, ranked_claims):
    ids = _ranked_ids(APIClient(), "tariff")
    assert set(ids) == {claim.pk for claim in ranked_claims}
    if connection.vendor == "postgresql":
        # Five times in the text first; once in the quote last.
        assert ids[0] == ranked_claims[8].pk
        assert ids[-1] == ranked_claims[1].pk


def test_sqlite_never_takes_the_rum_path():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    assert not search.rum_search_ready()


@pytest.mark.postgres
def test_rum_ranking_equals_the_ts_rank_ranking(rum_index, ranked_claims, monkeypatch):
    api = APIClient()
    with CaptureQueriesContext(connection) as queries:
        with_rum = _ranked_ids(api, "tariff")
    assert any("<=>" in q["sql"] for q in queries.captured_queries)

    monkeypatch.setattr(search, "rum_search_ready", lambda: False)
    with CaptureQueriesContext(connection) as queries:
        with_ts_rank = _ranked_ids(api, "tariff")
    assert not any("<=>" in q["sql"] for q in queries.captured_queries)

    assert len(with_rum) == len(ranked_claims)
    assert with_rum == with_ts_rank


@pytest.mark.postgres
def test_a_ranked_search_reads_its_order_from_the_rum_index(rum_index, ranked_claims):
    queryset = search_claims(Claim.objects.all(), "tariff")
    queryset = queryset.order_by(*rank_ordering(queryset))[:20]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # A few rows: without these the planner rightly reads the table.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"Index Scan using {RUM_INDEX}" in plan, plan
    assert "Order By: (search_vector <=>" in plan, plan
    assert "Sort" not in plan.replace("Order By", ""), plan


@pytest.mark.postgres
def test_rum_search_still_finds_claims_by_speaker_and_document(rum_index):
    by_speaker = ClaimFactory(speaker=PersonFactory(name="Zarif"), text="Talks.")
    by_title = ClaimFactory(
        document=DocumentFactory(title="Zarif interview"), text="Oil."
    )
    in_text = ClaimFactory(text="Zarif said trade grew.")
    ClaimFactory(text="Unrelated.")

    ids = _ranked_ids(APIClient(), "zarif")

    assert ids[0] == in_text.pk
    assert set(ids) == {by_speaker.pk, by_title.pk, in_text.pk}


@pytest.mark.postgres
def test_rum_search_pages_through_every_match_once(rum_index, ranked_claims):
    api = APIClient()
    seen, url, params = [], CLAIMS, {"q": "tariff", "page_size": 3}
    while url:
        page = api.get(url, params).json()
        seen += [claim["id"] for claim in page["results"]]
        url, params = page["next"], {}
    assert sorted(seen) == sorted(claim.pk for claim in ranked_claims)
    assert seen == _ranked_ids(api, "tariff")


def _index_exists() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [RUM_INDEX])
        return bool(cursor.fetchone()[0])


def _editor() -> SimpleNamespace:
    """What the migration's functions use of a schema editor (SQLite's refuses to
    open inside a test's transaction)."""

    def execute(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    return SimpleNamespace(connection=connection, execute=execute)


def test_the_migration_makes_the_index_only_where_rum_is_available(monkeypatch):
    migration = importlib.import_module("claims.migrations.0016_rum_search")
    available = migration.rum_available(_editor())
    try:
        migration.drop_rum_index(None, _editor())
        with override_settings(SEARCH_RUM_INDEX=True):
            monkeypatch.setattr(migration, "rum_available", lambda editor: False)
            migration.create_rum_index(None, _editor())
            assert not _index_exists()
            search._rum_index_exists.cache_clear()
            assert not search.rum_search_ready()

            monkeypatch.undo()
            migration.create_rum_index(None, _editor())
            assert _index_exists() == available
            if connection.vendor != "postgresql":
                assert not available  # SQLite: a no-op both ways
            migration.drop_rum_index(None, _editor())
            assert not _index_exists()
    finally:
        search._rum_index_exists.cache_clear()


def test_the_migration_makes_no_index_unless_the_setting_is_on():
    migration = importlib.import_module("claims.migrations.0016_rum_search")
    try:
        migration.drop_rum_index(None, _editor())
        with override_settings(SEARCH_RUM_INDEX=False):
            migration.create_rum_index(None, _editor())
        assert not _index_exists()
        search._rum_index_exists.cache_clear()
        assert not search.rum_search_ready()
    finally:
        search._rum_index_exists.cache_clear()
