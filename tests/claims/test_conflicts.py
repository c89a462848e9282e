import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.figures import comparison
from claims.figures.comparison import MAX_LINKS_PER_SIDE, compare_figures
from claims.figures.intervals import FigureRow, implied_interval, previous_period
from claims.models import Claim, ClaimLink, Metric
from claims.selectors.conflicts import conflicts_of
from claims.selectors.figures import rows_for_metric
from claims.services.conflicts import detect_all_conflicts, detect_metric_conflicts
from tests.factories import (
    ClaimLinkFactory,
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
)

D = Decimal
TEN_PERCENT = D("0.10")
YEAR_1390 = (datetime.date(2011, 3, 21), datetime.date(2012, 3, 19))
YEAR_1391 = (datetime.date(2012, 3, 20), datetime.date(2013, 3, 20))
CONTRADICTS = ClaimLink.Relation.CONTRADICTS


def year(number: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(number, 1, 1), datetime.date(number, 12, 31)


def row(
    claim_id: int,
    value,
    period=YEAR_1391,
    *,
    comparator: str = "exact",
    unit: str = "USD",
    upper=None,
    change=None,
    change_comparator: str = "exact",
) -> FigureRow:
    return FigureRow(
        claim_id=claim_id,
        unit=unit,
        value=D(value),
        value_upper=None if upper is None else D(upper),
        comparator=comparator,
        period_start=period[0],
        period_end=period[1],
        change_percent=None if change is None else D(change),
        change_comparator=change_comparator,
    )


def pairs(rows, kind: str = "level", tolerance=TEN_PERCENT) -> set[tuple[int, int]]:
    comparison = compare_figures(rows, kind=kind, tolerance=tolerance)
    return {(c.claim_id, c.other_id) for c in comparison.conflicts}


# compare_figures: pure, no database


def test_figures_conflict_only_when_their_periods_overlap():
    rows = [
        row(1, "5300000000", year(2012)),
        row(2, "2000000000", (datetime.date(2012, 6, 1), datetime.date(2013, 5, 31))),
        row(3, "9000000000", year(2014)),
    ]
    assert pairs(rows) == {(1, 2)}


def test_approximate_figures_conflict_beyond_the_tolerance_only():
    rows = [
        row(1, "5300000000", comparator="approximately"),
        row(2, "4800000000"),  # within 10% of 5.3 billion
        row(3, "4700000000"),  # outside
    ]
    assert pairs(rows) == {(1, 3), (2, 3)}
    assert pairs(rows, tolerance=D("0.2")) == {(2, 3)}


@pytest.mark.parametrize(
    ("other", "conflicts"),
    [("11000", True), ("12000", True), ("13000", False)],
)
def test_more_than_is_open_above_and_excludes_its_own_value(other, conflicts):
    rows = [
        row(1, "12000", year(2008), comparator="more_than", unit="cars"),
        row(2, other, year(2008), unit="cars"),
    ]
    assert pairs(rows) == ({(1, 2)} if conflicts else set())


def test_less_than_and_ranges_allow_what_they_say():
    rows = [
        row(1, "3000000000", comparator="less_than"),
        row(2, "2000000000", comparator="range", upper="2500000000"),
        row(3, "2800000000", comparator="range", upper="3500000000"),
        row(4, "4000000000"),
    ]
    # Below 3bn meets both ranges; the 2-2.5bn and 2.8-3.5bn ranges do not meet.
    assert pairs(rows) == {(1, 4), (2, 3), (2, 4), (3, 4)}


def test_different_units_never_conflict():
    rows = [row(1, "5300000000", unit="USD"), row(2, "2000000000", unit="EUR")]
    assert pairs(rows) == set()


def test_claims_without_any_period_end_are_not_compared():
    rows = [
        row(1, "5300000000", (None, None)),
        row(2, "2000000000", (None, datetime.date(2013, 3, 20))),  # open start
        row(3, "9000000000", year(2005)),
    ]
    assert pairs(rows) == {(2, 3)}


def test_annual_metric_ignores_a_four_year_period_against_one_year_and_flags_it():
    four_years = (datetime.date(2009, 1, 1), datetime.date(2012, 12, 31))
    rows = [row(1, "1500000000", four_years), row(2, "5300000000", year(2010))]
    assert pairs(rows, kind="level") == {(1, 2)}
    comparison = compare_figures(rows, kind="annual", tolerance=TEN_PERCENT)
    assert comparison.conflicts == []
    assert comparison.flags == {
        1: "Spans 2009-01-01 to 2012-12-31 (4 years): a per-year figure over several "
        "years is compared only with claims over the same span; check it by hand."
    }


def test_annual_metric_compares_multi_year_figures_over_the_same_span():
    span = (datetime.date(2009, 1, 1), datetime.date(2012, 12, 31))
    nearly = (datetime.date(2009, 1, 2), datetime.date(2012, 12, 30))
    rows = [row(1, "1500000000", span), row(2, "3000000000", nearly)]
    comparison = compare_figures(rows, kind="annual", tolerance=TEN_PERCENT)
    assert [(c.claim_id, c.other_id) for c in comparison.conflicts] == [(1, 2)]
    assert comparison.flags == {}


def test_annual_years_are_compared_when_they_share_half_a_year():
    rows = [
        row(1, "5300000000", YEAR_1391),
        row(2, "2000000000", year(2012)),  # 286 days in common with 1391
        row(3, "9000000000", year(2013)),  # 79 days in common with 1391
    ]
    assert pairs(rows, kind="annual") == {(1, 2)}
    assert pairs(rows, kind="level") == {(1, 2), (1, 3)}


def test_total_metric_compares_identical_spans_only():
    rows = [
        row(1, "10000", year(2014), unit="cars"),
        row(2, "20000", year(2014), unit="cars"),
        row(
            3,
            "50000",
            (datetime.date(2014, 1, 1), datetime.date(2015, 12, 31)),
            unit="cars",
        ),
    ]
    comparison = compare_figures(rows, kind="total", tolerance=TEN_PERCENT)
    assert [(c.claim_id, c.other_id) for c in comparison.conflicts] == [(1, 2)]
    assert set(comparison.flags) == {3}
    assert (
        "a total is compared only with claims over the same span"
        in (comparison.flags[3])
    )


def test_relative_claim_implies_an_earlier_value_for_the_previous_period():
    drop = row(
        1,
        "2000000000",
        YEAR_1391,
        change="-40",
        change_comparator="approximately",
    )
    rows = [
        drop,
        row(2, "5300000000", YEAR_1390, comparator="approximately"),  # vs ~3.3bn
        row(3, "3300000000", YEAR_1390, comparator="approximately"),  # fits
        row(4, "2000000000", YEAR_1391),  # the change claim's own figure, agrees
        row(5, "3000000000", YEAR_1391),  # disagrees with the own figure
        # Fits only because "close to 40%" allows a drop of up to 44%: $3.57 billion.
        row(6, "3500000000", YEAR_1390),
    ]
    comparison = compare_figures(rows, kind="annual", tolerance=TEN_PERCENT)
    reasons = {(c.claim_id, c.other_id): c.reason for c in comparison.conflicts}
    # 2 also disagrees with 3 and 6 over 1390; 3 and 6 fit the implied value.
    assert set(reasons) == {(1, 2), (1, 5), (2, 3), (2, 6), (4, 5)}
    assert reasons[(1, 2)] == (
        "implied earlier value of about $3.3 billion (from a drop of about 40% to "
        "$2 billion) for 2011-03-21–2012-03-19 vs $5.3 billion (approx.) over "
        "2011-03-21–2012-03-19: the figures differ by more than the 10% tolerance"
    )
    assert reasons[(1, 5)].startswith("$2 billion over 2012-03-20–2013-03-20 vs ")


def test_implied_value_is_widened_by_both_approximations():
    exact = row(1, "2000000000", change="-40", change_comparator="approximately")
    point, low, low_open, high, high_open = implied_interval(exact, TEN_PERCENT)
    assert point.quantize(D(1)) == D("3333333333")
    assert (low, high) == (D("3125000000"), D("2000000000") / D("0.56"))
    both = row(
        1,
        "2000000000",
        comparator="approximately",
        change="-40",
        change_comparator="approximately",
    )
    _, low, _, high, _ = implied_interval(both, TEN_PERCENT)
    assert (low, high) == (D("1800000000") / D("0.64"), D("2200000000") / D("0.56"))
    assert not low_open
    assert not high_open


def test_previous_period_follows_the_calendar_the_period_is_in():
    assert previous_period(*YEAR_1391) == YEAR_1390
    assert previous_period(*year(2013)) == year(2012)
    quarter = (datetime.date(2013, 1, 1), datetime.date(2013, 3, 31))
    assert previous_period(*quarter) == (
        datetime.date(2012, 10, 1),
        datetime.date(2012, 12, 31),
    )
    days = (datetime.date(2013, 1, 5), datetime.date(2013, 1, 14))
    assert previous_period(*days) == (
        datetime.date(2012, 12, 26),
        datetime.date(2013, 1, 4),
    )


def test_previous_period_reaches_to_the_first_day_of_the_calendar():
    assert previous_period(*year(9999)) == year(9998)
    last_day = (datetime.date.max, datetime.date.max)
    assert previous_period(*last_day) == (datetime.date(9999, 12, 30),) * 2
    assert previous_period(datetime.date(1, 1, 2), datetime.date(1, 1, 2)) == (
        (datetime.date.min,) * 2
    )
    for before_year_1 in [year(1), (datetime.date.min, datetime.date.max)]:
        with pytest.raises(ValueError, match="begins before year 1"):
            previous_period(*before_year_1)


@pytest.mark.parametrize("kind", ["annual", "total", "level"])
def test_periods_at_the_ends_of_the_calendar_are_compared(kind):
    # Rows stored before dates were bounded: nothing may fail on them, and a change
    # stated for year 9999 still implies a figure for 9998.
    first, last = datetime.date.min, datetime.date.max
    rows = [
        row(1, "2000000000", year(9999), change="-40"),
        row(2, "10", year(9998)),
        row(3, "10", (first, last)),
        row(4, "10", (first, last), change="-40"),
        row(5, "10", year(1), change="-40"),
        row(6, "20", (None, last)),
        row(7, "30", (first, None), change="50"),
    ]

    found = pairs(rows, kind=kind)

    assert (1, 2) in found  # the implied $3.3 billion for 9998 against $10


def test_each_pair_appears_once_lower_id_first():
    rows = [
        row(7, "5300000000", comparator="approximately"),
        row(3, "2000000000", change="-40", change_comparator="approximately"),
        row(5, "3000000000", YEAR_1390),
    ]
    comparison = compare_figures(rows, kind="annual", tolerance=TEN_PERCENT)
    found = [(c.claim_id, c.other_id) for c in comparison.conflicts]
    assert found == sorted(set(found))
    assert all(first < second for first, second in found)
    assert (3, 7) in found


def test_crowded_periods_link_each_figure_to_its_nearest_disagreeing_figures():
    # Ten mutually compatible figures near $1 billion and ten near $5 billion over
    # one year: 100 conflicting pairs, of which each figure keeps the nearest few.
    low = [
        row(i, 1000000000 + i * 5000000, comparator="approximately")
        for i in range(1, 11)
    ]
    high = [
        row(i, 5000000000 + i * 20000000, comparator="approximately")
        for i in range(11, 21)
    ]
    comparison = compare_figures(low + high, kind="annual", tolerance=TEN_PERCENT)
    found = {(c.claim_id, c.other_id) for c in comparison.conflicts}
    assert all(first <= 10 < second for first, second in found)
    assert len(found) <= 20 * MAX_LINKS_PER_SIDE < 100
    assert {claim for pair in found for claim in pair} == set(range(1, 21))
    # The highest low figure and the lowest high one are each other's nearest.
    assert (10, 11) in found


def test_unknown_metric_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown metric kind"):
        compare_figures([], kind="weekly", tolerance=TEN_PERCENT)


# Detection against the database


def trade_metric(kind: str = Metric.Kind.ANNUAL) -> Metric:
    return MetricFactory(kind=kind)


def contradicts_links():
    return ClaimLink.objects.filter(relation=CONTRADICTS)


@pytest.mark.django_db
def test_rows_for_metric_load_the_figures_in_one_query(django_assert_num_queries):
    metric = trade_metric()
    first = FigureClaimFactory(metric=metric)
    FigureClaimFactory(metric=metric, value=None, unit="", comparator="exact")
    FigureClaimFactory()  # another metric
    with django_assert_num_queries(1):
        rows = rows_for_metric(metric.pk)
    assert [r.claim_id for r in rows] == [first.pk]
    assert rows[0].value == D("5300000000")


@pytest.mark.django_db
def test_detection_links_lower_to_higher_id_with_the_reason_and_history():
    metric = trade_metric()
    high = FigureClaimFactory(metric=metric)
    low = FigureClaimFactory(metric=metric, value=D("2000000000"), comparator="exact")
    summary = detect_metric_conflicts(metric.pk)
    assert summary.created == 1
    link = contradicts_links().get()
    assert (link.from_claim_id, link.to_claim_id) == (high.pk, low.pk)
    assert link.detected is True
    assert link.note == (
        "$5.3 billion (approx.) over 2012-03-20–2013-03-20 vs $2 billion over the same "
        "period: the figures differ by more than the 10% tolerance"
    )
    assert link.history.filter(history_type="+").count() == 1


@pytest.mark.django_db
def test_the_tolerance_setting_decides_whether_figures_conflict(settings):
    metric = trade_metric()
    FigureClaimFactory(metric=metric)  # about 5.3 billion
    FigureClaimFactory(metric=metric, value=D("4600000000"), comparator="exact")
    settings.FACTCHECK_APPROXIMATE_TOLERANCE = "0.20"
    assert detect_metric_conflicts(metric.pk).created == 0
    settings.FACTCHECK_APPROXIMATE_TOLERANCE = "0.10"
    assert detect_metric_conflicts(metric.pk).created == 1


@pytest.mark.django_db
def test_detected_links_go_when_an_edit_resolves_the_conflict_editor_links_stay():
    metric = trade_metric()
    first = FigureClaimFactory(metric=metric)
    second = FigureClaimFactory(metric=metric, value=D("2000000000"))
    third = FigureClaimFactory(metric=metric, value=D("5200000000"))
    # The editor calls 2 and 3 contradictory on other grounds.
    editor_link = ClaimLinkFactory(from_claim=third, to_claim=second, detected=False)
    detect_metric_conflicts(metric.pk)
    assert contradicts_links().filter(detected=True).count() == 1
    detected = contradicts_links().get(detected=True)
    assert (detected.from_claim_id, detected.to_claim_id) == (first.pk, second.pk)

    Claim.objects.filter(pk=second.pk).update(value=D("5000000000"))
    summary = detect_metric_conflicts(metric.pk)

    assert (summary.created, summary.removed) == (0, 1)
    assert list(contradicts_links()) == [editor_link]
    assert ClaimLink.history.filter(id=detected.pk, history_type="-").exists()


@pytest.mark.django_db
def test_a_detected_link_note_follows_the_figures():
    metric = trade_metric()
    FigureClaimFactory(metric=metric)
    second = FigureClaimFactory(metric=metric, value=D("2000000000"))
    detect_metric_conflicts(metric.pk)
    Claim.objects.filter(pk=second.pk).update(value=D("1000000000"))
    detect_metric_conflicts(metric.pk)
    assert "vs $1 billion (approx.) over the same period" in (
        contradicts_links().get().note
    )
    assert ClaimLink.history.filter(history_type="~").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("editor_direction", ["forward", "backward"])
def test_no_detected_link_when_an_editor_already_linked_the_pair(editor_direction):
    metric = trade_metric()
    first = FigureClaimFactory(metric=metric)
    second = FigureClaimFactory(metric=metric, value=D("2000000000"))
    ends = (first, second) if editor_direction == "forward" else (second, first)
    ClaimLinkFactory(from_claim=ends[0], to_claim=ends[1], detected=False)
    summary = detect_metric_conflicts(metric.pk)
    assert summary.created == 0
    assert contradicts_links().count() == 1
    assert not contradicts_links().filter(detected=True).exists()


@pytest.mark.django_db
def test_a_rerun_changes_nothing():
    metric = trade_metric()
    FigureClaimFactory(metric=metric)
    FigureClaimFactory(metric=metric, value=D("2000000000"))
    assert detect_metric_conflicts(metric.pk).created == 1
    again = detect_metric_conflicts(metric.pk)
    assert (again.created, again.removed) == (0, 0)
    assert contradicts_links().count() == 1


@pytest.mark.django_db
def test_comparison_flags_are_set_and_cleared():
    metric = trade_metric()
    four_years = FigureClaimFactory(
        metric=metric,
        value=D("1500000000"),
        period_start=datetime.date(2009, 1, 1),
        period_end=datetime.date(2012, 12, 31),
    )
    one_year = FigureClaimFactory(
        metric=metric,
        period_start=datetime.date(2010, 1, 1),
        period_end=datetime.date(2010, 12, 31),
    )
    version = Claim.objects.get(pk=four_years.pk).version
    assert detect_metric_conflicts(metric.pk).flagged == 1
    four_years.refresh_from_db()
    assert four_years.comparison_flag.startswith("Spans 2009-01-01 to 2012-12-31")
    assert four_years.version == version  # a derived field: editors' copies stay valid

    Claim.objects.filter(pk=one_year.pk).update(metric=None)
    assert detect_metric_conflicts(metric.pk).flagged == 0
    four_years.refresh_from_db()
    assert four_years.comparison_flag == ""


@pytest.mark.django_db
def test_detection_locks_the_metric_row(on_postgres):
    metric = trade_metric()
    FigureClaimFactory(metric=metric)
    with CaptureQueriesContext(connection) as queries:
        detect_metric_conflicts(metric.pk)
    assert any(
        "FOR UPDATE" in query["sql"] and "claims_metric" in query["sql"]
        for query in queries.captured_queries
    )


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
# Committed for real, so detection runs after the write as in a web request.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_detection_after_a_web_write_is_not_cut_off_by_the_statement_timeout(
    monkeypatch, settings, superuser
):
    settings.DATABASE_STATEMENT_TIMEOUT = 100
    metric = trade_metric(Metric.Kind.LEVEL)
    FigureClaimFactory(metric=metric)
    edited = FigureClaimFactory(metric=metric)
    detect = comparison.detect

    def slow_detect(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.3)")  # past the request's timeout
        return detect(*args, **kwargs)

    monkeypatch.setattr("claims.services.conflicts.detect", slow_detect)
    api = APIClient()
    api.force_login(superuser)
    connection.close()  # opened again inside the request, under its timeout

    try:
        response = api.patch(f"/api/v1/claims/{edited.pk}/", {"value": "1000"})
    finally:
        connection.close()

    assert response.status_code == 200, response.content
    assert contradicts_links().filter(detected=True).count() == 1


