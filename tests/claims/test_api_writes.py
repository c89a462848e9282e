import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from claims.models import Claim, ClaimLink, Evidence, Metric
from claims.ratings import Status
from sources.models import Document, Person, Publisher
from tests.factories import (
    ClaimFactory,
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"


@pytest.fixture
def editor(superuser):
    client = APIClient()
    client.force_login(superuser)
    return client


def new_claim_body(document, metric, /, **overrides):
    body = {
        "text": "Iran-Russia trade fell to $1.5 billion.",
        "quote": "plunging from four billion dollars to $1.5 billion",
        "document": document.pk,
        "metric": metric.slug,
        "value": "1500000000",
        "unit": "USD",
        "comparator": "exact",
        "period_start": "2012-01-01",
        "period_end": "2012-12-31",
        "period_label": "the four years leading up to 2013",
    }
    body.update(overrides)
    return body


def test_anonymous_writes_are_refused_with_401_and_store_nothing():
    document, metric = DocumentFactory(), MetricFactory()
    anonymous = APIClient()
    response = anonymous.post(CLAIMS, new_claim_body(document, metric), format="json")
    assert response.status_code == 401
    assert "WWW-Authenticate" in response
    claim = ClaimFactory()
    assert anonymous.patch(f"{CLAIMS}{claim.pk}/", {"text": "x"}).status_code == 401
    assert anonymous.delete(f"{CLAIMS}{claim.pk}/").status_code == 401
    assert Claim.objects.count() == 1


def test_authenticated_user_without_permission_gets_403():
    client = APIClient()
    client.force_login(UserFactory())
    response = client.post(
        CLAIMS, new_claim_body(DocumentFactory(), MetricFactory()), format="json"
    )
    assert response.status_code == 403


def test_editor_creates_a_claim_and_gets_it_back_with_its_figure(editor, superuser):
    document, metric = DocumentFactory(), MetricFactory(slug="trade")
    response = editor.post(CLAIMS, new_claim_body(document, metric), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["figure"]["display"] == "$1.5 billion"
    assert body["metric"]["slug"] == "trade"
    assert response["ETag"]
    claim = Claim.objects.get(pk=body["id"])
    assert claim.created_by == superuser
    assert claim.claimed_on == document.published_on


def test_metric_may_be_given_by_id(editor):
    document, metric = DocumentFactory(), MetricFactory()
    body = new_claim_body(document, metric, metric=metric.pk)
    assert editor.post(CLAIMS, body, format="json").status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"unit": ""}, "unit", "A value needs a unit."),
        (
            {"comparator": "range", "value_upper": "1000"},
            "value_upper",
            "The upper value must be greater than the value.",
        ),
        (
            {"period_start": "2013-01-01", "period_end": "2012-01-01"},
            "period_end",
            "The period must not end before it starts.",
        ),
        ({"metric": "no-such-metric"}, "metric", "No metric with id or slug"),
        ({"document": 999999}, "document", "Invalid pk"),
        ({"value": "five"}, "value", "A valid number is required."),
        ({"value": "1" * 500}, "value", "Ensure that there are no more than"),
        ({"value": "NaN"}, "value", "A valid number is required."),
        ({"comparator": "roughly"}, "comparator", "is not a valid choice"),
        ({"claimed_on": "9999-12-31"}, "claimed_on", "This date is in the future."),
        ({"claimed_on": "0000-00-00"}, "claimed_on", "Date has wrong format"),
        ({"status": "true-ish"}, "status", "is not a valid choice"),
        ({"text": ""}, "text", "This field may not be blank."),
    ],
)
def test_invalid_claim_is_a_400_naming_the_field_and_stores_nothing(
    editor, overrides, field, message
):
    document, metric = DocumentFactory(), MetricFactory()
    response = editor.post(
        CLAIMS, new_claim_body(document, metric, **overrides), format="json"
    )

    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors
    assert Claim.objects.count() == 0


def test_quote_missing_from_the_document_text_is_a_400(editor):
    document = DocumentFactory(
        text="Trade hardly passed 3 billion dollars in recent years."
    )
    body = new_claim_body(document, MetricFactory(), quote="trade reached 9 billion")
    response = editor.post(CLAIMS, body, format="json")
    assert response.status_code == 400
    assert response.json()["quote"] == [
        "The quote does not appear in the document's text."
    ]


