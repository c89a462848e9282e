"""Incremental conflict detection writes exactly what a full run would (issue 14).

Random sequences of creates, edits (value, comparator, period, stated change, metric)
and deletes, each refreshed incrementally as claim_save and claim_delete do after
commit; then the stored links (with which figures hold them, and their reasons) and
flags must equal a full detection of the same claims, and a full run must change
nothing.
"""

import datetime
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from claims.conf import tolerance_setting
from claims.figures.comparison import Reasons, detect, link_bits
from claims.models import Claim, ClaimLink, Comparator, Metric
from claims.selectors.figures import rows_for_metric
from claims.services.claims import (
    claim_delete,
    claim_restore_deleted,
    claim_save,
)
from claims.services.conflicts import detect_all_conflicts
from tests.factories import ClaimFactory, ClaimLinkFactory, DocumentFactory

pytestmark = pytest.mark.django_db

KINDS = [Metric.Kind.ANNUAL, Metric.Kind.LEVEL, Metric.Kind.TOTAL]
VALUES = [Decimal(v) * 10**9 for v in ("1", "1.5", "2", "3", "3.3", "5", "5.3", "8")]
CHANGES = [None, None, Decimal("-40"), Decimal("25")]


def _year(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


PERIODS = [
    *(_year(year) for year in (2010, 2011, 2012, 2013)),
    (datetime.date(2012, 3, 20), datetime.date(2013, 3, 20)),  # Iranian 1391
    (datetime.date(2011, 3, 21), datetime.date(2012, 3, 19)),  # Iranian 1390
    (datetime.date(2010, 1, 1), datetime.date(2012, 12, 31)),  # three years
    (datetime.date(2010, 1, 2), datetime.date(2012, 12, 30)),  # the same, near
    (datetime.date(2012, 1, 1), datetime.date(2012, 6, 30)),  # half a year
    (None, datetime.date(2012, 12, 31)),  # "in recent years"
    (datetime.date(2011, 1, 1), None),  # "since 2011"
]

figures = st.fixed_dictionaries(
    {
        "value": st.sampled_from(VALUES),
        "comparator": st.sampled_from(
            [
                Comparator.EXACT,
                Comparator.APPROXIMATELY,
                Comparator.APPROXIMATELY,
                Comparator.MORE_THAN,
                Comparator.LESS_THAN,
                Comparator.RANGE,
            ]
        ),
        "period": st.sampled_from(PERIODS),
        "change": st.sampled_from(CHANGES),
        "metric": st.sampled_from([0, 0, 0, 1]),
    }
)
# Claims made first, then changed: edits outnumber deletes, and the claims crowd two
# metrics (three kinds between them over the run), so links come and go.
operations = st.tuples(
    st.lists(figures, min_size=3, max_size=14),
    st.lists(
        st.one_of(
            st.tuples(st.just("edit"), st.integers(0, 40), figures),
            st.tuples(st.just("edit"), st.integers(0, 40), figures),
            st.tuples(st.just("create"), figures),
            st.tuples(st.just("delete"), st.integers(0, 40)),
            st.tuples(st.just("restore"), st.integers(0, 40)),
        ),
        min_size=1,
        max_size=20,
    ),
)


def _figure(value: Decimal, metric: int = 0) -> dict:
    return {
        "value": value,
        "comparator": Comparator.EXACT,
        "period": _year(2012),
        "change": None,
        "metric": metric,
    }


# A link detection dropped and made again, then its claim deleted and restored: the
# history holds two deleted links of one pair (made-up figures; 1 and 8 billion in
# one year contradict).
RESTORE_AFTER_A_LINK_CAME_BACK = (
    [_figure(VALUES[0]), _figure(VALUES[-1]), _figure(VALUES[0], metric=1)],
    [
        ("edit", 0, _figure(VALUES[-1])),
        ("edit", 0, _figure(VALUES[0])),
        ("delete", 0),
        ("restore", 0),
    ],
)


def _apply(claim: Claim, figure: dict, metrics: list[Metric]) -> None:
    claim.metric = metrics[figure["metric"]]
    claim.value = figure["value"]
    claim.comparator = figure["comparator"]
    claim.value_upper = (
        figure["value"] * 2 if figure["comparator"] == Comparator.RANGE else None
    )
    claim.unit = "USD"
    claim.period_start, claim.period_end = figure["period"]
    closed = claim.period_start is not None and claim.period_end is not None
    claim.change_percent = figure["change"] if closed else None


def _stored(metric: Metric) -> tuple[dict, dict]:
    claims = Claim.objects.filter(metric=metric)
    ids = set(claims.values_list("pk", flat=True))
    links = {
        (link.from_claim_id, link.to_claim_id): (link.holds, link.note)
        for link in ClaimLink.objects.filter(detected=True)
        if link.from_claim_id in ids or link.to_claim_id in ids
    }
    flags = {
        claim_id: flag
        for claim_id, flag in claims.values_list("pk", "comparison_flag")
        if flag
    }
    return links, flags


def _full(metric: Metric) -> tuple[dict, dict]:
    tolerance = tolerance_setting()
    found = detect(rows_for_metric(metric.pk), kind=metric.kind, tolerance=tolerance)
    reasons = Reasons(tolerance)
    links = {
        pair: (bits, reasons.reason(pair, bits, found.figures))
        for pair, bits in link_bits(found.holds).items()
    }
    return links, {claim_id: flag for claim_id, flag in found.flags.items() if flag}


@settings(
    # CONFLICT_EXAMPLES=500 for a longer run (make fuzz).
    max_examples=int(os.environ.get("CONFLICT_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
@example(operations=RESTORE_AFTER_A_LINK_CAME_BACK)
def test_incremental_links_and_flags_equal_a_full_detection(
    operations, django_capture_on_commit_callbacks
):
    Claim.objects.all().delete()
    Metric.objects.all().delete()
    creates, changes = operations
    kinds = [KINDS[len(creates) % 3], KINDS[(len(creates) + 1) % 3]]
    metrics = [
        Metric.objects.create(
            name=f"Trade {number}", slug=f"trade-{number}", unit="USD", kind=kind
        )
        for number, kind in enumerate(kinds)
    ]
    document = DocumentFactory()
    claims: list[Claim] = []
    deleted: list[int] = []
    for operation in [("create", figure) for figure in creates] + changes:
        with django_capture_on_commit_callbacks(execute=True):
            if operation[0] == "create":
                claim = ClaimFactory.build(document=document)
                _apply(claim, operation[1], metrics)
                claims.append(claim_save(claim=claim))
            elif operation[0] == "edit" and claims:
                claim = Claim.objects.get(pk=claims[operation[1] % len(claims)].pk)
                _apply(claim, operation[2], metrics)
                claim_save(claim=claim)
            elif operation[0] == "delete" and claims:
                claim = claims.pop(operation[1] % len(claims))
                claim_delete(claim=Claim.objects.get(pk=claim.pk))
                deleted.append(claim.pk)
            elif operation[0] == "restore" and deleted:
                claim_id = deleted.pop(operation[1] % len(deleted))
                claims.append(claim_restore_deleted(claim_id=claim_id))

    for metric in metrics:
        assert _stored(metric) == _full(metric), metric.kind
    assert all(
        claim.conflicts_checked_version == claim.version
        for claim in Claim.objects.all()
    )
    summary = detect_all_conflicts()
    assert (summary.created, summary.removed) == (0, 0)


def test_a_figure_edit_refreshes_only_the_figures_around_it(
    django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    metric = Metric.objects.create(
        name="Busy", slug="busy", unit="USD", kind=Metric.Kind.ANNUAL
    )
    document = DocumentFactory()
    far = []
    for year in range(1990, 2010):  # figures far from the edit
        for value in VALUES[:3]:
            claim = ClaimFactory.build(document=document, metric=metric)
            claim.value, claim.unit = value, "USD"
            claim.period_start, claim.period_end = _year(year)
            far.append(claim)
    Claim.objects.bulk_create(far)
    near = ClaimFactory.build(document=document, metric=metric)
    near.value, near.unit = VALUES[0], "USD"
    near.period_start, near.period_end = _year(2012)
    with django_capture_on_commit_callbacks(execute=True):
        near = claim_save(claim=near)
    edited = Claim.objects.get(pk=near.pk)
    edited.value = VALUES[-1]
    # The refresh reads the figures around 2012 only: its cost does not grow with
    # the metric (here 60 far figures; a run over the metric reads all of them).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        claim_save(claim=edited)
    read = [
        query["sql"]
        for query in queries.captured_queries
        if "period_start" in query["sql"] and "SELECT" in query["sql"]
    ]
    assert read, "the refresh read no figures"
    if connection.vendor == "postgresql":
        assert all("&&" in sql for sql in read if "daterange" in sql)


def test_editors_links_are_never_touched_by_the_incremental_path(
    django_capture_on_commit_callbacks,
):
    metric = Metric.objects.create(name="M", slug="m", unit="USD")
    document = DocumentFactory()
    made = []
    for value in (VALUES[0], VALUES[-1]):
        claim = ClaimFactory.build(document=document, metric=metric)
        claim.value, claim.unit = value, "USD"
        claim.period_start, claim.period_end = _year(2012)
        with django_capture_on_commit_callbacks(execute=True):
            made.append(claim_save(claim=claim))
    low, high = made
    assert ClaimLink.objects.filter(detected=True).count() == 1
    ClaimLink.objects.all().delete()
    editors = ClaimLinkFactory(from_claim=high, to_claim=low, note="An editor's.")
    edited = Claim.objects.get(pk=low.pk)
    edited.value = VALUES[1]
    with django_capture_on_commit_callbacks(execute=True):
        claim_save(claim=edited)
    assert list(ClaimLink.objects.values_list("pk", "detected", "note")) == [
        (editors.pk, False, "An editor's.")
    ]


def test_the_api_tells_a_pending_check_from_no_conflicts(
    django_capture_on_commit_callbacks,
):
    from rest_framework.test import APIClient

    from tests.factories import user_in_group

    editor = user_in_group("Editors")
    api = APIClient()
    api.force_login(editor)
    metric = Metric.objects.create(name="M", slug="m", unit="USD")
    body = {
        "text": "Trade stood at $5 billion in 2012.",
        "quote": "trade stood at $5 billion",
        "document": DocumentFactory(text="").pk,
        "metric": "m",
        "value": "5000000000",
        "unit": "USD",
        "period_start": "2012-01-01",
        "period_end": "2012-12-31",
    }
    # The check runs after commit: until then the claim says it is not checked.
    response = api.post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["conflicts_checked"] is False
    claim_id = response.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        edited = api.patch(
            f"/api/v1/claims/{claim_id}/", {"value": "6000000000"}, format="json"
        )
    assert edited.json()["conflicts_checked"] is False  # answered before the job
    read = api.get(f"/api/v1/claims/{claim_id}/").json()
    assert (read["conflicts_checked"], read["conflicts"]) == (True, [])
    listed = api.get("/api/v1/claims/").json()["results"]
    assert [claim["conflicts_checked"] for claim in listed] == [True]
    # An edit detection does not read keeps the claim checked.
    api.patch(f"/api/v1/claims/{claim_id}/", {"editor_note": "ok"}, format="json")
    assert api.get(f"/api/v1/claims/{claim_id}/").json()["conflicts_checked"]
    assert metric.claims.count() == 1


# Restores ------------------------------------------------------------------------
# Made-up figures for the tests (1 and 8 billion USD in the same year contradict).


def _figure_claim(document, metric, value: Decimal) -> Claim:
    claim = ClaimFactory.build(document=document, metric=metric)
    claim.value, claim.unit = value, "USD"
    claim.period_start, claim.period_end = _year(2012)
    return claim


def _edit_value(claim_id: int, value: Decimal) -> None:
    claim = Claim.objects.get(pk=claim_id)
    claim.value = value
    claim_save(claim=claim)


def test_a_restore_after_a_link_was_dropped_and_detected_again_restores_one_link(
    django_capture_on_commit_callbacks,
):
    # The history then holds two deleted links of one pair: the one detection
    # dropped when the figures agreed, and the one deleted with the claim.
    metric = Metric.objects.create(name="M", slug="m", unit="USD")
    document = DocumentFactory()
    with django_capture_on_commit_callbacks(execute=True):
        low = claim_save(claim=_figure_claim(document, metric, VALUES[0]))
    with django_capture_on_commit_callbacks(execute=True):
        high = claim_save(claim=_figure_claim(document, metric, VALUES[-1]))
    first = ClaimLink.objects.get(detected=True)
    with django_capture_on_commit_callbacks(execute=True):
        _edit_value(low.pk, VALUES[-1])  # agrees: detection drops the link
    assert not ClaimLink.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _edit_value(low.pk, VALUES[0])  # disagrees again: a new link
    second = ClaimLink.objects.get(detected=True)
    assert second.pk != first.pk
    with django_capture_on_commit_callbacks(execute=True):
        claim_delete(claim=Claim.objects.get(pk=low.pk))

    with django_capture_on_commit_callbacks(execute=True):
        claim_restore_deleted(claim_id=low.pk)

    links = ClaimLink.objects.values_list("from_claim_id", "to_claim_id", "detected")
    assert list(links) == [(low.pk, high.pk, True)]
    assert _stored(metric) == _full(metric)
    summary = detect_all_conflicts()
    assert (summary.created, summary.removed) == (0, 0)


def test_a_restore_brings_back_an_editors_link_once_and_never_the_reverse_twice():
    # An editor linked the claims one way, unlinked them, linked them the other way
    # round, then deleted one claim: the restore brings back the last link only.
    document = DocumentFactory()
    claim, other = ClaimFactory(document=document), ClaimFactory(document=document)
    ClaimLinkFactory(from_claim=claim, to_claim=other, note="First.").delete()
    ClaimLinkFactory(from_claim=claim, to_claim=other, note="Again.").delete()
    kept = ClaimLinkFactory(from_claim=other, to_claim=claim, note="Other way.")
    claim_id = claim.pk
    claim_delete(claim=claim)

    claim_restore_deleted(claim_id=claim_id)

    assert list(ClaimLink.objects.values_list("pk", "note")) == [
        (kept.pk, "Other way.")
    ]