@pytest.mark.django_db
def test_detect_all_conflicts_adds_up_the_metrics():
    for _ in range(2):
        metric = trade_metric()
        FigureClaimFactory(metric=metric)
        FigureClaimFactory(metric=metric, value=D("2000000000"))
    MetricFactory()  # no claims
    summary = detect_all_conflicts()
    assert (summary.created, summary.removed, summary.flagged) == (2, 0, 0)


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only behaviour; run with DATABASE_URL=postgres://...",
)
def test_a_long_detection_refreshes_the_link_statistics_as_links_pile_up(
    monkeypatch,
):
    monkeypatch.setattr("claims.services.conflicts.ANALYZE_EVERY_LINKS", 2)
    for _ in range(3):
        metric = trade_metric()
        FigureClaimFactory(metric=metric)
        FigureClaimFactory(metric=metric, value=D("2000000000"))

    with CaptureQueriesContext(connection) as queries:
        detect_all_conflicts()

    analyzed = [q["sql"] for q in queries if q["sql"].startswith("ANALYZE")]
    assert analyzed == ['ANALYZE "claims_claimlink"']  # after 2 links, not after 3


@pytest.mark.django_db
def test_the_command_prints_a_summary_and_refuses_an_unknown_metric():
    metric = trade_metric()
    FigureClaimFactory(metric=metric)
    FigureClaimFactory(metric=metric, value=D("2000000000"))
    out = io.StringIO()
    call_command(
        "detect_conflicts", "--metric", metric.slug, stdout=out, stderr=io.StringIO()
    )
    assert out.getvalue().strip() == (
        "Conflict detection: 1 links created, 0 removed, 0 claims flagged."
    )
    with pytest.raises(CommandError, match="No metric with the slug"):
        call_command("detect_conflicts", "--metric", "no-such-metric")


