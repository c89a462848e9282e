"""The OpenAPI schema tells the truth: each test reads the generated schema and
checks that the API behaves as it says (factcheck/schema.py)."""

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from factcheck.api.pagination import MAX_OFFSET, MAX_PAGE_SIZE
from tests.factories import (
    ClaimLinkFactory,
    EvidenceFactory,
    FigureClaimFactory,
    PersonFactory,
    PublisherFactory,
    UserFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema, method=None):
    for path, items in schema["paths"].items():
        for verb, operation in items.items():
            if method is None or verb == method:
                yield path, verb, operation


@pytest.fixture
def rows():
    """One row of each kind (made for these tests), and each GET path filled in."""
    claim = FigureClaimFactory(status="disputed", rationale="Test verdict.")
    link = ClaimLinkFactory(from_claim=claim)
    evidence = EvidenceFactory(claim=claim)
    return {
        "{id}": {
            "claims": claim.pk,
            "documents": claim.document_id,
            "evidence": evidence.pk,
            "links": link.pk,
            "people": PersonFactory().pk,
            "publishers": PublisherFactory().pk,
        },
        "{slug}": claim.metric.slug,
    }


def concrete(path: str, rows) -> str | None:
    """Return `path` with its parameters filled from `rows`, or None."""
    if "{slug}" in path:
        return path.replace("{slug}", rows["{slug}"])
    if "{id}" in path:
        resource = path.split("/")[3]
        if resource not in rows["{id}"]:
            return None
        return path.replace("{id}", str(rows["{id}"][resource]))
    return path


def test_every_get_answered_anonymously_declares_anonymous_access(schema, rows):
    anonymous = APIClient()
    checked = 0
    for path, _, operation in operations(schema, "get"):
        url = concrete(path, rows)
        if url is None:
            continue
        status = anonymous.get(url).status_code
        assert status in {200, 401, 403, 404}, (url, status)
        if status == 404:
            continue  # no such row for this test (a claim's review, say)
        checked += 1
        assert ({} in operation["security"]) == (status == 200), (path, status)
    assert checked >= 17


def test_writes_still_ask_for_authentication(schema):
    for path, verb, operation in operations(schema):
        if verb in {"put", "patch", "delete"}:
            assert {} not in operation["security"], (verb, path)


def test_offset_and_limit_declare_the_bounds_the_api_enforces(schema):
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in schema["paths"]["/api/v1/people/"]["get"]["parameters"]
    }
    assert parameters["offset"]["minimum"] == 0
    assert parameters["offset"]["maximum"] == MAX_OFFSET
    assert parameters["limit"]["minimum"] == 1
    api = APIClient()
    assert api.get("/api/v1/people/", {"offset": -1}).status_code == 400
    assert api.get("/api/v1/people/", {"offset": MAX_OFFSET}).status_code == 200
    # Larger limits give the largest page, as the schema's description says.
    assert api.get("/api/v1/people/", {"limit": MAX_PAGE_SIZE + 1}).status_code == 200


def test_the_similar_claims_limit_declares_the_bounds_the_api_enforces(schema):
    operation = schema["paths"]["/api/v1/claims/{id}/similar/"]["get"]
    (limit,) = [p["schema"] for p in operation["parameters"] if p["name"] == "limit"]
    claim = FigureClaimFactory()
    url = f"/api/v1/claims/{claim.pk}/similar/"
    api = APIClient()
    assert api.get(url, {"limit": limit["minimum"] - 1}).status_code == 400
    assert api.get(url, {"limit": limit["maximum"]}).status_code == 200
    assert api.get(url, {"limit": limit["maximum"] + 1}).status_code == 400


@pytest.mark.parametrize("value", ["null", "0", "-1", "1.5", "ten", "\u0663"])
def test_a_limit_that_is_not_a_whole_number_from_one_is_a_400_naming_it(value):
    response = APIClient().get("/api/v1/people/", {"limit": value})
    assert response.status_code == 400
    assert "limit" in response.json()