def test_unknown_fields_are_refused_not_dropped(editor):
    body = new_claim_body(
        DocumentFactory(), MetricFactory(), verdict="true", colour="red"
    )
    response = editor.post(CLAIMS, body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "colour": ["Unknown field."],
        "verdict": ["Unknown field."],
    }


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"text": "unterminated', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"[" * 5000 + b"]" * 5000, "application/json"),
    ],
)
def test_malformed_bodies_are_4xx_with_a_json_message(editor, body, content_type):
    response = editor.generic("POST", CLAIMS, body, content_type=content_type)
    assert 400 <= response.status_code < 500
    assert response.json()
    assert Claim.objects.count() == 0


@override_settings(API_MAX_BODY_BYTES=1000)
def test_oversized_body_is_refused_with_413(editor):
    body = new_claim_body(DocumentFactory(), MetricFactory(), text="x" * 2000)
    response = editor.post(CLAIMS, body, format="json")
    assert response.status_code == 413
    assert "larger than 1000 bytes" in response.json()["detail"]


def test_patch_changes_only_the_given_fields_and_records_the_editor(editor, superuser):
    claim = FigureClaimFactory(text="Before.")
    response = editor.patch(f"{CLAIMS}{claim.pk}/", {"text": "After."}, format="json")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.text == "After."
    assert claim.unit == "USD"
    assert claim.updated_by == superuser


def test_patch_that_breaks_a_rule_is_a_400_and_changes_nothing(editor):
    claim = FigureClaimFactory()
    response = editor.patch(
        f"{CLAIMS}{claim.pk}/", {"text": "New", "unit": ""}, format="json"
    )
    assert response.status_code == 400
    assert "unit" in response.json()
    claim.refresh_from_db()
    assert claim.unit == "USD"
    assert claim.text != "New"