@pytest.mark.django_db
def test_the_seed_figures_conflict_within_the_blog_and_with_the_ap_article():
    call_command("loaddata", "seed", verbosity=0)
    metric = Metric.objects.get(slug="iran-russia-trade-volume")
    # The seed marks the trade volume as a yearly figure, and the blog's $2 billion
    # as reached by "a close to 40-percent drop".
    assert metric.kind == Metric.Kind.ANNUAL
    assert Claim.objects.get(pk=56).change_percent == D("-40")
    blog = Claim.objects.get(pk=56).document_id
    comparison = compare_figures(
        rows_for_metric(metric.pk), kind=metric.kind, tolerance=TEN_PERCENT
    )
    reasons = {(c.claim_id, c.other_id): c.reason for c in comparison.conflicts}
    assert reasons[(53, 56)] == (
        "$5.3 billion (approx.) over 2012-03-20–2013-03-20 vs $2 billion over the "
        "same period: the figures differ by more than the 10% tolerance"
    )
    documents = dict(Claim.objects.filter(metric=metric).values_list("id", "document"))
    ap_article = documents[16]
    across = [
        pair
        for pair in reasons
        if {documents[claim_id] for claim_id in pair} == {blog, ap_article}
    ]
    # $4 billion in 2009 (AP) vs "hardly passed $3 billion a year in recent years".
    assert (16, 52) in across, reasons
    # The implied $3.1-3.6 billion for 1390 fits "hardly passed $3 billion" (52).
    assert not any("implied" in reason for reason in reasons.values())

    detect_metric_conflicts(metric.pk)

    linked = {
        tuple(sorted(pair))
        for pair in contradicts_links().values_list("from_claim_id", "to_claim_id")
    }
    assert set(reasons) <= linked
    # AP's $1.5 billion for 2012 (the last of "the four years leading up to 2013")
    # conflicts with the blog's figures for the Iranian year 1391, which overlaps it.
    assert (17, 53) in across
    assert (17, 56) in across