@pytest.mark.parametrize("value", ["null", "0", "-1", "1.5"])
def test_a_page_size_that_is_not_a_whole_number_from_one_is_a_400_naming_it(value):
    response = APIClient().get("/api/v1/claims/", {"page_size": value})
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_request_bodies_that_refuse_unknown_fields_say_so(schema):
    components = schema["components"]["schemas"]
    strict = 0
    for path, verb, operation in operations(schema):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            reference = media["schema"].get("$ref", "")
            if not reference:
                continue
            body = components[reference.rsplit("/", 1)[1]]
            if path != "/api/v1/auth/token/":
                assert body.get("additionalProperties") is False, (verb, path)
                strict += 1
    assert strict > 20
    editor = user_in_group("Editors")
    api = APIClient()
    api.force_login(editor)
    response = api.post("/api/v1/people/", {"name": "Test", "colour": 1}, format="json")
    assert response.status_code == 400
    assert "colour" in response.json()


def test_bodies_are_json_except_where_a_file_is_uploaded(schema):
    for path, verb, operation in operations(schema):
        media = set(operation.get("requestBody", {}).get("content", {}))
        if not media:
            continue
        uploads = {
            "/api/v1/imports/",
            "/api/v1/documents/",
            "/api/v1/series/imports/",
            "/api/v1/reviews/imports/",
            "/api/v1/reviews/validate/",
        }
        if path in uploads and verb == "post":
            assert "multipart/form-data" in media, path
        else:
            assert media == {"application/json"}, (verb, path)


def test_a_multipart_body_is_refused_where_the_schema_offers_none(superuser):
    api = APIClient()
    api.force_login(superuser)
    response = api.post(
        "/api/v1/people/", {"name": "Test", "aliases": "{}"}, format="multipart"
    )
    assert response.status_code == 415
    assert not PersonFactory._meta.model.objects.filter(name="Test").exists()


def test_the_token_endpoint_takes_json(schema):
    UserFactory(username="target", password="correct horse battery staple")
    response = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "target", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    assert "token" in response.json()


@pytest.mark.parametrize("metric", ["", "   "])
def test_an_empty_metric_is_a_400_naming_it(superuser, metric):
    api = APIClient()
    api.force_login(superuser)
    claim = FigureClaimFactory()
    response = api.patch(
        f"/api/v1/claims/{claim.pk}/", {"metric": metric}, format="json"
    )
    assert response.status_code == 400
    assert "metric" in response.json()
    # null is how a claim's metric is removed.
    response = api.patch(f"/api/v1/claims/{claim.pk}/", {"metric": None}, format="json")
    assert response.status_code == 200


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=2)
def test_the_token_endpoints_lockout_is_json_as_the_schema_says(schema):
    UserFactory(username="target")
    api = APIClient()
    for _ in range(3):
        response = api.post(
            "/api/v1/auth/token/",
            {"username": "target", "password": "wrong"},
            format="json",
            REMOTE_ADDR="10.9.8.5",
        )
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert "detail" in response.json()
    declared = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]["429"]
    assert "application/json" in declared["content"]


def test_conditional_reads_declare_if_none_match_and_answer_304(schema, rows):
    api = APIClient()
    checked = 0
    for path, _, operation in operations(schema, "get"):
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        url = concrete(path, rows)
        if url is None:
            continue
        first = api.get(url)
        if first.status_code != 200:
            continue
        conditional = "ETag" in first
        assert ("If-None-Match" in names) == conditional, path
        assert ("304" in operation["responses"]) == conditional, path
        if conditional:
            checked += 1
            assert "ETag" in operation["responses"]["200"]["headers"], path
            again = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
            assert again.status_code == 304, path
    assert checked >= 10


def test_writes_that_check_if_match_declare_it(schema, rows, superuser):
    api = APIClient()
    api.force_login(superuser)
    checked = 0
    for path, _, operation in operations(schema, "patch"):
        url = concrete(path, rows)
        if url is None:
            continue
        names = {parameter["name"] for parameter in operation.get("parameters", [])}
        assert "If-Match" in names, path
        assert "412" in operation["responses"], path
        assert "ETag" in operation["responses"]["200"]["headers"], path
        stale = api.patch(url, {}, format="json", HTTP_IF_MATCH='"stale"')
        assert stale.status_code == 412, path
        checked += 1
    assert checked >= 6


def test_an_empty_metric_slug_in_a_match_is_a_400_naming_it():
    response = APIClient().post(
        "/api/v1/claims/match/", {"text": "trade", "metric": ""}, format="json"
    )
    assert response.status_code == 400
    assert "metric" in response.json()
