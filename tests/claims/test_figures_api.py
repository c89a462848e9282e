"""Conflicts shown on claims, listed, and a metric's figures side by side."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLink, Metric
from claims.services.claims import claim_save
from claims.services.conflicts import detect_all_conflicts
from tests.factories import DocumentFactory, FigureClaimFactory, MetricFactory

pytestmark = pytest.mark.django_db

PERIOD_1391 = {
    "period_start": datetime.date(2012, 3, 20),
    "period_end": datetime.date(2013, 3, 20),
}


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def seeded():
    call_command("loaddata", "seed", verbosity=0)
    detect_all_conflicts()
    return Metric.objects.get(slug="iran-russia-trade-volume")


def test_saving_a_claim_rechecks_its_metric_and_links_the_conflict(
    django_capture_on_commit_callbacks,
):
    metric = MetricFactory(kind=Metric.Kind.ANNUAL)
    high = FigureClaimFactory(metric=metric, value=Decimal("5300000000"), **PERIOD_1391)
    low = FigureClaimFactory.build(
        metric=metric,
        document=DocumentFactory(),
        value=Decimal("2000000000"),
        comparator="exact",
        **PERIOD_1391,
    )
    with django_capture_on_commit_callbacks(execute=True):
        claim_save(claim=low)
    link = ClaimLink.objects.get(relation="contradicts")
    assert {link.from_claim_id, link.to_claim_id} == {high.pk, low.pk}
    assert link.detected

    low.value = Decimal("5000000000")  # now within 10% of "close to 5.3 billion"
    with django_capture_on_commit_callbacks(execute=True):
        claim_save(claim=low)
    assert not ClaimLink.objects.filter(relation="contradicts").exists()


def test_claims_show_their_conflicts_in_list_and_detail(api, seeded):
    detail = api.get("/api/v1/claims/53/").json()
    others = {conflict["claim"] for conflict in detail["conflicts"]}
    assert {56, 17} <= others
    conflict = next(c for c in detail["conflicts"] if c["claim"] == 56)
    assert conflict["figure"] == "$2 billion"
    assert conflict["reason"]
    listed = api.get(
        "/api/v1/claims/", {"metric": seeded.slug, "page_size": 200}
    ).json()
    by_id = {claim["id"]: claim for claim in listed["results"]}
    # The list names them in short; ?expand=conflicts describes them as the detail.
    short = [
        {key: c[key] for key in ("claim", "figure", "period_label")}
        for c in detail["conflicts"]
    ]
    assert by_id[53]["conflicts"] == short[:5]
    assert by_id[53]["conflict_count"] == detail["conflict_count"] == len(short)
    expanded = api.get(
        "/api/v1/claims/",
        {"metric": seeded.slug, "page_size": 200, "expand": "conflicts"},
    ).json()
    by_id = {claim["id"]: claim for claim in expanded["results"]}
    assert by_id[53]["conflicts"] == detail["conflicts"]


def test_conflicts_endpoint_lists_pairs_filtered_by_metric(api, seeded):
    FigureClaimFactory(metric=MetricFactory(slug="elsewhere"))
    page = api.get("/api/v1/conflicts/", {"metric": seeded.slug}).json()
    pairs = {
        frozenset((row["claim"]["id"], row["other"]["id"])) for row in page["results"]
    }
    assert frozenset((53, 56)) in pairs
    assert frozenset((17, 53)) in pairs
    assert all(row["metric"] == seeded.slug for row in page["results"])
    detected = api.get(
        "/api/v1/conflicts/", {"metric": seeded.slug, "detected": "true"}
    )
    assert all(row["detected"] for row in detected.json()["results"])
    assert (
        api.get("/api/v1/conflicts/", {"metric": "elsewhere"}).json()["results"] == []
    )
    assert api.get("/api/v1/conflicts/", {"detected": "perhaps"}).status_code == 400


def test_figures_endpoint_orders_the_metric_by_period_with_bounds(api, seeded):
    response = api.get(f"/api/v1/metrics/{seeded.slug}/figures/")
    assert response.status_code == 200
    rows = response.json()["results"]
    starts = [row["period_start"] or "" for row in rows]
    assert starts == sorted(starts)
    by_claim = {row["claim"]: row for row in rows}
    approx = by_claim[53]
    assert Decimal(approx["low"]) == Decimal("4770000000")
    assert Decimal(approx["high"]) == Decimal("5830000000")
    assert approx["comparator"] == "approximately"
    assert approx["document"]["title"] == "Iran's Relations with Russia"
    assert approx["speaker"]["name"] == "Mehdi Sanaei"
    assert 56 in approx["conflicts"]
    assert set(by_claim) == set(
        Claim.objects.filter(metric=seeded, value__isnull=False).values_list(
            "pk", flat=True
        )
    )


def test_figures_endpoint_query_count_is_constant(api, django_assert_max_num_queries):
    metric = MetricFactory()
    FigureClaimFactory.create_batch(3, metric=metric)
    with django_assert_max_num_queries(4) as few:
        api.get(f"/api/v1/metrics/{metric.slug}/figures/")
    FigureClaimFactory.create_batch(30, metric=metric)
    # Without the kept answer, whose stale versions would cost one query to find.
    caches["default"].clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        rows = api.get(f"/api/v1/metrics/{metric.slug}/figures/").json()["results"]
    assert len(rows) == 33


def test_public_metric_page_draws_and_lists_every_figure(client, seeded):
    page = client.get(reverse("metric-page", args=[seeded.slug]))
    assert page.status_code == 200
    html = page.content.decode()
    # Every figure with at least one period end is drawn, once; the rest are listed.
    drawable = (
        Claim.objects.with_figure()
        .filter(metric=seeded)
        .exclude(period_start__isnull=True, period_end__isnull=True)
    )
    # The page holds the chart twice, drawn for wide and for narrow screens: each
    # draws every figure once.
    charts = re.findall(
        r'<figure class="chart chart-(?:wide|narrow)">(.*?)</figure>', html, re.S
    )
    assert len(charts) == 2
    for chart in charts:
        marks = re.findall(r'class="claim-mark" data-claim-id="(\d+)"', chart)
        assert sorted(map(int, marks)) == sorted(drawable.values_list("pk", flat=True))
    assert 'class="conflict-mark"' in html
    assert "$ billion" in html
    for claim_id in (16, 17, 52, 53, 56):
        assert f'href="/claims/{claim_id}/"' in html


def test_admin_metric_page_shows_the_chart(admin_client, seeded):
    page = admin_client.get(reverse("admin:claims_metric_change", args=[seeded.pk]))
    html = page.content.decode()
    assert "<svg" in html
    assert 'class="claim-mark"' in html


def test_metric_page_escapes_hostile_titles(client):
    metric = MetricFactory(name="<script>alert(1)</script>")
    document = DocumentFactory(title="<img src=x onerror=alert(2)>")
    FigureClaimFactory(metric=metric, document=document)
    html = client.get(reverse("metric-page", args=[metric.slug])).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
