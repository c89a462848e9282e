"""Pages stay bounded whatever a metric's size: conflicts in short, charts thinned
by pixel."""

import datetime
import random
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from claims.api.representations import CONFLICT_REFERENCES
from claims.charts import NARROW, WIDE
from claims.models import Claim, ClaimLink, Comparator
from claims.ratings import Status
from claims.selectors.conflicts import conflict_references, conflicts_of
from tests.factories import (
    ClaimLinkFactory,
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
)

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def contested():
    """A claim that 12 others on its metric contradict, and one that only it does."""
    metric = MetricFactory()
    claim = FigureClaimFactory(metric=metric)
    others = FigureClaimFactory.create_batch(12, metric=metric)
    for index, other in enumerate(others):
        if index % 2:
            ClaimLinkFactory(from_claim=claim, to_claim=other)
        else:
            ClaimLinkFactory(from_claim=other, to_claim=claim)
    return claim, others


def test_conflict_references_are_cut_in_the_database_and_counted(contested):
    claim, others = contested
    references, counts = conflict_references([claim.pk, others[0].pk], 5)
    assert counts == {claim.pk: 12, others[0].pk: 1}
    full = conflicts_of([claim.pk])[claim.pk]
    assert references[claim.pk] == [
        {key: c[key] for key in ("claim", "figure", "period_label")} for c in full[:5]
    ]
    assert references[others[0].pk] == [
        {
            "claim": claim.pk,
            "figure": "$5.3 billion (approx.)",
            "period_label": "last year",
        }
    ]
    assert conflict_references([], 5) == ({}, {})


def test_the_list_names_a_few_conflicts_and_counts_them_all(api, contested):
    claim, _ = contested
    listed = api.get(CLAIMS, {"page_size": 200}).json()["results"]
    item = next(c for c in listed if c["id"] == claim.pk)
    assert item["conflict_count"] == 12
    assert len(item["conflicts"]) == CONFLICT_REFERENCES
    assert set(item["conflicts"][0]) == {"claim", "figure", "period_label"}
    detail = api.get(f"{CLAIMS}{claim.pk}/").json()
    assert detail["conflict_count"] == len(detail["conflicts"]) == 12
    assert "reason" in detail["conflicts"][0]


def test_expand_conflicts_describes_them_all_in_the_list(api, contested):
    claim, _ = contested
    listed = api.get(CLAIMS, {"page_size": 200, "expand": "conflicts"}).json()
    item = next(c for c in listed["results"] if c["id"] == claim.pk)
    assert item["conflicts"] == api.get(f"{CLAIMS}{claim.pk}/").json()["conflicts"]


@pytest.mark.parametrize("value", ["everything", "conflicts,document"])
def test_an_unknown_expansion_is_a_400_naming_expand(api, contested, value):
    response = api.get(CLAIMS, {"expand": value})
    assert response.status_code == 400
    assert "expand" in response.json()


def test_figures_name_a_few_conflicts_and_count_them(api, contested):
    claim, _ = contested
    page = api.get(f"/api/v1/metrics/{claim.metric.slug}/figures/").json()
    row = next(r for r in page["results"] if r["claim"] == claim.pk)
    assert row["conflict_count"] == 12
    assert len(row["conflicts"]) == CONFLICT_REFERENCES


@pytest.mark.parametrize("page_size", [2, 200])
def test_list_queries_do_not_grow_with_conflicts_or_page_size(
    api, contested, django_assert_num_queries, page_size
):
    for expand in ({}, {"expand": "conflicts"}):
        with django_assert_num_queries(3):  # version, page, conflicts
            response = api.get(CLAIMS, {"page_size": page_size, **expand})
        assert response.status_code == 200


