"""Pages stay bounded whatever a metric's size: conflicts in short, charts binned."""

import pytest
from rest_framework.test import APIClient

from claims.api.representations import CONFLICT_REFERENCES
from claims.selectors.conflicts import conflict_references, conflicts_of
from tests.factories import ClaimLinkFactory, FigureClaimFactory, MetricFactory

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
