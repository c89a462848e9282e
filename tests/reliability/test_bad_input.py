"""Bad input: every request gets a 4xx with a JSON message, or is stored exactly.

What tests/claims/test_api_writes.py and test_api.py already cover is not repeated
here (bodies that are not JSON, arrays nested 5000 deep, a 500-digit value string,
"NaN" as a string, claimed_on 0000-00-00 and 9999-12-31, Persian person names,
unknown body fields, the common bad filter values, a body over a lowered limit).

Unknown query parameters are ignored, never refused: links carry parameters of
their own (utm_*), and a client written against a later API version keeps working.
A misspelt filter therefore filters nothing; the schema lists the real ones.

The first section holds the failures the schema fuzzer (test_fuzz.py) found, each
as a plain deterministic test.
"""

import json
import unicodedata
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.urls import reverse
from schemathesis.core.transport import Response as CheckedResponse

from claims.models import Claim, Metric
from claims.ratings import Status
from claims.services.conflicts import detect_metric_conflicts
from sources.models import Document, Person, Publisher
from tests.factories import (
    ClaimFactory,
    ClaimLinkFactory,
    DocumentFactory,
    EvidenceFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
    PublisherFactory,
)
from tests.reliability.conftest import assert_json_error

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims/"
TEN_MB = 10 * 1000 * 1000


def assert_documented(openapi, method: str, template: str, response) -> None:
    """Assert the status, content type and body are ones the schema documents."""
    operation = openapi[template][method]
    documented = operation.definition.raw["responses"]
    assert str(response.status_code) in documented, (
        response.status_code,
        sorted(documented),
    )
    media_type = response["Content-Type"].split(";")[0]
    assert media_type in documented[str(response.status_code)].get("content", {})
    request = requests.Request(
        method, f"http://testserver{response.wsgi_request.get_full_path()}"
    ).prepare()
    operation.validate_response(
        CheckedResponse(
            status_code=response.status_code,
            headers={name.lower(): [value] for name, value in response.items()},
            content=response.content,
            request=request,
            elapsed=0.0,
            verify=False,
        )
    )


def new_claim_body(**overrides) -> dict:
    """Return a valid claim body; `document` and `metric` may be rows or raw values."""
    document = overrides.pop("document", None) or DocumentFactory()
    metric = overrides.pop("metric", None) or MetricFactory()
    body = {
        "text": "Iran-Russia trade fell to $1.5 billion.",
        "quote": "plunging from four billion dollars to $1.5 billion",
        "document": getattr(document, "pk", document),
        "metric": getattr(metric, "slug", metric),
        "value": "1500000000",
        "unit": "USD",
        "comparator": "exact",
        "period_start": "2012-01-01",
        "period_end": "2012-12-31",
    }
    body.update(overrides)
    return body


# Found by the fuzzer ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (CLAIMS, b"\x00"),
        ("/api/v1/auth/token/", b"\xb9\x7f\x17\x14\xe9k\xf0"),
        ("/api/v1/people/", b"{'name': 'single quotes'}"),
    ],
)
def test_a_body_that_is_not_json_gets_a_400_in_the_documented_shape(
    root_api, openapi, path, body
):
    response = root_api.generic("POST", path, body, content_type="application/json")
    assert_json_error(response, 400, "detail")
    assert_documented(openapi, "POST", path, response)


@pytest.mark.parametrize("body", [b"null", b'"text"', b'"my text"', b"42", b"[]"])
@pytest.mark.parametrize("path", [CLAIMS, "/api/v1/documents/", "/api/v1/people/"])
def test_a_json_body_that_is_not_an_object_is_a_400(root_api, path, body):
    response = root_api.generic("POST", path, body, content_type="application/json")
    assert_json_error(response, 400)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (method, f"/api/v1/{resource}/null,null/")
        for resource in ["claims", "documents", "people", "publishers", "evidence"]
        for method in ["PUT", "PATCH", "DELETE"]
    ]
    + [
        ("PATCH", "/api/v1/links/abc/"),
        ("GET", f"{CLAIMS}null,null/history/"),
        ("GET", f"{CLAIMS}null,null/claimreview/"),
    ],
)
def test_an_id_that_is_not_a_number_is_a_404_not_a_500(root_api, method, path):
    response = root_api.generic(
        method, path, json.dumps({"text": "x"}), content_type="application/json"
    )
    assert_json_error(response, 404, "detail")