def test_the_schema_documents_expand_and_the_short_conflicts(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    parameters = schema["paths"]["/api/v1/claims/"]["get"]["parameters"]
    expand = next(p for p in parameters if p["name"] == "expand")
    assert expand["schema"]["enum"] == ["conflicts"]
    reference = schema["components"]["schemas"]["ClaimConflictReference"]
    assert set(reference["properties"]) == {"claim", "figure", "period_label"}


# Public pages -------------------------------------------------------------


def big_metric(claims: int, documents: int = 3):
    """Return a metric with `claims` figures over 40 years, and 200 conflicts."""
    metric = MetricFactory(name="Trade <b>volume</b>")
    sources = [DocumentFactory() for _ in range(documents)]
    Claim.objects.bulk_create(
        Claim(
            text=f"Trade stood at {index} dollars.",
            quote=f"trade stood at {index}",
            document=sources[index % documents],
            metric=metric,
            value=Decimal(1_000_000 + index * 1000),
            unit="USD",
            comparator=Comparator.EXACT,
            period_start=datetime.date(1980 + index % 40, 1, 1),
            period_end=datetime.date(1980 + index % 40, 12, 31),
            period_label=f"year {1980 + index % 40}",
        )
        for index in range(claims)
    )
    ids = list(
        Claim.objects.filter(metric=metric).order_by("pk").values_list("pk", flat=True)
    )
    ClaimLink.objects.bulk_create(
        ClaimLink(
            from_claim_id=ids[0],
            to_claim_id=other,
            relation=ClaimLink.Relation.CONTRADICTS,
        )
        for other in ids[1:201]
    )
    return metric, ids


def _mark_counts(svg: str) -> list[int]:
    """Return the count of every claim mark and group mark of one drawing."""
    return [
        int(count)
        for count in re.findall(
            r'class="(?:claim|group)-mark"[^>]*data-count="(\d+)"', svg
        )
    ]


def _drawings(html: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", html, flags=re.S)


def test_a_12000_claim_metric_page_is_bounded(client, django_assert_max_num_queries):
    metric, ids = big_metric(12_000)
    with django_assert_max_num_queries(12):
        page = client.get(f"/metrics/{metric.slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert len(page.content) < 300_000
    wide, narrow = _drawings(html)
    # Every figure is in some mark's count, in both drawings.
    assert sum(_mark_counts(wide)) == sum(_mark_counts(narrow)) == 12_000
    assert 'class="group-mark"' in wide
    assert len(_mark_counts(wide)) <= WIDE.max_marks
    assert len(_mark_counts(narrow)) <= NARROW.max_marks
    assert html.count('<a href="/claims/') <= 50 + 50 * 6  # claims, conflicts, more
    assert "and 195 more" in html
    assert "<b>volume</b>" not in html  # escaped in the chart and the page
    last = client.get(f"/metrics/{metric.slug}/", {"page": 240})
    assert last.status_code == 200
    assert f'href="/claims/{ids[-1]}/"' in last.content.decode()


def scattered_metric(claims: int, documents: int) -> tuple[str, int]:
    """Return a metric's slug with `claims` figures as a benchmark database has them
    (made up, seeded): a document each, a year's period over 20 years, values
    anywhere over two orders of magnitude, a long text, three conflicts a claim."""
    rnd = random.Random(7)
    metric = MetricFactory(unit="USD")
    sources = DocumentFactory.create_batch(documents)
    rows = Claim.objects.bulk_create(
        Claim(
            text=f"Trade between the two countries reached {index} " + "words " * 300,
            quote="trade reached",
            document=sources[index % documents],
            metric=metric,
            value=Decimal(rnd.randint(10, 9999)) * 10**7,
            unit="USD",
            comparator=rnd.choice([Comparator.EXACT, Comparator.APPROXIMATELY]),
            period_start=datetime.date(2005 + index % 20, 1, 1),
            period_end=datetime.date(2005 + index % 20, 12, 31),
            period_label="last year",
        )
        for index in range(claims)
    )
    pairs = {tuple(sorted(rnd.sample(range(claims), 2))) for _ in range(3 * claims)}
    ClaimLink.objects.bulk_create(
        ClaimLink(
            from_claim=rows[low],
            to_claim=rows[high],
            relation=ClaimLink.Relation.CONTRADICTS,
        )
        for low, high in pairs
    )
    return metric.slug, claims


@pytest.mark.parametrize(("claims", "documents"), [(245, 245), (5000, 800)])
def test_a_metric_page_stays_under_300_kb_with_every_figure_counted(
    client, claims, documents
):
    # At 245 claims the page was 434 KB: a mark, a label and the whole text per
    # claim, every conflict a line, every document in the legend, drawn twice.
    slug, claims = scattered_metric(claims, documents)
    page = client.get(f"/metrics/{slug}/")
    assert page.status_code == 200
    assert len(page.content) < 300_000, len(page.content)
    html = page.content.decode()
    wide, narrow = _drawings(html)
    assert sum(_mark_counts(wide)) == claims
    assert sum(_mark_counts(narrow)) == claims
    assert len(_mark_counts(wide)) <= WIDE.max_marks
    assert len(_mark_counts(narrow)) <= NARROW.max_marks
    assert wide.count('class="conflict-mark"') <= WIDE.max_conflict_lines
    assert "conflicting pairs are not drawn as lines" in wide
    assert f"{claims} figures" in html  # the table, paged, lists each
    assert "words " * 60 not in html  # a tooltip has the start of a text


def test_claims_on_distinct_pixels_each_get_their_mark(client):
    metric, _ = big_metric(40)  # one a year: no two on the same cell
    html = client.get(f"/metrics/{metric.slug}/").content.decode()
    # Drawn twice: wide, and narrow for a phone (docs/pages.md).
    assert html.count('class="claim-mark"') == 2 * 40
    assert 'class="group-mark"' not in html


def test_claims_on_one_pixel_are_one_mark_with_their_count(client):
    metric, _ = big_metric(3)
    FigureClaimFactory.create_batch(
        5,
        metric=metric,
        value=Decimal("1000000"),
        comparator=Comparator.EXACT,
        period_start=datetime.date(1980, 1, 1),
        period_end=datetime.date(1980, 12, 31),
    )
    wide, narrow = _drawings(client.get(f"/metrics/{metric.slug}/").content.decode())
    for drawing in (wide, narrow):
        # The first of big_metric's claims shares its cell with the five.
        assert sorted(_mark_counts(drawing)) == [1, 1, 6]
        assert "6 figures from $1 million to $1 million" in drawing


@pytest.mark.parametrize("page", ["0", "abc", "241", "-1"])
def test_a_bad_metric_page_number_is_a_400_naming_page(client, page):
    metric, _ = big_metric(12_000 // 50 * 50 // 24)  # 500 claims: 10 pages
    response = client.get(f"/metrics/{metric.slug}/", {"page": page})
    if page == "241":
        assert response.status_code == 400
        response = client.get(f"/metrics/{metric.slug}/", {"page": "11"})
    assert response.status_code == 400
    assert response.content.decode().startswith("page:")


def test_home_page_shows_search_verdicts_contested_metrics_and_links(client):
    contested = FigureClaimFactory(
        metric=MetricFactory(name="<i>Contested</i>"),
        status=Status.FALSE,
        reviewed_at=timezone.now(),
    )
    ClaimLinkFactory(
        from_claim=contested, to_claim=FigureClaimFactory(metric=contested.metric)
    )
    FigureClaimFactory(metric=MetricFactory(name="Quiet"))
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form class="search" method="get" action="/search/"' in html
    assert 'name="q"' in html
    assert f'href="/claims/{contested.pk}/"' in html
    assert "&lt;i&gt;Contested&lt;/i&gt;</a> · 1 conflict<" in html
    assert "Quiet" not in html
    for link in ('href="/api/docs/"', 'href="/admin/"'):
        assert link in html
    assert "<script" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_home_page_is_cached_by_version_and_sees_a_write_at_once(
    client, django_assert_num_queries
):
    first = client.get("/")
    with django_assert_num_queries(1):
        again = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    with django_assert_num_queries(1):
        assert client.get("/").content == first.content
    claim = FigureClaimFactory(
        status=Status.FALSE, text="A fresh verdict.", reviewed_at=timezone.now()
    )
    Claim.objects.filter(pk=claim.pk).update(text="A fresh verdict, edited.")
    fresh = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200
    assert "A fresh verdict, edited." in fresh.content.decode()
    assert "public" in fresh["Cache-Control"]


def test_public_claim_page_is_cached_and_sees_a_bulk_update(client):
    claim = FigureClaimFactory()
    url = f"/claims/{claim.pk}/"
    assert "Bulk edited." not in client.get(url).content.decode()
    Claim.objects.filter(pk=claim.pk).update(text="Bulk edited.")
    assert "Bulk edited." in client.get(url).content.decode()
    assert client.get("/claims/999999/").status_code == 404


def test_home_page_counts_conflicts_over_the_latest_ones_only(client, monkeypatch):
    monkeypatch.setattr("claims.pages.HOME_CONFLICT_WINDOW", 2)
    old, new = MetricFactory(name="Old quarrel"), MetricFactory(name="New quarrel")
    for metric in (old, old, new, new):
        ClaimLinkFactory(
            from_claim=FigureClaimFactory(metric=metric),
            to_claim=FigureClaimFactory(metric=metric),
        )
    html = client.get("/").content.decode()
    assert "New quarrel</a> · 2 conflicts" in html
    assert "Old quarrel" not in html
    assert "Among the latest 2 conflicts found." in html


def test_home_page_lists_the_latest_verdicts_newest_first(client):
    now = timezone.now()
    for days, text in ((3, "Oldest verdict."), (1, "Newest verdict."), (2, "Middle.")):
        FigureClaimFactory(
            status=Status.FALSE, text=text, reviewed_at=now - timedelta(days=days)
        )
    FigureClaimFactory(text="Not reviewed.")
    html = client.get("/").content.decode()
    positions = [html.index(text) for text in ("Newest", "Middle", "Oldest")]
    assert positions == sorted(positions)
    assert "Not reviewed." not in html
