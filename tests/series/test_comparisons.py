"""Comparing a claim's figure with the official series its metric links to.

Every official value here is MADE UP FOR THE TESTS (files in the real formats).
"""

import io
from datetime import date
from decimal import Decimal

import pytest

from claims.models import Evidence, Metric
from series.models import Comparison, Dataset, MetricSeriesLink
from series.services.comparisons import comparison_to_evidence, refresh_comparisons
from series.services.loading import load_series_file
from tests.factories import FigureClaimFactory, MetricFactory

from . import samples

pytestmark = pytest.mark.django_db


def load(*records, format="comtrade-json"):
    return load_series_file(
        stream=io.BytesIO(samples.comtrade_file(*records)), format=format
    )


def annual(reporter, partner, flow, year, value, **changes):
    return samples.comtrade_record(
        reporterISO=reporter,
        partnerISO=partner,
        flowCode=flow,
        refYear=year,
        period=str(year),
        primaryValue=float(value),
        **changes,
    )


def monthly(reporter, partner, flow, year, month, value):
    return samples.comtrade_record(
        reporterISO=reporter,
        partnerISO=partner,
        flowCode=flow,
        freqCode="M",
        refYear=year,
        refMonth=month,
        period=f"{year}{month:02d}",
        primaryValue=float(value),
    )


@pytest.fixture
def metric():
    return MetricFactory(kind=Metric.Kind.ANNUAL)


def link(metric, reporter="RUS", partner="IRN", role="reported"):
    dataset, _ = Dataset.objects.get_or_create(
        code="comtrade",
        defaults={"name": "UN Comtrade", "url": "https://comtradeplus.un.org/"},
    )
    return MetricSeriesLink.objects.create(
        metric=metric,
        dataset=dataset,
        reporter=reporter,
        role=role,
        terms=[
            {"indicator": "X", "partner": partner},
            {"indicator": "M", "partner": partner},
        ],
    )


def claim(metric, value, start, end, comparator="exact", **fields):
    return FigureClaimFactory(
        metric=metric,
        value=Decimal(value),
        comparator=comparator,
        period_start=start,
        period_end=end,
        **fields,
    )


def compared(claim_row):
    refresh_comparisons(claim_ids=[claim_row.pk])
    return list(Comparison.objects.filter(claim=claim_row).order_by("reporter"))


def test_calendar_year_sums_the_reporters_exports_and_imports(metric):
    link(metric)
    load(annual("RUS", "IRN", "X", 2012, 1200), annual("RUS", "IRN", "M", 2012, 300))
    row = claim(metric, "1500", date(2012, 1, 1), date(2012, 12, 31))
    (comparison,) = compared(row)
    assert comparison.official_value == Decimal(1500)
    assert comparison.ratio == Decimal(1)
    assert comparison.assessment == "consistent"
    assert comparison.reporter == "RUS"
    assert comparison.partner == "IRN"


def test_iranian_year_is_summed_from_the_nearest_whole_months(metric):
    link(metric)
    records = []
    for year, month in [(2012, m) for m in range(3, 13)] + [
        (2013, 1),
        (2013, 2),
        (2013, 3),
    ]:
        records.append(monthly("RUS", "IRN", "X", year, month, 100))
        records.append(monthly("RUS", "IRN", "M", year, month, 10))
    load(*records)
    # The Iranian year 1391: 20 March 2012 to 20 March 2013.
    row = claim(metric, "1320", date(2012, 3, 20), date(2013, 3, 20))
    (comparison,) = compared(row)
    # April 2012 to March 2013: twelve months of 110 (March 2012 is mostly outside).
    assert comparison.official_value == Decimal(1320)
    notes = " ".join(comparison.notes)
    assert "the Iranian year 1391" in notes
    assert "12 monthly values 2012-04 to 2013-03" in notes
    assert "near, not exact" in notes


def test_iranian_year_with_annual_data_only_says_how_the_years_overlap(metric):
    link(metric)
    load(
        annual("RUS", "IRN", "X", 2012, 1000),
        annual("RUS", "IRN", "M", 2012, 100),
        annual("RUS", "IRN", "X", 2013, 2000),
        annual("RUS", "IRN", "M", 2013, 200),
    )
    row = claim(metric, "5300", date(2012, 3, 20), date(2013, 3, 20))
    (comparison,) = compared(row)
    assert comparison.official_value is None
    assert comparison.ratio is None
    assert comparison.assessment == "not_comparable"
    notes = " ".join(comparison.notes)
    assert "covers 287 of the period's 366 days (78%)" in notes
    assert "covers 79 of the period's 366 days (21%)" in notes
    assert "the Iranian year 1391" in notes


