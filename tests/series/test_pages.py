"""Where people see the official record: the public claim page, the claim admin."""

from datetime import date
from decimal import Decimal

import pytest

from claims.models import Metric
from tests.factories import FigureClaimFactory, MetricFactory

from .test_comparisons import annual, compared, link, load

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim():
    metric = MetricFactory(kind=Metric.Kind.ANNUAL, name="Russia-Iran trade")
    return FigureClaimFactory(
        metric=metric,
        value=Decimal(1500),
        comparator="exact",
        period_start=date(2012, 1, 1),
        period_end=date(2012, 12, 31),
    )


def test_the_claim_page_shows_what_the_official_record_says(client, claim):
    link(claim.metric)
    # Values made up for the test.
    load(annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500))
    compared(claim)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "What the official record says" in page
    assert "comtrade:X RUS→IRN + comtrade:M RUS→IRN" in page
    assert "Consistent within the wording" in page
    assert "not a verdict" in page


def test_the_claim_page_says_plainly_when_no_series_is_loaded(client, claim):
    link(claim.metric)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "No official series is loaded for Russia-Iran trade" in page


def test_the_claim_page_says_when_the_metric_has_no_official_link(client, claim):
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "No official series is linked to Russia-Iran trade" in page


def test_the_claim_admin_page_lists_the_comparisons(admin_client, claim):
    link(claim.metric)
    load(annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500))
    compared(claim)
    page = admin_client.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    assert "What the official record says" in page
    assert "comtrade:X RUS→IRN" in page


def test_the_metric_chart_draws_each_reporters_official_line(client, claim):
    link(claim.metric)
    link(claim.metric, "IRN", "RUS", role="mirror")
    # Values made up for the test.
    load(
        annual("RUS", "IRN", "X", 2012, 1000),
        annual("RUS", "IRN", "M", 2012, 500),
        annual("IRN", "RUS", "X", 2012, 480),
        annual("IRN", "RUS", "M", 2012, 1070),
    )
    page = client.get(f"/metrics/{claim.metric.slug}/").content.decode()
    assert "comtrade as reported by RUS" in page
    assert "comtrade as reported by IRN (mirror)" in page


def test_the_metric_chart_has_no_official_line_without_a_loaded_series(client, claim):
    link(claim.metric)
    page = client.get(f"/metrics/{claim.metric.slug}/").content.decode()
    assert "as reported by" not in page


def test_a_loaded_series_without_the_claims_period_is_not_called_unloaded(
    client, claim
):
    link(claim.metric)
    # Values made up for the test: 2011 only, the claim is about 2012.
    load(annual("RUS", "IRN", "X", 2011, 1000), annual("RUS", "IRN", "M", 2011, 500))
    compared(claim)
    page = client.get(f"/claims/{claim.pk}/").content.decode()
    assert "No official series is loaded" not in page
    assert "No official figure for the claim&#x27;s period." in page


def test_a_series_load_shows_at_once_on_the_cached_pages_it_changes(client, claim):
    other = FigureClaimFactory()  # made for this test: on another metric
    link(claim.metric)
    pages = [f"/claims/{claim.pk}/", f"/metrics/{claim.metric.slug}/"]
    unrelated = [f"/claims/{other.pk}/", f"/metrics/{other.metric.slug}/"]
    for url in pages + unrelated:
        client.get(url)
    assert "No official series is loaded" in client.get(pages[0]).content.decode()
    # Values made up for the test.
    load(annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500))
    claim_page, metric_page = (client.get(url) for url in pages)
    assert "No official series is loaded" not in claim_page.content.decode()
    assert "comtrade as reported by RUS" in metric_page.content.decode()
    assert [client.get(url)["X-Cache"] for url in unrelated] == ["hit", "hit"]