@pytest.mark.parametrize(
    "path",
    [
        f"{CLAIMS}4.14972814502626e-12/",
        "/api/v1/documents/1.5e-3/",
        "/api/v1/no-such-resource/",
    ],
)
def test_an_api_url_that_matches_no_route_is_a_404_in_json(root_api, path):
    assert_json_error(root_api.get(path), 404, "detail")


@pytest.mark.parametrize("path", [CLAIMS, "/api/v1/claimreview/", "/api/v1/conflicts/"])
def test_a_cursor_that_was_never_issued_is_a_400_naming_cursor(root_api, path):
    response = root_api.get(path, {"cursor": "ë\U000674a6P\U00069dedR"})
    assert_json_error(response, 400, "cursor")


def test_a_bad_filter_with_format_csv_is_answered_in_json(root_api, openapi):
    response = root_api.get(CLAIMS, {"format": "csv", "has_conflicts": "0.5"})
    assert_json_error(response, 400, "has_conflicts")
    assert_documented(openapi, "GET", CLAIMS, response)


def test_an_unknown_format_is_a_400_naming_format(root_api, openapi):
    response = root_api.get(CLAIMS, {"format": "AAA"})
    assert_json_error(response, 400, "format")
    assert_documented(openapi, "GET", CLAIMS, response)


def test_a_document_without_publisher_reads_as_the_schema_says(root_api, openapi):
    claim = ClaimFactory(document=DocumentFactory(publisher=None))
    document = root_api.get(f"/api/v1/documents/{claim.document_id}/")
    assert document.json()["publisher_name"] is None
    assert_documented(openapi, "GET", "/api/v1/documents/{id}/", document)
    read = root_api.get(f"{CLAIMS}{claim.pk}/")
    assert read.json()["document"]["publisher_name"] is None
    assert_documented(openapi, "GET", "/api/v1/claims/{id}/", read)


def test_a_document_created_without_text_is_answered_as_documented(root_api, openapi):
    response = root_api.post("/api/v1/documents/", {"title": "0"}, format="json")
    assert response.status_code == 201, response.content
    assert "ingest" not in response.json()
    assert_documented(openapi, "POST", "/api/v1/documents/", response)


def test_figure_bounds_have_the_six_decimal_places_the_schema_allows(root_api, openapi):
    # 1.234567 widened by 10% is 1.1111103 to 1.3580237: rounded outwards, so the
    # bounds written still hold every value the figure allows.
    claim = FigureClaimFactory(value=Decimal("1.234567"))
    response = root_api.get(f"/api/v1/metrics/{claim.metric.slug}/figures/")
    (figure,) = response.json()["results"]
    assert (figure["low"], figure["high"]) == ("1.111110", "1.358024")
    assert_documented(openapi, "GET", "/api/v1/metrics/{slug}/figures/", response)


def test_a_version_without_user_or_reason_reads_as_the_schema_says(root_api, openapi):
    claim = ClaimFactory()  # no user and no change reason on its history row
    response = root_api.get(f"{CLAIMS}{claim.pk}/history/")
    (version,) = response.json()
    assert (version["user"], version["change_reason"]) == (None, None)
    assert_documented(openapi, "GET", "/api/v1/claims/{id}/history/", response)


# Bodies: size, encoding, nesting ----------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/x-www-form-urlencoded"]
)
def test_a_ten_megabyte_body_is_refused_with_413_in_json(editor_api, content_type):
    body = b'{"text": "' + b"x" * TEN_MB + b'"}'
    if content_type != "application/json":
        body = b"text=" + b"x" * TEN_MB
    for method, path in [("POST", CLAIMS), ("PATCH", f"{CLAIMS}{ClaimFactory().pk}/")]:
        response = editor_api.generic(method, path, body, content_type=content_type)
        detail = assert_json_error(response, 413, "detail")["detail"]
        assert f"{settings.API_MAX_BODY_BYTES} bytes" in detail
    assert Claim.objects.count() == 1