@pytest.mark.django_db
def test_conflicts_of_describes_both_directions_in_one_query(
    django_assert_max_num_queries,
):
    metric = trade_metric()
    document = DocumentFactory(title="Iran's Relations with Russia")
    claims = [
        FigureClaimFactory(metric=metric, document=document, value=D(v))
        for v in ("5300000000", "2000000000", "9000000000", "1000000000")
    ]
    ClaimLinkFactory(from_claim=claims[0], to_claim=claims[1], note="editor says so")
    ClaimLinkFactory(from_claim=claims[2], to_claim=claims[0], detected=True)
    ClaimLinkFactory(
        from_claim=claims[3],
        to_claim=claims[0],
        relation=ClaimLink.Relation.CORROBORATES,
    )
    with django_assert_max_num_queries(1):
        found = conflicts_of([claim.pk for claim in claims])
    assert [entry["claim"] for entry in found[claims[0].pk]] == [
        claims[1].pk,
        claims[2].pk,
    ]
    assert found[claims[1].pk] == [
        {
            "claim": claims[0].pk,
            "figure": "$5.3 billion (approx.)",
            "period_label": "last year",
            "document": "Iran's Relations with Russia",
            "reason": "editor says so",
            "detected": False,
        }
    ]
    assert found[claims[2].pk][0]["detected"] is True
    assert found[claims[3].pk] == []


@pytest.mark.django_db
def test_conflicts_of_query_count_does_not_grow_with_claims(
    django_assert_max_num_queries,
):
    metric = trade_metric()
    claims = [
        FigureClaimFactory(metric=metric, value=D(i * 10**9)) for i in range(1, 13)
    ]
    for first, second in itertools.pairwise(claims):
        ClaimLinkFactory(from_claim=first, to_claim=second)
    with django_assert_max_num_queries(1):
        few = conflicts_of([claims[0].pk, claims[1].pk])
    with django_assert_max_num_queries(1):
        many = conflicts_of([claim.pk for claim in claims])
    assert len(few) == 2
    assert len(many) == 12
    assert sum(len(links) for links in many.values()) == 2 * 11
