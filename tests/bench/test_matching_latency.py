"""bench/matching_latency.py times every labelled query and stored claim."""

import pytest
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from bench import matching_data, matching_latency
from tests.factories import FigureClaimFactory


@pytest.mark.django_db
@pytest.mark.parametrize("through", [[], ["--api"]])
def test_every_query_and_stored_claim_is_timed(capsys, monkeypatch, through):
    # The whole set of queries, twice, is more than the test settings' throttle.
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {"anon": "100000/minute", "user": "100000/minute"},
    )
    cache.clear()
    FigureClaimFactory.create_batch(3)
    timings = matching_latency.main(["--rounds", "1", "--similar", "2", *through])
    languages = {query["language"] for query in matching_data.load_queries()}
    assert set(timings) == languages | {"similar"}
    assert sum(
        len(values) for name, values in timings.items() if name != "similar"
    ) == (len(matching_data.load_queries()))
    assert len(timings["similar"]) == 2
    assert "p50 ms" in capsys.readouterr().out
