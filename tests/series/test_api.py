"""The official-statistics API: loads as jobs, series, links, a claim's comparisons.

Official values here are MADE UP FOR THE TESTS (files in the real formats).
"""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.test import APIClient

from claims.models import Evidence, Metric
from factcheck.jobs.models import Job
from series.models import Comparison, MetricSeriesLink, Observation, Vintage
from tests.factories import FigureClaimFactory, MetricFactory, user_in_group

from . import samples
from .test_comparisons import annual, compared, link, load

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/series/imports/"


@pytest.fixture
def editor_api():
    api = APIClient()
    api.force_login(user_in_group("Editors"))
    return api


def upload(api, capture, content, format, name="answer.json", **fields):
    with capture(execute=True):
        return api.post(
            IMPORTS,
            {"file": SimpleUploadedFile(name, content), "format": format, **fields},
            format="multipart",
        )


def test_an_upload_is_loaded_by_a_job(editor_api, django_capture_on_commit_callbacks):
    content = samples.comtrade_file(samples.comtrade_record())
    response = upload(
        editor_api, django_capture_on_commit_callbacks, content, "comtrade-json"
    )
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.state == "succeeded"
    assert job.result["records"] == 1
    assert job.result["nothing_new"] is False
    assert Observation.objects.count() == 1


def test_the_same_upload_twice_stores_nothing_new_and_says_so(
    editor_api, django_capture_on_commit_callbacks
):
    content = samples.comtrade_file(samples.comtrade_record())
    upload(editor_api, django_capture_on_commit_callbacks, content, "comtrade-json")
    response = upload(
        editor_api, django_capture_on_commit_callbacks, content, "comtrade-json"
    )
    job = Job.objects.get(pk=response.json()["id"])
    assert job.result["nothing_new"] is True
    assert job.result["summary"].startswith("Nothing new")
    assert Vintage.objects.count() == 1


def test_a_bad_record_fails_the_job_naming_it_and_stores_nothing(
    editor_api, django_capture_on_commit_callbacks
):
    content = samples.comtrade_file(
        samples.comtrade_record(), samples.comtrade_record(partnerISO="QQQ")
    )
    response = upload(
        editor_api, django_capture_on_commit_callbacks, content, "comtrade-json"
    )
    job = Job.objects.get(pk=response.json()["id"])
    assert job.state == "failed"
    assert job.error_input == "record 2 partnerISO"
    assert "'QQQ' is not an ISO 3166 alpha-3 code" in job.error
    assert not Observation.objects.exists()