def test_a_ten_megabyte_multipart_body_is_refused_with_413(editor_api):
    response = editor_api.post(CLAIMS, {"text": "x" * TEN_MB}, format="multipart")
    assert_json_error(response, 413, "detail")


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "caf\xe9 au lait", "quote": "q"}',  # Latin-1, not UTF-8
        b'{"text": "\xc0\xaf", "quote": "q"}',  # an overlong encoding of "/"
        b'{"text": "\xed\xa0\x80", "quote": "q"}',  # an encoded surrogate
        b'\xef\xbb\xbf{"text": "t", "quote": "q"}',  # a byte order mark
        b'{"text": "t", "quote": "q"',  # cut off
    ],
)
def test_invalid_utf8_or_truncated_json_is_a_400_and_stores_nothing(editor_api, body):
    response = editor_api.generic("POST", CLAIMS, body, content_type="application/json")
    assert_json_error(response, 400, "detail")
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    ("escaped", "message"),
    [
        ("a\\ud800b", "Surrogate characters are not allowed"),
        ("a\\u0000b", "Null characters are not allowed"),
    ],
)
def test_unstorable_characters_are_a_400_naming_the_field(editor_api, escaped, message):
    # Valid JSON whose string PostgreSQL could not store: refused before the database.
    body = json.dumps(new_claim_body()).replace(
        '"text": "Iran', f'"text": "{escaped}Iran'
    )
    response = editor_api.generic("POST", CLAIMS, body, content_type="application/json")
    errors = assert_json_error(response, 400, "text")
    assert message in errors["text"][0]


def test_objects_nested_a_hundred_thousand_deep_are_a_400(editor_api):
    body = b'{"text": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}"
    response = editor_api.generic("POST", CLAIMS, body, content_type="application/json")
    assert "nested too deeply" in assert_json_error(response, 400, "detail")["detail"]


@pytest.mark.parametrize(
    ("path", "field", "value"),
    [
        (CLAIMS, "text", {"a": {"b": {"c": ["d"] * 3}}}),
        (CLAIMS, "text", ["a", ["b", ["c"]]]),
        (CLAIMS, "value", {"amount": 5}),
        ("/api/v1/people/", "aliases", [["nested"], {"name": "x"}]),
        ("/api/v1/documents/", "authors", [[1]]),
    ],
)
def test_a_structure_where_a_plain_value_belongs_is_a_400_naming_it(
    editor_api, path, field, value
):
    body = {
        CLAIMS: new_claim_body,
        "/api/v1/people/": lambda: {"name": "N"},
        "/api/v1/documents/": lambda: {"title": "T"},
    }[path]()
    body[field] = value
    response = editor_api.post(path, body, format="json")
    assert_json_error(response, 400, field)


# Numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "digits", ["⁰¹²³⁴⁵⁶⁷⁸⁹", "０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"]
)
def test_a_metric_id_in_other_digits_is_a_slug_not_a_500(root_api, digits):
    # "²".isdigit() is True but int("²") fails, while int("٣") is 3: only ASCII
    # digits make an id, anything else is a slug, the same in filters and writes.
    metric = FigureClaimFactory().metric
    written = str(metric.pk).translate(str.maketrans("0123456789", digits))
    for path in [CLAIMS, "/api/v1/conflicts/"]:
        response = root_api.get(path, {"metric": written})
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []
    response = root_api.post(CLAIMS, new_claim_body(metric=written), format="json")
    assert_json_error(response, 400, "metric")


