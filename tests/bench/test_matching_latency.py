"""bench/matching_latency.py times every labelled query and stored claim."""

import pytest

from bench import matching_data, matching_latency
from tests.factories import FigureClaimFactory


@pytest.mark.django_db
@pytest.mark.parametrize("through", [[], ["--api"]])
def test_every_query_and_stored_claim_is_timed(capsys, through):
    FigureClaimFactory.create_batch(3)
    timings = matching_latency.main(["--rounds", "1", "--similar", "2", *through])
    languages = {query["language"] for query in matching_data.load_queries()}
    assert set(timings) == languages | {"similar"}
    assert sum(
        len(values) for name, values in timings.items() if name != "similar"
    ) == (len(matching_data.load_queries()))
    assert len(timings["similar"]) == 2
    assert "p50 ms" in capsys.readouterr().out
