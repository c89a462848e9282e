"""bench/hostile_search.py runs, and past the word cap the answer is a 400."""

import pytest
from django.conf import settings

from bench import hostile_search
from tests.factories import ClaimFactory


@pytest.mark.django_db
def test_the_benchmark_times_each_word_count_and_the_cap_refuses(capsys):
    ClaimFactory.create_batch(3)
    cap = settings.SEARCH_MAX_WORDS
    results = hostile_search.main(["--words", f"1,{cap},{cap + 1}", "--repeat", "1"])
    assert [(words, status) for words, status, _ in results] == [
        (1, 200),
        (cap, 200),
        (cap + 1, 400),
    ]
    assert all(milliseconds > 0 for _, _, milliseconds in results)
    assert "3 claims" in capsys.readouterr().out