@pytest.mark.parametrize(
    ("field", "literal"),
    [
        ("value", "1" * 500),  # a JSON number, not a string
        ("value", "1e500"),  # parses as float infinity
        ("value", "-1e500"),
        ("value", "1.0000001"),  # seven decimal places, six are kept
        ("value_upper", "1" * 500),
        ("change_percent", "1" * 500),
        ("change_percent", "-100"),
        ("change_percent", "-150.5"),
    ],
)
def test_numbers_that_do_not_fit_are_a_400_naming_the_field(editor_api, field, literal):
    body = json.dumps(new_claim_body())[:-1] + f', "{field}": {literal}}}'
    response = editor_api.generic("POST", CLAIMS, body, content_type="application/json")
    assert_json_error(response, 400, field)
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_json_nan_and_infinity_literals_are_refused(editor_api, literal):
    body = json.dumps(new_claim_body())[:-1] + f', "value_upper": {literal}}}'
    response = editor_api.generic("POST", CLAIMS, body, content_type="application/json")
    assert_json_error(response, 400)
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("document", -1),
        ("document", int("9" * 30)),
        ("document", int("1" * 500)),
        ("speaker", int("9" * 30)),
        ("metric", "9" * 30),
        ("metric", "-1"),
    ],
)
def test_ids_that_are_negative_or_too_big_are_a_400_naming_the_field(
    editor_api, field, value
):
    response = editor_api.post(CLAIMS, new_claim_body(**{field: value}), format="json")
    assert_json_error(response, 400, field)


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        (
            "/api/v1/evidence/",
            {"claim": int("9" * 30), "url": "https://x.org", "stance": "refutes"},
            ["claim"],
        ),
        (
            "/api/v1/links/",
            {"from_claim": -5, "to_claim": int("9" * 30), "relation": "contradicts"},
            ["from_claim", "to_claim"],
        ),
    ],
)
def test_related_ids_out_of_range_on_other_resources_are_a_400(
    editor_api, path, body, fields
):
    assert_json_error(editor_api.post(path, body, format="json"), 400, *fields)


@pytest.mark.parametrize("pk", ["-1", "0", "9" * 30, "1" * 500])
def test_a_path_id_that_is_negative_or_too_big_is_a_404(editor_api, pk):
    for path in [f"{CLAIMS}{pk}/", f"{CLAIMS}{pk}/history/", f"/api/v1/people/{pk}/"]:
        assert_json_error(editor_api.get(path), 404, "detail")
    assert_json_error(
        editor_api.patch(f"{CLAIMS}{pk}/", {"text": "x"}, format="json"), 404
    )


def assert_figure_stored(editor_api, body) -> None:
    response = editor_api.post(CLAIMS, body, format="json")
    assert response.status_code == 201, response.content
    figure = editor_api.get(f"{CLAIMS}{response.json()['id']}/").json()["figure"]
    claim = Claim.objects.get(pk=response.json()["id"])
    for field in ["value", "value_upper"]:
        expected = body.get(field) and Decimal(body[field])
        assert (figure[field] and Decimal(figure[field])) == expected
        assert getattr(claim, field) == expected


@pytest.mark.parametrize(
    ("value", "value_upper", "comparator"),
    [
        ("-5300000000", None, "exact"),
        ("-0.000001", None, "less_than"),
        ("-2000", "-1000", "range"),
        ("123456789.012345", None, "more_than"),  # SQLite keeps 15 digits exactly
    ],
)
def test_negative_and_fractional_values_are_stored_exactly(
    editor_api, value, value_upper, comparator
):
    body = new_claim_body(value=value, value_upper=value_upper, comparator=comparator)
    assert_figure_stored(editor_api, body)


def test_the_largest_value_is_stored_exactly_on_postgres(editor_api, on_postgres):
    # 27 digits; SQLite keeps a decimal as a float, so this is PostgreSQL's only.
    body = new_claim_body(value="999999999999999999999.999999", comparator="exact")
    assert_figure_stored(editor_api, body)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("value", "1000000000000000000000"),
        ("value", "-1000000000000000000000"),
        ("value", "9999999999999999999999.999999"),  # 28 digits: fits the column
        ("value_upper", "9999999999999999999999.999999"),
    ],
)
def test_values_of_10_to_the_21_or_more_are_a_400(editor_api, field, value):
    # Above 1e21 SQLite's float cannot be read back into the column (a 500 on every
    # later read), and the value ordering keeps -1e21 as the place of "no value".
    overrides = {field: value}
    if field == "value_upper":
        overrides |= {"comparator": "range", "value": "1"}
    response = editor_api.post(CLAIMS, new_claim_body(**overrides), format="json")
    assert_json_error(response, 400, field)
    assert Claim.objects.count() == 0


