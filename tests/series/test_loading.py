"""Loading official series from files in the sources' formats (values made up)."""

import io
from datetime import date
from decimal import Decimal

import pytest

from series.models import Observation, Series, Vintage
from series.records.formats import FormatError
from series.services.loading import load_series_file

from . import samples

pytestmark = pytest.mark.django_db


def load(content: bytes, format: str, **options):
    return load_series_file(
        stream=io.BytesIO(content), format=format, file_name="f", **options
    )


def test_comtrade_annual_record_becomes_an_export_series_valued_fob():
    report = load(samples.comtrade_file(samples.comtrade_record()), "comtrade-json")
    series = Series.objects.get()
    assert (series.dataset.code, series.indicator, series.reporter, series.partner) == (
        "comtrade",
        "X",
        "RUS",
        "IRN",
    )
    assert (series.frequency, series.flow, series.valuation) == ("A", "exports", "FOB")
    observation = Observation.objects.get()
    assert observation.period_start == date(2012, 1, 1)
    assert observation.period_end == date(2012, 12, 31)
    assert observation.value == Decimal(1000000000)
    assert report.records == 1
    assert len(report.vintages) == 1


def test_comtrade_monthly_record_and_estimate_flags():
    load(
        samples.comtrade_file(
            samples.comtrade_record(
                freqCode="M", refMonth=3, period="201203", isReported=False
            )
        ),
        "comtrade-json",
    )
    observation = Observation.objects.get()
    assert (observation.period_start, observation.period_end) == (
        date(2012, 3, 1),
        date(2012, 3, 31),
    )
    assert observation.estimated
    assert observation.not_reported
    assert observation.series.frequency == "M"


def test_comtrade_error_answer_stores_nothing():
    with pytest.raises(FormatError, match="error"):
        load(
            samples.comtrade_file(samples.comtrade_record(), error="quota exceeded"),
            "comtrade-json",
        )
    assert not Series.objects.exists()


def test_imf_sdmx_csv_10_value_is_not_multiplied_by_scale():
    load(samples.IMF_CSV_10.encode(), "imf-sdmx-csv")
    exports = Observation.objects.get(series__indicator="XG_FOB_USD")
    # SCALE says 6 (millions), but OBS_VALUE is already in dollars.
    assert exports.value == Decimal(1200000000)
    imports = Observation.objects.get(series__indicator="MG_CIF_USD")
    assert imports.series.valuation == "CIF"
    assert imports.series.flow == "imports"
    assert imports.estimated


def test_imf_sdmx_csv_20_shape_with_monthly_and_quarterly_periods():
    load(samples.IMF_CSV_20.encode(), "imf-sdmx-csv")
    rows = {
        (o.series.frequency, o.period_start, o.period_end)
        for o in Observation.objects.select_related("series")
    }
    assert rows == {
        ("M", date(2012, 3, 1), date(2012, 3, 31)),
        ("Q", date(2012, 4, 1), date(2012, 6, 30)),
    }
    assert set(Series.objects.values_list("reporter", "partner")) == {("IRN", "RUS")}


def test_world_bank_json_skips_null_years():
    load(
        samples.world_bank_json(
            samples.world_bank_row(), samples.world_bank_row(date="2020", value=None)
        ),
        "worldbank-json",
    )
    observation = Observation.objects.get()
    assert observation.value == Decimal("123456789.5")
    assert observation.series.unit == "USD"
    assert observation.series.partner == ""


def test_world_bank_error_answer_names_the_message():
    content = b'[{"message":[{"id":"120","key":"Invalid value","value":"bad"}]}]'
    with pytest.raises(FormatError, match="error"):
        load(content, "worldbank-json")


def test_world_bank_bulk_csv_with_bom_and_preamble_skips_aggregates():
    load(samples.WORLD_BANK_CSV, "worldbank-csv")
    values = set(
        Observation.objects.values_list("series__reporter", "period_start", "value")
    )
    assert values == {
        ("IRN", date(2011, 1, 1), Decimal(100)),
        ("IRN", date(2012, 1, 1), Decimal(200)),
        ("RUS", date(2013, 1, 1), Decimal(300)),
    }