def test_an_unknown_format_is_a_400_naming_the_field(editor_api):
    response = editor_api.post(
        IMPORTS,
        {"file": SimpleUploadedFile("a.json", b"{}"), "format": "excel"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "format" in response.json()


def test_the_csv_format_needs_its_series_named(editor_api):
    response = editor_api.post(
        IMPORTS,
        {"file": SimpleUploadedFile("a.csv", samples.TIDY_CSV), "format": "csv"},
        format="multipart",
    )
    assert response.status_code == 400
    assert "dataset" in response.json()


def test_anonymous_clients_cannot_load(client):
    response = client.post(
        IMPORTS,
        {"file": SimpleUploadedFile("a.json", b"{}"), "format": "comtrade-json"},
    )
    assert response.status_code in {401, 403}


def test_series_are_filtered_by_reporter_partner_indicator_and_period(
    client, django_assert_max_num_queries
):
    load(
        annual("RUS", "IRN", "X", 2011, 1000),
        annual("RUS", "IRN", "X", 2012, 1100),
        annual("RUS", "IRN", "M", 2012, 500),
        annual("IRN", "RUS", "X", 2012, 490),
    )
    url = "/api/v1/series/?reporter=RUS&partner=IRN&indicator=X&period_start=2012-01-01"
    with django_assert_max_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200
    (series,) = response.json()["results"]
    assert (series["reporter"], series["partner"], series["indicator"]) == (
        "RUS",
        "IRN",
        "X",
    )
    assert [o["period_start"] for o in series["observations"]] == ["2012-01-01"]
    assert series["observations"][0]["vintage"] == 1


@pytest.mark.parametrize("limit", [1, 10])
def test_the_series_list_queries_do_not_grow_with_the_page(
    client, django_assert_max_num_queries, limit
):
    load(
        *[annual("RUS", partner, "X", 2012, 1000) for partner in ("IRN", "CHN", "TUR")]
    )
    with django_assert_max_num_queries(3):
        response = client.get(f"/api/v1/series/?limit={limit}")
    assert response.status_code == 200


def test_a_bad_filter_value_is_a_400(client):
    response = client.get("/api/v1/series/?period_start=2012-13-01")
    assert response.status_code == 400


def test_a_claims_official_comparisons_in_one_query(client, django_assert_num_queries):
    metric = MetricFactory(kind=Metric.Kind.ANNUAL)
    link(metric)
    link(metric, "IRN", "RUS", role="mirror")
    load(
        annual("RUS", "IRN", "X", 2012, 1000),
        annual("RUS", "IRN", "M", 2012, 500),
        annual("IRN", "RUS", "X", 2012, 480),
        annual("IRN", "RUS", "M", 2012, 1070),
    )
    claim = FigureClaimFactory(
        metric=metric,
        value=Decimal(1500),
        comparator="exact",
        period_start=date(2012, 1, 1),
        period_end=date(2012, 12, 31),
    )
    compared(claim)
    with django_assert_num_queries(1):
        response = client.get(f"/api/v1/claims/{claim.pk}/official/")
    assert response.status_code == 200
    rows = response.json()
    assert [row["reporter"] for row in rows] == ["IRN", "RUS"]
    russia = rows[1]
    for field in (
        "series",
        "reporter",
        "partner",
        "period_start",
        "period_end",
        "official_value",
        "stated_value",
        "ratio",
        "assessment",
        "notes",
        "vintage",
    ):
        assert field in russia
    assert Decimal(russia["official_value"]) == Decimal(1500)
    assert russia["assessment"] == "consistent"
    assert russia["vintage"]["number"] == 1


def test_official_of_a_missing_claim_is_a_404(client):
    assert client.get("/api/v1/claims/999999/official/").status_code == 404


def test_editors_link_a_metric_over_the_api_and_bad_terms_are_a_400(editor_api):
    metric = MetricFactory()
    load(annual("RUS", "IRN", "X", 2012, 1000))  # makes the comtrade dataset
    body = {
        "metric": metric.slug,
        "dataset": "comtrade",
        "reporter": "RUS",
        "role": "reported",
        "terms": [{"indicator": "X", "partner": "IRN"}],
    }
    response = editor_api.post("/api/v1/series-links/", body, format="json")
    assert response.status_code == 201, response.content
    assert MetricSeriesLink.objects.get().terms == [
        {"indicator": "X", "partner": "IRN"}
    ]
    body["role"] = "mirror"
    body["terms"] = [{"indicator": "X", "partner": "ZZZ"}]
    response = editor_api.post("/api/v1/series-links/", body, format="json")
    assert response.status_code == 400
    assert "terms" in response.json()


@pytest.mark.parametrize(
    "terms",
    [
        [{"indicator": "X\u0000", "partner": "IRN"}],
        [{"indicator": "X", "partner": "IRN", "no\u0000te": "x"}],
    ],
)
def test_a_null_character_in_the_terms_is_a_400_naming_them(editor_api, terms):
    # PostgreSQL's jsonb cannot hold \u0000: this was a 500 there (found by the
    # schemathesis chains of tests/reliability/test_fuzz.py); SQLite stored it.
    metric = MetricFactory()
    load(annual("RUS", "IRN", "X", 2012, 1000))
    body = {"metric": metric.slug, "dataset": "comtrade", "reporter": "RUS"}
    response = editor_api.post(
        "/api/v1/series-links/", body | {"terms": terms}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "null character" in response.json()["terms"][0]
    assert not MetricSeriesLink.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("metric", "iran\u0000trade", "null character"),
        ("dataset", "comtrade\u0000", "null character"),
        ("metric", "trade\ud83d", "lone surrogate"),
        ("terms", [{"indicator": "X\udc00", "partner": "IRN"}], "lone surrogate"),
    ],
)
def test_a_key_or_term_the_database_cannot_compare_is_a_400_naming_it(
    editor_api, field, value, words
):
    # Made-up keys. A null character in a slug was a 500 on PostgreSQL (found by
    # the schemathesis chains): the lookup's text cannot hold it.
    metric = MetricFactory()
    load(annual("RUS", "IRN", "X", 2012, 1000))
    body = {
        "metric": metric.slug,
        "dataset": "comtrade",
        "reporter": "RUS",
        "terms": [{"indicator": "X", "partner": "IRN"}],
    }
    # json.dumps escapes a lone surrogate (\\ud83d), as a client's JSON would.
    response = editor_api.post(
        "/api/v1/series-links/",
        json.dumps(body | {field: value}),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert words in response.json()[field][0]
    assert not MetricSeriesLink.objects.exists()


def test_a_comparison_is_recorded_as_evidence_over_the_api(editor_api):
    metric = MetricFactory(kind=Metric.Kind.ANNUAL)
    link(metric)
    load(annual("RUS", "IRN", "X", 2012, 1000), annual("RUS", "IRN", "M", 2012, 500))
    claim = FigureClaimFactory(
        metric=metric,
        value=Decimal(1500),
        comparator="exact",
        period_start=date(2012, 1, 1),
        period_end=date(2012, 12, 31),
    )
    (comparison,) = compared(claim)
    response = editor_api.post(f"/api/v1/comparisons/{comparison.pk}/evidence/")
    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get(pk=response.json()["evidence"])
    assert evidence.claim_id == claim.pk
    assert evidence.stance == Evidence.Stance.SUPPORTS


def test_a_comparison_without_an_official_value_is_not_evidence(editor_api):
    metric = MetricFactory(kind=Metric.Kind.ANNUAL)
    link(metric)
    claim = FigureClaimFactory(metric=metric)
    (comparison,) = compared(claim)
    response = editor_api.post(f"/api/v1/comparisons/{comparison.pk}/evidence/")
    assert response.status_code == 400
    assert Comparison.objects.filter(pk=comparison.pk).exists()


def _comtrade_over(size: int) -> bytes:
    # Made-up values: one record a year for as many years as make `size` bytes.
    records = [
        samples.comtrade_record(refYear=year, period=str(year), primaryValue=year)
        for year in range(1990, 1990 + size // 100)
    ]
    return samples.comtrade_file(*records)


# 1,000: refused by the declared length, unread; 200,000: the body is let through
# and the file is stopped as it is read.
@pytest.mark.parametrize("margin", [1000, 200_000])
def test_an_oversized_upload_is_a_413_naming_the_limit_and_the_command(
    editor_api, django_capture_on_commit_callbacks, settings, margin
):
    settings.INGEST_MAX_BYTES = 1000
    settings.MULTIPART_FIELDS_MAX_BYTES = margin
    content = _comtrade_over(2000)
    assert 2000 < len(content) < 200_000
    response = upload(
        editor_api, django_capture_on_commit_callbacks, content, "comtrade-json"
    )
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "INGEST_MAX_BYTES (1000 bytes)" in detail or (
        "larger than 1000 bytes (INGEST_MAX_BYTES)" in detail
    ), detail
    assert "manage.py load_series FILE --format FORMAT" in detail
    assert not Observation.objects.exists()


def test_the_command_the_413_names_loads_a_file_over_the_upload_limit(
    settings, tmp_path
):
    settings.INGEST_MAX_BYTES = 1000
    path = tmp_path / "answer.json"
    path.write_bytes(_comtrade_over(2000))
    assert path.stat().st_size > 2000
    call_command(
        "load_series", str(path), "--format", "comtrade-json", stdout=io.StringIO()
    )
    assert Observation.objects.count() == 2000 // 100


def test_the_openapi_schema_documents_the_series_endpoints(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in (
        "/api/v1/series/",
        "/api/v1/series/imports/",
        "/api/v1/claims/{id}/official/",
        "/api/v1/series-links/",
        "/api/v1/comparisons/{id}/evidence/",
    ):
        assert path in schema["paths"], path