# Dates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("period_start", "0000-00-00"),
        ("period_end", "0000-00-00"),
        ("period_start", "2013-02-30"),
        ("period_end", "10000-01-01"),
        ("period_start", "-0001-01-01"),
        ("claimed_on", "2013-04-23T25:00:00"),
    ],
)
def test_impossible_dates_are_a_400_naming_the_field(editor_api, field, value):
    response = editor_api.post(CLAIMS, new_claim_body(**{field: value}), format="json")
    assert_json_error(response, 400, field)


@pytest.mark.parametrize(
    ("field", "value"),
    [("published_on", "9999-12-31"), ("accessed_on", "0000-00-00")],
)
def test_impossible_document_dates_are_a_400_naming_the_field(editor_api, field, value):
    response = editor_api.post(
        "/api/v1/documents/", {"title": "T", field: value}, format="json"
    )
    assert_json_error(response, 400, field)


@pytest.mark.parametrize(
    ("start", "end"),
    [("9999-01-01", "9999-12-31"), ("0001-01-01", "0001-12-31")],
)
def test_periods_at_the_ends_of_the_calendar_are_refused_and_stored_ones_compared(
    editor_api, start, end
):
    # A period may lie in the future (a forecast), but within the dates a claim
    # allows (sources.models.EARLIEST_DATE to LATEST_DATE). Rows stored before that
    # rule, or by paths that skip it, are still compared: a stated change makes
    # conflict detection look at the period before, which for year 1 does not exist.
    metric = MetricFactory(kind=Metric.Kind.ANNUAL)
    change = {"change_percent": "-40", "change_comparator": "approximately"}
    body = new_claim_body(
        metric=metric, value="2000000000", period_start=start, period_end=end, **change
    )
    response = editor_api.post(CLAIMS, body, format="json")
    assert_json_error(response, 400, "period_start", "period_end")
    assert not Claim.objects.exists()

    stored = [
        FigureClaimFactory(metric=metric, value=10, comparator="exact"),
        FigureClaimFactory(
            metric=metric, value=Decimal("2000000000"), comparator="exact", **change
        ),
    ]
    Claim.objects.filter(pk__in=[claim.pk for claim in stored]).update(
        period_start=start, period_end=end
    )
    # $10 and $2 billion over the same year conflict.
    assert detect_metric_conflicts(metric.pk).created == 1


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("claimed_after", "9999-12-31"),
        ("claimed_before", "0001-01-01"),
        ("period_overlaps_start", "9999-12-31"),
        ("updated_since", "9999-12-31T23:59:59-14:00"),
        ("updated_since", "0001-01-01T00:00:00+14:00"),
    ],
)
def test_filter_dates_at_the_ends_of_the_calendar_never_fail(
    editor_api, parameter, value
):
    ClaimFactory()
    response = editor_api.get(CLAIMS, {parameter: value})
    assert response.status_code in (200, 400), response.content
    assert response.json()


# Query parameters ------------------------------------------------------------


