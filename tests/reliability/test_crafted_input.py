"""Crafted input is a 400 naming what was wrong, never a 500 (issue 21).

Ids in bodies given as huge, non-finite or fractional JSON numbers, and cursors
whose position was never issued by the server. The id test walks the served schema,
so a new writable id field is checked without being listed here.
"""

import base64
from urllib.parse import quote

import pytest

from claims.models import Claim, ClaimLink, Evidence
from sources.models import Person, Publisher
from tests.factories import CandidateFactory, FigureClaimFactory
from tests.reliability.conftest import assert_json_error, served_schema
from webhooks.models import Subscription

pytestmark = pytest.mark.django_db

# JSON texts a body can give where an id belongs and no row has one: 1e400 and
# -1e400 parse as float infinities, 1e30 and 2**63 are past every id column, 1.9 is
# not a whole number (it was read as 1), true is a bool (Python's int 1).
CRAFTED_IDS = [
    "1e400",
    "-1e400",
    str(10**30),
    str(-(10**30)),
    str(2**63),
    "1.9",
    "1.0e20",
    "true",
    '"1e400"',
    "0",
]


def _writable_id_fields() -> list[tuple[str, str, str]]:
    """Return (method, path template, field) for every writable integer body field."""
    schema = served_schema()
    components = schema["components"]["schemas"]
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in body:
                continue
            reference = body["application/json"]["schema"]
            if "$ref" in reference:
                fields = components[reference["$ref"].split("/")[-1]]["properties"]
            else:  # an inline schema (a free-form JSON-LD document has none)
                fields = reference.get("properties", {})
            for name, field in fields.items():
                kind = field.get("type")
                if kind == "array":
                    kind = field.get("items", {}).get("type")
                if kind == "integer" and not field.get("readOnly"):
                    found.append((method.upper(), path, name))
    return found


WRITABLE_ID_FIELDS = _writable_id_fields()


def test_the_schema_walk_finds_the_id_fields_the_issue_names():
    found = {(path, field) for _, path, field in WRITABLE_ID_FIELDS}
    for expected in [
        ("/api/v1/claims/match/", "document"),
        ("/api/v1/claims/", "document"),
        ("/api/v1/claims/", "speaker"),
        ("/api/v1/evidence/", "claim"),
        ("/api/v1/links/", "from_claim"),
        ("/api/v1/documents/", "publisher"),
        ("/api/v1/documents/", "authors"),
        ("/api/v1/candidates/{id}/accept/", "link_to"),
        ("/api/v1/candidates/{id}/accept/", "speaker"),
    ]:
        assert expected in found


@pytest.fixture
def rows(db):
    """One row of every kind a detail URL names (test rows, no real claims)."""
    claim = FigureClaimFactory()
    other = FigureClaimFactory(document=claim.document)
    return {
        "claims": Claim.objects.get(pk=claim.pk),
        "documents": claim.document,
        "evidence": Evidence.objects.create(claim=claim, document=claim.document),
        "links": ClaimLink.objects.create(
            from_claim=claim, to_claim=other, relation="same_claim"
        ),
        "candidates": CandidateFactory(document=claim.document),
        "people": Person.objects.create(name="Test person"),
        "publishers": Publisher.objects.create(name="Test publisher"),
        # Made for this test: a subscription to a loopback URL nothing listens on.
        "webhooks": Subscription.objects.create(
            url="http://127.0.0.1:9/made-for-this-test",
            event_types=["claim.verdict.published"],
            secret="whsec_bWFkZS1mb3ItdGhpcy10ZXN0",
        ),
    }


def _url(template: str, rows: dict) -> str:
    resource = template.split("/")[3]
    return template.replace("{id}", str(rows[resource].pk))


