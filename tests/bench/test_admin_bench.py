"""bench/admin.py runs on a small database and times every page it names."""

import pytest

from bench import admin as admin_bench
from tests.factories import ClaimFactory, ClaimLinkFactory

pytestmark = pytest.mark.django_db


def test_the_admin_bench_times_each_page_on_a_few_claims(capsys):
    ClaimFactory.create_batch(3, text="Trade grew by a tenth last year.")
    ClaimLinkFactory()

    timings = admin_bench.main(["--samples", "2", "--words", "year,caviar"])

    printed = capsys.readouterr().out
    expected = {
        "changelist",
        "changelist_status",
        "changelist_page_5",
        "changelist_search_year",
        "changelist_search_caviar",
        "change_page",
        "autocomplete_claim",
    }
    assert set(timings) == expected
    assert all(len(times) == 2 and min(times) > 0 for times in timings.values())
    for name in expected:
        assert f"\n{name} " in printed
    assert "claims: 5" in printed
