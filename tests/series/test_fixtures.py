"""The shipped fixtures: metric links to official series, officials' statements."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from claims.models import Claim, Evidence, Metric
from series.models import Comparison, MetricSeriesLink
from series.services.comparisons import refresh_comparisons
from series.services.loading import load_series_file

from . import samples

pytestmark = pytest.mark.django_db

BILATERAL = {
    "iran-russia-trade-volume": {"IRN", "RUS"},
    "russia-china-trade-volume": {"RUS", "CHN"},
    "russia-turkey-trade-volume": {"RUS", "TUR"},
    "iran-china-trade-volume": {"IRN", "CHN"},
    "iran-turkey-trade-volume": {"IRN", "TUR"},
}
# The exact words, as /work/shared/EVIDENCE.md quotes them from the press.
QUOTES = {
    "http://yjc.ir/en/news/5032/iran-says-trade-with-russia-to-increase-ten-times": (
        "Right now the two countries' trade volume is around $1.5 billion, which is "
        "not anything acceptable."
    ),
    "http://www.shana.ir/en/newsagency/231785/New-Chance-for-Iran-Russia-Trade": (
        "Afkhami said Iran-Russia trade dropped to $1.168 billion in 2013."
    ),
    "https://financialtribune.com/articles/economy-domestic-economy/5170/"
    "trade-with-russia-to-reach-3b": "Now it is about $1.7 billion.",
}


@pytest.fixture
def loaded():
    call_command("loaddata", "seed", "series_links", "official_statements", verbosity=0)


def test_every_bilateral_trade_metric_is_linked_for_both_reporters(loaded):
    for slug, countries in BILATERAL.items():
        links = MetricSeriesLink.objects.filter(metric__slug=slug)
        keys = {(link.dataset.code, link.reporter) for link in links}
        assert keys == {
            (dataset, country)
            for dataset in ("comtrade", "imf-imts")
            for country in countries
        }, slug
        for link in links:
            (partner,) = countries - {link.reporter}
            assert {term["partner"] for term in link.terms} == {partner}
            assert len(link.terms) == 2  # exports + imports, one reporter's


def test_the_change_metric_is_linked_as_a_change_for_both_reporters(loaded):
    links = MetricSeriesLink.objects.filter(
        metric__slug="iran-russia-trade-volume-change"
    )
    assert {(link.dataset.code, link.reporter, link.measure) for link in links} == {
        (dataset, country, "change")
        for dataset in ("comtrade", "imf-imts")
        for country in ("IRN", "RUS")
    }


def test_the_officials_statements_are_quoted_exactly_with_their_urls(loaded):
    statements = Evidence.objects.filter(url__in=QUOTES)
    assert statements.count() == 6
    for evidence in statements:
        assert f'"{QUOTES[evidence.url]}"' in evidence.note
    on_five_point_three = statements.filter(claim__value=Decimal(5300000000))
    assert set(on_five_point_three.values_list("stance", flat=True)) == {"refutes"}


def test_loading_a_file_of_linked_series_makes_comparisons_appear(loaded):
    call_command("refresh_comparisons", stdout=io.StringIO())
    claim = Claim.objects.get(
        value=Decimal(1500000000), metric__slug="iran-russia-trade-volume"
    )
    before = Comparison.objects.filter(claim=claim)
    assert before.count() == 4
    assert {c.assessment for c in before} == {"not_comparable"}
    # Values made up for the test, in Comtrade's format.
    load_series_file(
        stream=io.BytesIO(
            samples.comtrade_file(
                samples.comtrade_record(primaryValue=1.2e9),
                samples.comtrade_record(flowCode="M", primaryValue=0.3e9),
            )
        ),
        format="comtrade-json",
    )
    refresh_comparisons(
        metric_id=Metric.objects.get(slug="iran-russia-trade-volume").pk
    )
    russia = Comparison.objects.get(
        claim=claim, reporter="RUS", link__dataset__code="comtrade"
    )
    assert russia.official_value == Decimal(1500000000)
    assert russia.assessment == "consistent"