def test_tidy_csv_takes_the_series_from_the_options():
    load(
        samples.TIDY_CSV,
        "csv",
        options={
            "dataset": "comtrade",
            "indicator": "X",
            "reporter": "RUS",
            "partner": "IRN",
            "unit": "USD",
            "flow": "exports",
            "valuation": "FOB",
        },
    )
    assert Observation.objects.count() == 2
    assert Observation.objects.get(period_start=date(2013, 1, 1)).estimated


def test_loading_the_same_file_twice_stores_nothing_new_and_says_so():
    content = samples.comtrade_file(samples.comtrade_record())
    load(content, "comtrade-json")
    again = load(content, "comtrade-json")
    assert again.nothing_new
    assert "Nothing new" in again.summary()
    assert Vintage.objects.count() == 1
    assert Observation.objects.count() == 1


def test_a_revision_is_a_new_vintage_and_the_old_value_stays_readable():
    load(samples.comtrade_file(samples.comtrade_record()), "comtrade-json")
    report = load(
        samples.comtrade_file(samples.comtrade_record(primaryValue=1100000000.0)),
        "comtrade-json",
    )
    assert report.revised == 1
    first, second = Vintage.objects.order_by("number")
    assert second.number == 2
    assert second.changes["revisions"] == [
        {
            "period_start": "2012-01-01",
            "period_end": "2012-12-31",
            "before": "1000000000",
            "after": "1100000000",
        }
    ]
    assert first.observations.get().value == Decimal(1000000000)
    assert second.observations.get().value == Decimal(1100000000)


@pytest.mark.parametrize(
    ("content", "format", "where", "field"),
    [
        (samples.IMF_CSV_10.encode(), "comtrade-json", "file", ""),
        (
            samples.comtrade_file(samples.comtrade_record()),
            "imf-sdmx-csv",
            "line 1",
            "",
        ),
        (
            samples.IMF_CSV_10.replace("OBS_VALUE", "VALUE").encode(),
            "imf-sdmx-csv",
            "line 1",
            "OBS_VALUE",
        ),
        (
            samples.comtrade_file(
                samples.comtrade_record(), samples.comtrade_record(reporterISO="XXR")
            ),
            "comtrade-json",
            "record 2",
            "reporterISO",
        ),
        (
            samples.IMF_CSV_10.replace("2012,300000000", "2012-13,300000000").encode(),
            "imf-sdmx-csv",
            "line 3",
            "TIME_PERIOD",
        ),
        (
            samples.IMF_CSV_10.replace("300000000", "3OO").encode(),
            "imf-sdmx-csv",
            "line 3",
            "OBS_VALUE",
        ),
        (
            samples.comtrade_file(
                samples.comtrade_record(),
                samples.comtrade_record(primaryValue=5.0),
            ),
            "comtrade-json",
            "record 2",
            "value",
        ),
    ],
    ids=[
        "wrong-format-json",
        "wrong-format-csv",
        "missing-column",
        "unknown-country",
        "bad-period",
        "not-a-number",
        "two-values",
    ],
)
def test_bad_input_names_where_and_field_and_stores_nothing(
    content, format, where, field
):
    with pytest.raises(FormatError) as raised:
        load(content, format)
    assert raised.value.where == where
    assert raised.value.field == field
    assert not Series.objects.exists()
    assert not Observation.objects.exists()


def test_two_values_for_one_period_in_different_batches_are_refused():
    content = samples.comtrade_file(
        samples.comtrade_record(),
        samples.comtrade_record(flowCode="M"),
        samples.comtrade_record(primaryValue=7.0),
    )
    with pytest.raises(FormatError) as raised:
        load(content, "comtrade-json", batch_size=1)
    assert raised.value.where == "record 3"
    assert not Observation.objects.exists()


def test_the_same_value_twice_in_a_file_is_kept_once():
    record = samples.comtrade_record()
    load(samples.comtrade_file(record, record), "comtrade-json", batch_size=1)
    assert Observation.objects.count() == 1