def test_put_replaces_the_claim(editor):
    claim = FigureClaimFactory()
    body = new_claim_body(claim.document, claim.metric, text="Replaced.")
    response = editor.put(f"{CLAIMS}{claim.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    claim.refresh_from_db()
    assert (claim.text, claim.value) == ("Replaced.", 1500000000)


def test_setting_a_verdict_records_reviewer_and_time(editor, superuser):
    claim = ClaimFactory(status=Status.IN_REVIEW)
    response = editor.patch(
        f"{CLAIMS}{claim.pk}/",
        {"status": "false", "rationale": "The trade statistics show otherwise."},
        format="json",
    )
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Status.FALSE
    assert claim.reviewed_by == superuser
    assert claim.reviewed_at is not None


def test_delete_removes_the_claim(editor):
    claim = ClaimFactory()
    assert editor.delete(f"{CLAIMS}{claim.pk}/").status_code == 204
    assert not Claim.objects.filter(pk=claim.pk).exists()


def test_deleting_a_document_that_claims_cite_is_a_409_not_a_500(editor):
    claim = ClaimFactory()
    response = editor.delete(f"/api/v1/documents/{claim.document_id}/")
    assert response.status_code == 409
    assert "claims" in response.json()["detail"]
    assert Document.objects.filter(pk=claim.document_id).exists()


# Other resources ------------------------------------------------------------


def test_publisher_crud_and_unique_name(editor):
    created = editor.post(
        "/api/v1/publishers/",
        {
            "name": "AVIM",
            "kind": "think_tank",
            "country": "TR",
            "url": "https://avim.org.tr",
        },
        format="json",
    )
    assert created.status_code == 201
    duplicate = editor.post("/api/v1/publishers/", {"name": "AVIM"}, format="json")
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()
    bad_country = editor.post(
        "/api/v1/publishers/", {"name": "X", "country": "tur"}, format="json"
    )
    assert "country" in bad_country.json()
    pk = created.json()["id"]
    assert (
        editor.patch(
            f"/api/v1/publishers/{pk}/", {"kind": "other"}, format="json"
        ).status_code
        == 200
    )
    assert Publisher.objects.get(pk=pk).kind == "other"


def test_person_aliases_are_written_and_read_as_a_list(editor):
    response = editor.post(
        "/api/v1/people/",
        {"name": "Mehdi Sanaei", "aliases": ["Mahdi Sanaei", "Mehdi SANAEI"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["aliases"] == ["Mahdi Sanaei", "Mehdi SANAEI"]
    pk = response.json()["id"]
    editor.patch(f"/api/v1/people/{pk}/", {"aliases": ["Mahdi Sanaei"]}, format="json")
    assert list(Person.objects.get(pk=pk).aliases.values_list("name", flat=True)) == [
        "Mahdi Sanaei"
    ]
    found = editor.get("/api/v1/people/", {"search": "Mahdi"}).json()["results"]
    assert [person["id"] for person in found] == [pk]


def test_person_wikidata_id_is_validated(editor):
    response = editor.post(
        "/api/v1/people/", {"name": "X", "wikidata_id": "42"}, format="json"
    )
    assert response.status_code == 400
    assert "wikidata_id" in response.json()


def test_persian_names_round_trip_exactly(editor):
    name = "مهدی سنایی"
    response = editor.post(
        "/api/v1/people/", {"name": name, "aliases": ["سنائی"]}, format="json"
    )
    assert response.status_code == 201
    fetched = editor.get(f"/api/v1/people/{response.json()['id']}/").json()
    assert fetched["name"] == name
    assert fetched["aliases"] == ["سنائی"]


def test_document_create_with_authors_and_text_gets_a_checksum(editor):
    author = PersonFactory()
    response = editor.post(
        "/api/v1/documents/",
        {
            "title": "Trade report",
            "authors": [author.pk],
            "type": "report",
            "published_on": "2013-04-01",
            "published_precision": "month",
            "text": "Trade stood close to 5.3 billion dollars.",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["authors"] == [author.pk]
    assert body["published_display"] == "2013-04"
    assert len(body["text_sha256"]) == 64
    listed = editor.get("/api/v1/documents/").json()["results"][0]
    assert "text" not in listed


def test_document_duplicate_url_is_a_400_naming_url(editor):
    DocumentFactory(url="https://example.org/a")
    response = editor.post(
        "/api/v1/documents/",
        {"title": "Again", "url": "https://example.org/a"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"url": ["A current document with this URL exists."]}


def test_metric_detail_is_by_slug_and_slug_is_unique(editor):
    MetricFactory(slug="iran-russia-trade", name="Iran-Russia trade")
    assert (
        editor.get("/api/v1/metrics/iran-russia-trade/").json()["name"]
        == "Iran-Russia trade"
    )
    response = editor.post(
        "/api/v1/metrics/",
        {"name": "Other", "slug": "iran-russia-trade", "unit": "USD"},
        format="json",
    )
    assert response.status_code == 400
    assert "slug" in response.json()
    assert Metric.objects.count() == 1


def test_evidence_and_links_are_filtered_by_claim(editor):
    first, second, third = ClaimFactory.create_batch(3)
    created = editor.post(
        "/api/v1/evidence/",
        {"claim": first.pk, "url": "https://stats.example.org", "stance": "refutes"},
        format="json",
    )
    assert created.status_code == 201
    no_source = editor.post(
        "/api/v1/evidence/", {"claim": first.pk, "stance": "refutes"}, format="json"
    )
    assert no_source.status_code == 400
    assert "url" in no_source.json()
    assert Evidence.objects.count() == 1

    link = editor.post(
        "/api/v1/links/",
        {"from_claim": first.pk, "to_claim": second.pk, "relation": "contradicts"},
        format="json",
    )
    assert link.status_code == 201
    self_link = editor.post(
        "/api/v1/links/",
        {"from_claim": third.pk, "to_claim": third.pk, "relation": "contradicts"},
        format="json",
    )
    assert self_link.status_code == 400
    reverse = editor.post(
        "/api/v1/links/",
        {"from_claim": second.pk, "to_claim": first.pk, "relation": "contradicts"},
        format="json",
    )
    assert reverse.status_code == 400
    assert ClaimLink.objects.count() == 1

    evidence = editor.get("/api/v1/evidence/", {"claim": first.pk}).json()["results"]
    assert len(evidence) == 1
    links = editor.get("/api/v1/links/", {"claim": second.pk}).json()["results"]
    assert [row["id"] for row in links] == [link.json()["id"]]


# Tokens and throttling -------------------------------------------------------


def test_token_from_username_and_password_authorizes_writes():
    UserFactory(username="editor", is_superuser=True, is_staff=True)
    client = APIClient()
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "editor", "password": "correct horse battery staple"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = client.post(
        "/api/v1/metrics/",
        {"name": "Cars", "slug": "cars", "unit": "cars"},
        format="json",
    )
    assert created.status_code == 201


def test_wrong_password_gets_no_token():
    UserFactory(username="editor")
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "editor", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_anonymous_clients_are_throttled_with_retry_after(monkeypatch):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import AnonRateThrottle

    cache.clear()
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "anon": "3/minute"}
    # monkeypatch removes the attribute afterwards: assigning the inherited value
    # back would leave it on AnonRateThrottle, shadowing later patches of its base.
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", rates)
    try:
        client = APIClient()
        statuses = [client.get("/api/v1/metrics/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        last = client.get("/api/v1/metrics/")
        assert int(last["Retry-After"]) > 0
    finally:
        cache.clear()
