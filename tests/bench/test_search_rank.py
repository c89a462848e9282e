"""bench/search_rank.py runs on the test database and prints both timings."""

import pytest
from django.db import connection
from django.test.utils import override_settings

from bench import search_rank
from claims.selectors import search
from tests.factories import ClaimFactory


@pytest.mark.postgres
@pytest.mark.django_db
@override_settings(SEARCH_RANK_WINDOW=2)
def test_the_benchmark_times_bounded_and_unbounded_ranking(on_postgres, capsys):
    for n in range(12):
        ClaimFactory(text=f"Tariff talk number {n}.")
    ClaimFactory(text="Xylophonic exports.")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")
    search.clear_estimates()
    results = search_rank.main(["--words", "tariff,xylophonic", "--runs", "2"])
    search.clear_estimates()
    by_word = {row["word"]: row for row in results}
    assert by_word["tariff"]["matches"] == 12
    assert by_word["tariff"]["window"] == 2  # 12 > 4 windows of 2
    assert by_word["xylophonic"]["window"] is None
    assert all(row["unbounded_ms"] > 0 and row["bounded_ms"] > 0 for row in results)
    assert "SEARCH_RANK_WINDOW=2" in capsys.readouterr().out