@pytest.mark.parametrize("value", CRAFTED_IDS)
@pytest.mark.parametrize(("method", "template", "field"), WRITABLE_ID_FIELDS)
def test_a_crafted_id_in_a_body_is_a_400_naming_the_field(
    root_api, rows, method, template, field, value
):
    # A list field gets the crafted id as its one element, as a client would send.
    crafted = f"[{value}]" if field == "authors" else value
    extra = ', "text": "trade"' if template == "/api/v1/claims/match/" else ""
    response = root_api.generic(
        method,
        _url(template, rows),
        f'{{"{field}": {crafted}{extra}}}',
        content_type="application/json",
    )
    assert_json_error(response, 400, field)


def test_the_issues_match_request_with_document_1e400_is_a_400(root_api):
    response = root_api.generic(
        "POST",
        "/api/v1/claims/match/",
        '{"text": "trade", "document": 1e400}',
        content_type="application/json",
    )
    assert_json_error(response, 400, "document")


@pytest.mark.parametrize("as_text", [False, True])
def test_an_id_as_a_number_or_a_digit_string_still_names_the_row(root_api, as_text):
    document = FigureClaimFactory().document
    value = str(document.pk) if as_text else document.pk
    response = root_api.post(
        "/api/v1/claims/match/", {"text": "trade", "document": value}, format="json"
    )
    assert response.status_code == 200, response.content


# Cursors -------------------------------------------------------------------------

CURSOR_LISTS = [
    ("/api/v1/claims/", {}),
    ("/api/v1/claims/", {"q": "trade"}),
    ("/api/v1/claims/", {"ordering": "claimed_on"}),
    ("/api/v1/claims/", {"ordering": "-period_start"}),
    ("/api/v1/claims/", {"ordering": "updated_at"}),
    ("/api/v1/claims/", {"ordering": "value"}),
    ("/api/v1/claimreview/", {}),
    ("/api/v1/conflicts/", {}),
]
# Positions no page of these lists ever issued: the issue's five, and their kin.
CRAFTED_POSITIONS = [
    "abc",
    "",
    "NaN",
    "%00",
    "Infinity",
    "1e400",
    "2012-01-01x",
    "9999-12-31T23:59:59-14:00",
    "2012-01-01 10:00:00",  # no time zone: no page issues one
]


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


def test_the_issues_cursor_is_the_base64_of_p_abc():
    assert cursor("p=abc") == "cD1hYmM="


@pytest.mark.parametrize("position", CRAFTED_POSITIONS)
@pytest.mark.parametrize(("path", "params"), CURSOR_LISTS)
def test_a_crafted_cursor_position_is_a_400_naming_cursor(
    root_api, path, params, position
):
    FigureClaimFactory()
    response = root_api.get(path, {**params, "cursor": cursor(f"p={position}")})
    assert_json_error(response, 400, "cursor")


@pytest.mark.parametrize("position", ["2012-01-01", str(2**63), "1.5", "1e3"])
@pytest.mark.parametrize(("path", "params"), CURSOR_LISTS[:1] + CURSOR_LISTS[-2:])
def test_a_position_that_is_no_id_on_an_id_ordered_list_is_a_400(
    root_api, path, params, position
):
    response = root_api.get(path, {**params, "cursor": cursor(f"p={position}")})
    assert_json_error(response, 400, "cursor")


def test_a_crafted_cursor_on_a_metrics_figures_is_a_400(root_api):
    claim = FigureClaimFactory()
    response = root_api.get(
        f"/api/v1/metrics/{claim.metric.slug}/figures/",
        {"cursor": cursor(f"p={quote('abc')}")},
    )
    assert_json_error(response, 400, "cursor")


def test_issued_cursors_still_page_through_every_list(root_api):
    for _ in range(3):
        FigureClaimFactory()
    for params in [{}, {"ordering": "claimed_on"}, {"ordering": "value"}]:
        seen = []
        response = root_api.get("/api/v1/claims/", {**params, "page_size": 1})
        while True:
            assert response.status_code == 200, response.content
            seen += [row["id"] for row in response.json()["results"]]
            if not response.json()["next"]:
                break
            response = root_api.get(response.json()["next"])
        assert len(seen) == len(set(seen)) == 3, params
