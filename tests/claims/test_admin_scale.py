"""The claims admin at scale: no full count, estimated status counts, indexed search,
and autocomplete for every foreign key to a large table."""

import pytest
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import flatten_fieldsets
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims.admin import pagination
from claims.models import Claim, ClaimLink, Evidence, Metric
from claims.ratings import Status
from claims.selectors import estimates
from sources.models import Document, Person
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    EvidenceFactory,
    FigureClaimFactory,
    MetricFactory,
    PublisherFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:claims_claim_changelist"
# Tables that grow with the data: a <select> of all their rows would not do.
LARGE_TABLES = {Claim, Document, Person, Metric}


def _counts_whole_table(queries) -> list[str]:
    """Return the paginator's COUNT statements over claims_claim with no LIMIT."""
    return [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper()
        and "claims_claim" in q["sql"]
        and "LIMIT" not in q["sql"].upper()
        and "GROUP BY" not in q["sql"].upper()  # the status filter's (see below)
    ]


def test_an_unfiltered_changelist_counts_exactly_where_there_is_no_estimate(
    admin_client,
):
    ClaimFactory.create_batch(3)
    response = admin_client.get(reverse(CHANGELIST))
    assert response.context["cl"].result_count == 3
    assert "3 claims" in response.content.decode()


def test_a_filtered_changelist_counts_only_up_to_the_cap(admin_client, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    ClaimFactory.create_batch(4, status=Status.IN_REVIEW)
    ClaimFactory(status=Status.UNVERIFIED)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(
            reverse(CHANGELIST), {"status__exact": Status.IN_REVIEW}
        )

    assert response.context["cl"].result_count == 2
    assert "2+ claims" in response.content.decode()
    assert not _counts_whole_table(queries.captured_queries)


def test_a_filtered_changelist_under_the_cap_says_the_exact_count(admin_client):
    ClaimFactory.create_batch(2, status=Status.IN_REVIEW)
    ClaimFactory(status=Status.UNVERIFIED)
    response = admin_client.get(
        reverse(CHANGELIST), {"status__exact": Status.IN_REVIEW}
    )
    assert "2 claims" in response.content.decode()
    assert "2+" not in response.content.decode()


def test_facets_are_never_counted(admin_client):
    ClaimFactory.create_batch(2)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(CHANGELIST), {"_facets": "1"})
    assert response.status_code == 200
    # Facets count each filter's choices with COUNT(...) FILTER (WHERE ...).
    assert not any("FILTER (WHERE" in q["sql"] for q in queries.captured_queries)


@pytest.mark.postgres
def test_the_unfiltered_changelist_and_status_filter_use_estimates_on_postgres(
    on_postgres, admin_client, monkeypatch
):
    monkeypatch.setattr(estimates, "EXACT_BELOW", 1)
    ClaimFactory.create_batch(5, status=Status.IN_REVIEW)
    ClaimFactory.create_batch(3, status=Status.UNVERIFIED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_claim")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(CHANGELIST))

    page = response.content.decode()
    assert "about 8 claims" in page
    assert "In review (~5)" in page
    assert not _counts_whole_table(queries.captured_queries)
    assert not any("GROUP BY" in q["sql"] for q in queries.captured_queries)


def test_a_search_with_a_nul_or_too_many_words_is_answered_not_a_500(admin_client):
    ClaimFactory(text="Exports rose.")
    response = admin_client.get(reverse(CHANGELIST), {"q": "exports\x00 " + "x " * 50})
    assert response.status_code == 200


@pytest.mark.postgres
def test_changelist_search_goes_through_the_text_index_on_postgres(
    on_postgres, admin_client
):
    # "exporting" matches "Exports" only through stemming, as full-text search does.
    wanted = ClaimFactory(text="Exports rose by a tenth.")
    ClaimFactory(text="Imports fell.")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(CHANGELIST), {"q": "exporting"})
    assert list(response.context["cl"].result_list) == [wanted]
    assert any("websearch_to_tsquery" in q["sql"] for q in queries.captured_queries)
    # The capped count reads ids only, not a rank per match.
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"]]
    assert counts
    assert not any("ts_rank" in sql or "<=>" in sql for sql in counts)
    # Not the admin's own search: UPPER(text) LIKE, a scan of every claim.
    assert not any(
        'UPPER("claims_claim"."text"' in q["sql"] for q in queries.captured_queries
    )


def test_claim_autocomplete_searches_with_the_claims_search(admin_client):
    wanted = ClaimFactory(text="Caviar exports doubled.")
    ClaimFactory(text="Oil output fell.")
    link = ClaimLinkFactory()
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "caviar",
            "app_label": "claims",
            "model_name": "claimlink",
            "field_name": "to_claim",
        },
    )
    assert response.status_code == 200
    ids = [int(result["id"]) for result in response.json()["results"]]
    assert ids == [wanted.pk]
    assert link.to_claim.pk not in ids