def test_multi_year_span_of_a_per_year_metric_is_the_yearly_average(metric):
    link(metric)
    load(
        *[annual("RUS", "IRN", "X", year, 1000) for year in range(2009, 2013)],
        *[annual("RUS", "IRN", "M", year, 500) for year in range(2009, 2013)],
    )
    # "The four years leading up to 2013": 2009 to 2012.
    row = claim(metric, "1500", date(2009, 1, 1), date(2012, 12, 31))
    (comparison,) = compared(row)
    assert comparison.official_value.quantize(Decimal(1)) == Decimal(1500)
    assert "per-year figure over 4.00 years" in comparison.notes[0]


def test_total_metric_over_a_span_is_the_sum(metric):
    metric.kind = Metric.Kind.TOTAL
    metric.save()
    link(metric)
    load(
        *[annual("RUS", "IRN", "X", year, 1000) for year in (2011, 2012)],
        *[annual("RUS", "IRN", "M", year, 500) for year in (2011, 2012)],
    )
    row = claim(metric, "3000", date(2011, 1, 1), date(2012, 12, 31))
    (comparison,) = compared(row)
    assert comparison.official_value == Decimal(3000)


@pytest.mark.parametrize(
    ("value", "comparator", "upper", "assessment"),
    [
        ("1500000000", "exact", None, "consistent"),  # 1.5 allows 1.45-1.55
        ("1400000000", "exact", None, "lower"),
        ("1600000000", "exact", None, "higher"),
        ("1650000000", "approximately", None, "consistent"),  # within 10%
        ("1700000000", "approximately", None, "higher"),
        ("1000000000", "more_than", None, "consistent"),
        ("2000000000", "more_than", None, "higher"),
        ("1000000000", "less_than", None, "lower"),
        ("1400000000", "range", "1600000000", "consistent"),
    ],
)
def test_assessment_follows_the_wording(metric, value, comparator, upper, assessment):
    link(metric)
    load(
        annual("RUS", "IRN", "X", 2012, 1200000000),
        annual("RUS", "IRN", "M", 2012, 320000000),
    )
    row = claim(
        metric,
        value,
        date(2012, 1, 1),
        date(2012, 12, 31),
        comparator=comparator,
        value_upper=Decimal(upper) if upper else None,
    )
    (comparison,) = compared(row)
    assert comparison.official_value == Decimal(1520000000)
    assert comparison.assessment == assessment


def test_a_figure_a_thousand_times_the_official_one_is_called_a_scale_slip(metric):
    link(metric)
    load(
        annual("RUS", "IRN", "X", 2012, 1000000),
        annual("RUS", "IRN", "M", 2012, 500000),
    )
    row = claim(metric, "1500000000", date(2012, 1, 1), date(2012, 12, 31))
    (comparison,) = compared(row)
    assert comparison.ratio == Decimal(1000)
    assert any("scale slip" in note for note in comparison.notes)


def test_both_reporters_give_a_mirror_note_and_the_cif_fob_gap(metric):
    link(metric, "RUS", "IRN")
    link(metric, "IRN", "RUS", role="mirror")
    load(
        annual("RUS", "IRN", "X", 2012, 1000),
        annual("RUS", "IRN", "M", 2012, 200),
        annual("IRN", "RUS", "X", 2012, 190),
        annual("IRN", "RUS", "M", 2012, 1070),
    )
    row = claim(metric, "1200", date(2012, 1, 1), date(2012, 12, 31))
    iran, russia = compared(row)
    assert (iran.reporter, iran.official_value) == ("IRN", Decimal(1260))
    assert (russia.reporter, russia.official_value) == ("RUS", Decimal(1200))
    iran_notes = " ".join(iran.notes)
    assert "Mirror discrepancy: IRN's reports give 1,260, RUS's 1,200" in iran_notes
    assert "(+5.0%)" in iran_notes
    # Iran's imports from Russia (CIF 1070) against Russia's exports to Iran (FOB 1000).
    assert "are 1.070 times RUS's exports to IRN" in iran_notes
    assert "within that margin" in iran_notes
    # Russia's imports (CIF 200) against Iran's exports (FOB 190): 1.053.
    assert "are 1.053 times IRN's exports to RUS" in " ".join(russia.notes)


def test_estimated_values_and_a_later_revision_are_noted(metric):
    link(metric)
    load(
        annual("RUS", "IRN", "X", 2012, 1000, isReported=False),
        annual("RUS", "IRN", "M", 2012, 500),
    )
    load(annual("RUS", "IRN", "M", 2012, 600))
    row = claim(metric, "1600", date(2012, 1, 1), date(2012, 12, 31))
    (comparison,) = compared(row)
    assert comparison.official_value == Decimal(1600)
    assert comparison.vintage.number == 2
    notes = " ".join(comparison.notes)
    assert "Of the 2 official values used, 1 estimated" in notes
    assert "Revised: M RUS→IRN" in notes
    assert "vintage 1: 500, vintage 2: 600" in notes


