"""manage.py fetch_series: offline by default; recorded answers, never the network."""

import io

import pytest
from django.core.management import call_command

from series.models import Observation
from series.services import fetching

from . import samples

pytestmark = pytest.mark.django_db


class RecordedAnswer(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("The tests never reach the network.")

    monkeypatch.setattr(fetching, "urlopen", refuse)


def test_offline_by_default_it_prints_the_requests_and_sends_nothing(no_network):
    out = io.StringIO()
    call_command(
        "fetch_series",
        "comtrade",
        "--reporter=RUS",
        "--partner=IRN",
        "--years=2009-2014",
        "--mirror",
        stdout=out,
    )
    text = out.getvalue()
    assert "Offline" in text
    assert (
        "https://comtradeapi.un.org/public/v1/preview/C/A/HS?reporterCode=643"
        "&partnerCode=364&period=2009,2010,2011,2012,2013,2014&cmdCode=TOTAL"
        "&flowCode=M,X" in text
    )
    assert "reporterCode=364&partnerCode=643" in text  # the mirror
    assert not Observation.objects.exists()


def test_the_imf_request_asks_for_csv_by_its_key():
    (request,) = fetching.build_requests(
        source="imf", reporter="RUS", partner="IRN", first_year=2009, last_year=2014
    )
    assert request.url == (
        "https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+/"
        "RUS.XG_FOB_USD+MG_CIF_USD.IRN.A"
    )
    assert request.headers == {"Accept": "text/csv"}
    assert request.format == "imf-sdmx-csv"


def test_monthly_comtrade_requests_go_a_year_at_a_time():
    requests = fetching.build_requests(
        source="comtrade",
        reporter="IRN",
        partner="RUS",
        first_year=2012,
        last_year=2013,
        frequency="M",
    )
    assert len(requests) == 2
    assert "period=201201,201202," in requests[0].url
    assert "/C/M/HS?" in requests[0].url


def test_online_the_recorded_answer_is_loaded_as_a_vintage(monkeypatch, settings):
    settings.SERIES_FETCH_ONLINE = True
    sent = []

    def recorded(request, timeout):
        sent.append(request.full_url)
        # A recorded answer in Comtrade's format; the value is made up for the test.
        return RecordedAnswer(samples.comtrade_file(samples.comtrade_record()))

    monkeypatch.setattr(fetching, "urlopen", recorded)
    out = io.StringIO()
    call_command(
        "fetch_series",
        "comtrade",
        "--reporter=RUS",
        "--partner=IRN",
        "--years=2012",
        stdout=out,
    )
    assert sent == [
        "https://comtradeapi.un.org/public/v1/preview/C/A/HS?reporterCode=643"
        "&partnerCode=364&period=2012&cmdCode=TOTAL&flowCode=M,X"
    ]
    observation = Observation.objects.get()
    assert observation.vintage.retrieved_at is not None
    assert "1 new vintages" in out.getvalue()


def test_the_world_bank_request_names_country_indicator_and_years():
    (request,) = fetching.build_requests(
        source="worldbank",
        reporter="IRN",
        indicator="NY.GDP.MKTP.CD",
        first_year=2009,
        last_year=2014,
    )
    assert request.url == (
        "https://api.worldbank.org/v2/country/IRN/indicator/NY.GDP.MKTP.CD"
        "?format=json&per_page=1000&date=2009:2014"
    )
    assert request.format == "worldbank-json"