def _admins_with_forms():
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin
        for inline in model_admin.inlines:
            yield inline.model, inline(model, admin.site)


def _choosable_large_relations():
    """Yield (admin, field) for every editable relation to a large table."""
    for model, model_admin in _admins_with_forms():
        if model._meta.app_label not in {"claims", "sources"}:
            continue
        if hasattr(model, "instance_type"):
            continue  # history rows (deleted claims): read-only
        readonly = set(model_admin.readonly_fields)
        if model_admin.fieldsets:
            shown = set(flatten_fieldsets(model_admin.fieldsets))
        else:
            shown = set(model_admin.fields or [])
        for field in model._meta.get_fields():
            if not isinstance(field, models.ForeignKey | models.ManyToManyField):
                continue
            if field.related_model not in LARGE_TABLES or not field.editable:
                continue
            if field.name in readonly or (shown and field.name not in shown):
                continue
            if (
                isinstance(model_admin, InlineModelAdmin)
                and field.is_relation
                and field.related_model is getattr(model_admin, "parent_model", None)
            ):
                continue  # the inline's own parent, set by the page
            yield model_admin, field


@pytest.mark.parametrize(
    ("model_admin", "field"),
    list(_choosable_large_relations()),
    ids=lambda value: getattr(value, "name", type(value).__name__),
)
def test_every_relation_to_a_large_table_is_chosen_by_autocomplete(model_admin, field):
    assert field.name in model_admin.autocomplete_fields
    target = admin.site._registry[field.related_model]
    assert target.search_fields


def test_the_relations_checked_include_claims_evidence_and_links():
    checked = {(type(a).__name__, f.name) for a, f in _choosable_large_relations()}
    assert ("ClaimAdmin", "document") in checked
    assert ("EvidenceAdmin", "claim") in checked
    assert ("ClaimLinkAdmin", "to_claim") in checked
    assert ("EvidenceInline", "document") in checked


def test_the_claim_change_page_renders_its_relations_as_autocomplete(admin_client):
    evidence = EvidenceFactory()
    ClaimLinkFactory(from_claim=evidence.claim)
    response = admin_client.get(
        reverse("admin:claims_claim_change", args=[evidence.claim.pk])
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("admin-autocomplete") >= 4
    assert Evidence.objects.count() == 1
    assert ClaimLink.objects.count() == 1


def test_links_count_only_up_to_the_cap_and_say_so(admin_client, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    for _ in range(3):
        ClaimLinkFactory(relation=ClaimLink.Relation.CONTRADICTS)
    response = admin_client.get(
        reverse("admin:claims_claimlink_changelist"), {"relation__exact": "contradicts"}
    )
    assert "2+ claim links" in response.content.decode()


def test_a_metric_changelist_keeps_the_plain_count(admin_client):
    response = admin_client.get(reverse("admin:claims_metric_changelist"))
    assert response.status_code == 200
    assert "0 metrics" in response.content.decode()


def test_metric_and_publisher_filters_take_a_typed_value(admin_client):
    metric = MetricFactory(slug="caspian-trade")
    on_metric = FigureClaimFactory(metric=metric, status=Status.IN_REVIEW)
    FigureClaimFactory(status=Status.IN_REVIEW)
    by_publisher = ClaimFactory(
        document=DocumentFactory(publisher=PublisherFactory(name="Tehran Times"))
    )
    url = reverse(CHANGELIST)

    by_slug = admin_client.get(
        url, {"metric": "caspian-trade", "status__exact": "in_review"}
    )
    by_id = admin_client.get(url, {"metric": str(metric.pk)})
    by_name = admin_client.get(url, {"publisher": "tehran"})

    assert list(by_slug.context["cl"].result_list) == [on_metric]
    assert list(by_id.context["cl"].result_list) == [on_metric]
    assert list(by_name.context["cl"].result_list) == [by_publisher]
    page = by_slug.content.decode()
    # A text box keeping the other filters, not a link per metric.
    assert 'name="metric" value="caspian-trade"' in page
    assert 'type="hidden" name="status__exact" value="in_review"' in page
    assert f"?metric__id__exact={metric.pk}" not in page


def test_the_metric_and_publisher_boxes_render_links_for_no_rows(admin_client):
    MetricFactory.create_batch(3)
    response = admin_client.get(reverse(CHANGELIST))
    page = response.content.decode()
    assert 'name="metric"' in page
    assert 'name="publisher"' in page
    assert "metric__id__exact" not in page