def test_unknown_query_parameters_are_ignored(editor_api):
    claims = ClaimFactory.create_batch(3)
    plain = editor_api.get(CLAIMS).json()["results"]
    noisy = editor_api.get(
        CLAIMS, {"colour": "red", "utm_source": "x", "limit": 1, "stauts": "false"}
    ).json()["results"]
    assert [claim["id"] for claim in noisy] == [claim["id"] for claim in plain]
    assert len(plain) == len(claims)
    detail = editor_api.get(f"{CLAIMS}{claims[0].pk}/", {"colour": "red"})
    assert detail.status_code == 200
    assert editor_api.get("/api/v1/documents/", {"colour": "red"}).status_code == 200


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        (CLAIMS, "publisher", "abc"),
        (CLAIMS, "speaker", "1.5.6"),
        (CLAIMS, "claimed_before", "yesterday"),
        (CLAIMS, "period_overlaps_end", "2013-02-30"),
        (CLAIMS, "value_max", "lots"),
        (CLAIMS, "value_min", "NaN"),
        (CLAIMS, "value_min", "Infinity"),
        (CLAIMS, "value_min", "1e500"),
        (CLAIMS, "value_min", "1" * 500),
        (CLAIMS, "document", "1" * 500),
        (CLAIMS, "page_size", "lots"),
        ("/api/v1/evidence/", "claim", "abc"),
        ("/api/v1/evidence/", "stance", "maybe"),
        ("/api/v1/links/", "relation", "friends"),
        ("/api/v1/links/", "claim", "-"),
        ("/api/v1/documents/", "publisher", "abc"),
        ("/api/v1/documents/", "type", "novel"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_parameter(
    editor_api, path, parameter, value
):
    response = editor_api.get(path, {parameter: value})
    # page_size too (DRF fell back to its default size): issue 21.
    assert_json_error(response, 400, parameter)


@pytest.mark.parametrize(
    "query", ["q=%FF%FE", "q=%00", "unit=%ED%A0%80", "q=" + "x" * 5000]
)
def test_undecodable_or_huge_query_strings_never_fail(editor_api, query):
    ClaimFactory()
    response = editor_api.get(f"{CLAIMS}?{query}")
    assert response.status_code in (200, 400), response.content[:300]
    assert response.json() is not None


# Persian and Arabic text -----------------------------------------------------

PERSIAN = {
    # ZWNJ (U+200C) inside words, Persian digits, a right-to-left mark.
    "text": "حجم تجارت ایران و روسیه در سال ۱۳۹۱ به ۵٫۳ میلیارد دلار رسید\u200f.",
    "quote": "می\u200cگویند تجارت به ۵٫۳ میلیارد دلار رسید",
    "speaker_role": "سفیر ایران در روسیه",
    "period_label": "سال ۱۳۹۱",
    "editor_note": "آمار گمرک\u200cها این را تأیید نمی\u200cکند.",
}
ARABIC = {
    # Diacritics (tashkeel), Arabic-Indic digits and a tatweel.
    "name": "مَهْدِي سَنَائِي",
    "description": "سـفير إيران لدى روسيا ١٢٣",
    "aliases": ["مهدى سنائى", "Mehdi Sanaei"],
}


def test_persian_claim_text_round_trips_exactly(editor_api):
    document = DocumentFactory(
        title="روابط ایران و روسیه", text=f"در متن: {PERSIAN['quote']} و غیره."
    )
    body = new_claim_body(document=document, **PERSIAN)
    response = editor_api.post(CLAIMS, body, format="json")
    assert response.status_code == 201, response.content
    read = editor_api.get(f"{CLAIMS}{response.json()['id']}/").json()
    claim = Claim.objects.get(pk=read["id"])
    for field, value in PERSIAN.items():
        if field == "period_label":
            assert read["figure"][field] == value
        else:
            assert read[field] == value
        assert getattr(claim, field) == value
    assert read["document"]["title"] == "روابط ایران و روسیه"
    csv_text = b"".join(
        editor_api.get(CLAIMS, {"format": "csv"}).streaming_content
    ).decode("utf-8")
    assert PERSIAN["quote"] in csv_text


def test_arabic_person_and_publisher_round_trip_exactly(editor_api):
    response = editor_api.post("/api/v1/people/", ARABIC, format="json")
    assert response.status_code == 201, response.content
    read = editor_api.get(f"/api/v1/people/{response.json()['id']}/").json()
    assert read["name"] == ARABIC["name"]
    assert read["description"] == ARABIC["description"]
    assert sorted(read["aliases"]) == sorted(ARABIC["aliases"])
    publisher = editor_api.post(
        "/api/v1/publishers/", {"name": "وكالة الأنباء"}, format="json"
    )
    assert publisher.status_code == 201
    assert Publisher.objects.get(pk=publisher.json()["id"]).name == "وكالة الأنباء"


def test_text_is_not_unicode_normalized(editor_api):
    decomposed = unicodedata.normalize("NFD", "Café Pérez ﷼ آ")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    response = editor_api.post(
        "/api/v1/people/", {"name": decomposed, "description": "𝔘𝔫𝔦 🇮🇷"}, format="json"
    )
    assert response.status_code == 201
    person = Person.objects.get(pk=response.json()["id"])
    assert (person.name, person.description) == (decomposed, "𝔘𝔫𝔦 🇮🇷")


def test_persian_search_finds_the_claim(editor_api):
    document = DocumentFactory(text=f"در متن: {PERSIAN['quote']} و غیره.")
    found = editor_api.post(
        CLAIMS, new_claim_body(document=document, **PERSIAN), format="json"
    ).json()["id"]
    ClaimFactory()
    response = editor_api.get(CLAIMS, {"q": "روسیه"})
    assert [claim["id"] for claim in response.json()["results"]] == [found]


# SQL and HTML in every text field --------------------------------------------


def hostile(field: str) -> str:
    """Return text that is SQL, HTML, script and template syntax, named by field."""
    return (
        f"{field}'; DROP TABLE claims_claim; --<script>alert('{field}')</script>"
        "<img src=x onerror=alert(1)>{{ 7|add:1 }}"
    )


def raw_script(field: str) -> str:
    return f"<script>alert('{field}')</script>"


def escaped_script(field: str) -> str:
    return f"&lt;script&gt;alert(&#x27;{field}&#x27;)&lt;/script&gt;"


@pytest.fixture
def hostile_claim(editor_api):
    """Write a claim and all it refers to through the API, hostile text everywhere."""
    publisher = editor_api.post(
        "/api/v1/publishers/", {"name": hostile("publisher")}, format="json"
    ).json()
    person = editor_api.post(
        "/api/v1/people/",
        {
            "name": hostile("person"),
            "description": hostile("description"),
            "aliases": [hostile("alias")],
        },
        format="json",
    ).json()
    document = editor_api.post(
        "/api/v1/documents/",
        {
            "title": hostile("title"),
            "publisher": publisher["id"],
            "authors": [person["id"]],
            "published_note": hostile("published_note"),
            "url": "https://news.example.org/?q=<script>&x='1'--",
        },
        format="json",
    ).json()
    # A text for a text-less document at the same URL is ingested into it.
    text = {"text": f"Before. {hostile('quote')} After.", "url": document["url"]}
    assert (
        editor_api.post("/api/v1/documents/", text, format="json").json()["ingest"][
            "status"
        ]
        == "attached"
    )
    metric = editor_api.post(
        "/api/v1/metrics/",
        {
            "name": hostile("metric"),
            "slug": "hostile-metric",
            "unit": "USD",
            "description": hostile("metric_description"),
        },
        format="json",
    ).json()
    fields = ["text", "quote", "speaker_role", "period_label", "editor_note"]
    body = {field: hostile(field) for field in fields} | {
        "document": document["id"],
        "speaker": person["id"],
        "metric": metric["slug"],
        "value": "5300000000",
        "unit": "USD",
        "period_start": "2012-03-20",
        "period_end": "2013-03-20",
        "change_reason": hostile("r"),  # 100 characters at most
    }
    response = editor_api.post(CLAIMS, body, format="json")
    assert response.status_code == 201, response.content
    claim = Claim.objects.get(pk=response.json()["id"])
    EvidenceFactory(claim=claim, note=hostile("evidence"))
    ClaimLinkFactory(from_claim=claim, note=hostile("link"))
    return claim, fields


def test_hostile_text_is_stored_exactly_in_every_field(editor_api, hostile_claim):
    claim, fields = hostile_claim
    read = editor_api.get(f"{CLAIMS}{claim.pk}/").json()
    for field in fields:
        assert getattr(claim, field) == hostile(field)
        shown = read["figure"][field] if field == "period_label" else read[field]
        assert shown == hostile(field)
    assert claim.speaker.name == hostile("person")
    assert claim.speaker.description == hostile("description")
    assert list(claim.speaker.aliases.values_list("name", flat=True)) == [
        hostile("alias")
    ]
    assert claim.document.title == hostile("title")
    assert claim.document.published_note == hostile("published_note")
    assert claim.document.publisher.name == hostile("publisher")
    assert claim.metric.name == hostile("metric")
    assert claim.history.first().history_change_reason == hostile("r")
    assert Claim.objects.filter(pk=claim.pk).exists()  # the table is still there


def test_hostile_text_is_escaped_on_the_public_claim_page(client, hostile_claim):
    claim, _fields = hostile_claim
    Claim.objects.filter(pk=claim.pk).update(
        status=Status.FALSE, rationale=hostile("rationale")
    )
    html = client.get(f"/claims/{claim.pk}/").content.decode()
    assert '<script type="application/ld+json">' in html  # the review is there
    shown = ["text", "quote", "speaker_role", "period_label", "rationale"]
    for field in [*shown, "person", "title", "publisher"]:
        assert raw_script(field) not in html, field
        assert escaped_script(field) in html, field
    assert "{{ 7|add:1 }}" in html  # template syntax in data is never evaluated
    assert "?q=<script>" not in html  # nor is the document's link


def test_hostile_text_is_escaped_on_the_public_metric_page(client, hostile_claim):
    claim, _ = hostile_claim
    html = client.get(f"/metrics/{claim.metric.slug}/").content.decode()
    for field in ["metric", "metric_description", "title", "publisher", "person"]:
        assert raw_script(field) not in html, field
    assert escaped_script("metric") in html


@pytest.mark.parametrize(
    ("model", "field_names"),
    [
        (Claim, ["text", "quote", "speaker_role", "period_label", "editor_note"]),
        (Person, ["person", "description", "alias"]),
        (Document, ["title", "published_note"]),
        (Metric, ["metric", "metric_description"]),
        (Publisher, ["publisher"]),
    ],
    ids=lambda value: getattr(value, "__name__", "-"),
)
def test_hostile_text_is_escaped_in_the_admin(
    admin_client, hostile_claim, model, field_names
):
    claim, _ = hostile_claim
    instance = {
        Claim: claim,
        Person: claim.speaker,
        Document: claim.document,
        Metric: claim.metric,
        Publisher: claim.document.publisher,
    }[model]
    opts = model._meta
    for url in [
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk]),
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for field in field_names:
            assert raw_script(field) not in html, (url, field)
    change = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    ).content.decode()
    assert escaped_script(field_names[0]) in change


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>"]
)
def test_script_urls_are_refused_where_a_link_is_rendered(editor_api, url):
    for path, body in [
        ("/api/v1/documents/", {"title": "T"}),
        ("/api/v1/publishers/", {"name": "P"}),
        ("/api/v1/evidence/", {"claim": ClaimFactory().pk, "stance": "context"}),
    ]:
        response = editor_api.post(path, body | {"url": url}, format="json")
        assert_json_error(response, 400, "url")


def test_hostile_search_text_is_a_search_not_sql(editor_api):
    PublisherFactory()
    ClaimFactory(text="Plain claim.")
    for query in ["'; DROP TABLE claims_claim; --", "ab & | ! ( ) :* <-> cd", "\\ ab"]:
        response = editor_api.get(CLAIMS, {"q": query})
        assert response.status_code == 200, response.content
    # Operators and one-letter words alone mean nothing to search for: a 400 naming q.
    for query in ["a & | ! ( ) :* <-> b", "\\"]:
        assert_json_error(editor_api.get(CLAIMS, {"q": query}), 400, "q")
    assert Claim.objects.count() == 1
    people = editor_api.get("/api/v1/people/", {"search": "' OR 1=1 --"})
    assert people.status_code == 200
    PersonFactory()
    assert people.json()["results"] == []


@pytest.mark.parametrize("resource", ["publishers", "people", "documents"])
def test_a_null_character_in_search_is_a_400_naming_the_parameter(editor_api, resource):
    response = editor_api.get(f"/api/v1/{resource}/", {"search": "a\x00b"})

    assert response.status_code == 400
    assert response.json() == {"search": ["Null characters are not allowed."]}
