"""bench/reviews.py generates a Fact-Check Insights file and imports it."""

import pytest

from bench import reviews as bench_reviews
from reviews.models import ExternalReview

pytestmark = pytest.mark.django_db


def test_the_benchmark_imports_a_generated_feed_and_prints_its_figures(capsys):
    (result,) = bench_reviews.main(["--sizes", "300", "--in-process"])
    assert result["items"] == 301  # 300 claim reviews and one media review
    assert result["rejected"] > 0  # broken items are mixed in
    assert result["unchanged"] > 0  # and repeats
    assert result["created"] == ExternalReview.objects.count()
    assert result["created"] + result["rejected"] + result["unchanged"] == 301
    assert "items/s" in capsys.readouterr().out