def test_a_linked_metric_without_a_loaded_series_says_so(metric):
    link(metric)
    row = claim(metric, "1500", date(2012, 1, 1), date(2012, 12, 31))
    (comparison,) = compared(row)
    assert comparison.assessment == "not_comparable"
    assert "No official series is loaded" in comparison.notes[0]


def test_a_claim_without_a_period_is_not_comparable(metric):
    link(metric)
    load(annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500))
    row = claim(metric, "1500", None, None)
    (comparison,) = compared(row)
    assert comparison.assessment == "not_comparable"
    assert "period is not known" in comparison.notes[0]


def test_loading_a_linked_series_makes_the_comparisons_appear(
    metric, django_capture_on_commit_callbacks
):
    link(metric)
    with django_capture_on_commit_callbacks(execute=True):
        row = claim(metric, "1500", date(2012, 1, 1), date(2012, 12, 31))
    with django_capture_on_commit_callbacks(execute=True):
        load(
            annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500)
        )
    comparison = Comparison.objects.get(claim=row)
    assert comparison.official_value == Decimal(1500)


def test_editing_a_claims_figure_recomputes_its_comparison(
    metric, django_capture_on_commit_callbacks
):
    link(metric)
    load(annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500))
    # Made without a metric: no job yet (the test's transaction never commits, so
    # a job waiting from an earlier save would take in the later one).
    row = claim(None, "3000", date(2012, 1, 1), date(2012, 12, 31))
    assert not Comparison.objects.filter(claim=row).exists()
    row.metric = metric
    with django_capture_on_commit_callbacks(execute=True):
        row.save()
    assert Comparison.objects.get(claim=row).assessment == "higher"


def test_a_comparison_becomes_an_evidence_record_citing_series_and_vintage(metric):
    link(metric)
    load(annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500))
    row = claim(metric, "5300", date(2012, 1, 1), date(2012, 12, 31))
    (comparison,) = compared(row)
    evidence = comparison_to_evidence(comparison=comparison)
    assert evidence.claim_id == row.pk
    assert evidence.stance == Evidence.Stance.REFUTES
    assert evidence.url == "https://comtradeplus.un.org/"
    assert "comtrade:X RUS→IRN + comtrade:M RUS→IRN" in evidence.note
    assert "vintage 1" in evidence.note
    assert "2012-01-01 to 2012-12-31" in evidence.note


def change_link(metric, reporter="RUS", partner="IRN"):
    made = link(metric, reporter, partner)
    made.measure = MetricSeriesLink.Measure.CHANGE
    made.save()
    return made


def test_a_change_over_a_calendar_year_is_against_the_year_before():
    metric = MetricFactory(unit="percent", kind=Metric.Kind.ANNUAL)
    change_link(metric)
    load(
        annual("RUS", "IRN", "X", 2011, 2000),
        annual("RUS", "IRN", "M", 2011, 500),
        annual("RUS", "IRN", "X", 2012, 1200),
        annual("RUS", "IRN", "M", 2012, 300),
    )
    row = claim(
        metric,
        "-40",
        date(2012, 1, 1),
        date(2012, 12, 31),
        "approximately",
        unit="percent",
    )
    (comparison,) = compared(row)
    assert comparison.official_value == Decimal("-40.00")
    assert comparison.assessment == "consistent"
    assert "the change from 2,500 (2011-01-01 to 2011-12-31)" in comparison.notes[0]


def test_a_change_over_an_iranian_year_is_against_the_iranian_year_before():
    metric = MetricFactory(unit="percent", kind=Metric.Kind.ANNUAL)
    change_link(metric)
    records = []
    # April 2011 to March 2013, monthly: 100 a month in 1390, 60 in 1391.
    for year, month in (
        [(2011, m) for m in range(4, 13)]
        + [(2012, m) for m in range(1, 13)]
        + [(2013, 1), (2013, 2), (2013, 3)]
    ):
        value = 100 if (year, month) < (2012, 4) else 60
        records.append(monthly("RUS", "IRN", "X", year, month, value))
        records.append(monthly("RUS", "IRN", "M", year, month, 0))
    load(*records)
    # The Iranian year 1391; 1390 runs 21 March 2011 to 19 March 2012.
    row = claim(
        metric,
        "-40",
        date(2012, 3, 20),
        date(2013, 3, 20),
        "approximately",
        unit="percent",
    )
    (comparison,) = compared(row)
    assert comparison.official_value == Decimal("-40.00")
    assert "2011-03-21 to 2012-03-19" in comparison.notes[0]
