"""POST /api/v1/imports/: an import as a job, all rows or none, bad input a 400."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims.models import Claim, ClaimImport, ClaimLink
from claims.services import import_files
from claims.services.exports import CSV_COLUMNS
from factcheck.jobs.models import Job
from tests.claims.test_import_claims import claim_row
from tests.factories import (
    DocumentFactory,
    MetricFactory,
    PersonFactory,
    UserFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports/"


@pytest.fixture
def references():
    return {
        "document": DocumentFactory(),
        "speaker": PersonFactory(),
        "metric": MetricFactory(slug="iran-russia-trade"),
    }


@pytest.fixture
def editor_api():
    api = APIClient()
    api.force_login(user_in_group("Editors"))
    return api


@pytest.fixture
def checked_by_the_job(monkeypatch):
    """Leave every file's rows to its job, as a file over the in-request bound is."""
    monkeypatch.setattr(import_files, "IMPORT_CHECK_IN_REQUEST_ROWS", 0)


def csv_file(rows, name="claims.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(), "text/csv")


def _post(api, capture, data, format="multipart"):
    with capture(execute=True):
        return api.post(IMPORTS, data, format=format)


def test_a_csv_upload_is_imported_by_a_job(
    editor_api, references, django_capture_on_commit_callbacks
):
    rows = [
        claim_row(references, 1),
        claim_row(references, 2, value="9000000000", comparator="exact"),
    ]
    response = _post(
        editor_api, django_capture_on_commit_callbacks, {"file": csv_file(rows)}
    )

    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/api/v1/jobs/{response.json()['id']}/")
    job = editor_api.get(response["Location"]).json()
    assert job["state"] == "succeeded", job
    assert job["kind"] == "claims.import_upload"
    assert job["progress"] == {"done": 2, "total": 2}
    assert job["result"]["created"] == 2
    assert job["result"]["errors"] == []
    assert Claim.objects.count() == 2
    # Detection ran as its own job once the import committed.
    assert ClaimLink.objects.filter(detected=True).count() == 1
    assert set(Claim.objects.values_list("created_by__username", flat=True)) == {
        job["created_by"]
    }


def test_a_jsonl_upload_and_a_json_body_are_imported(
    editor_api, references, django_capture_on_commit_callbacks
):
    lines = "".join(
        json.dumps(claim_row(references, n)) + "\n" for n in (1, 2)
    ).encode()
    upload = SimpleUploadedFile("claims.jsonl", lines, "application/x-ndjson")
    first = _post(editor_api, django_capture_on_commit_callbacks, {"file": upload})
    second = _post(
        editor_api,
        django_capture_on_commit_callbacks,
        {"rows": [claim_row(references, 3)]},
        format="json",
    )

    assert first.status_code == second.status_code == 202
    assert editor_api.get(first["Location"]).json()["result"]["created"] == 2
    assert editor_api.get(second["Location"]).json()["result"]["created"] == 1
    assert Claim.objects.count() == 3
    assert ClaimImport.objects.get(
        pk=json.loads(first.content)["arguments"]["import_id"]
    )


def test_a_bad_row_fails_the_job_naming_line_and_field_and_stores_nothing(
    editor_api, references, django_capture_on_commit_callbacks, checked_by_the_job
):
    rows = [claim_row(references, n) for n in range(1, 5)]
    rows[2] = claim_row(references, 3, period_start="2013-13-45")
    response = _post(
        editor_api, django_capture_on_commit_callbacks, {"file": csv_file(rows)}
    )

    assert response.status_code == 202
    job = editor_api.get(response["Location"]).json()
    assert job["state"] == "failed"
    # Line 4: the header is line 1.
    assert job["error"]["input"] == "line 4"
    assert "period_start" in job["error"]["message"]
    assert job["result"]["created"] == 0
    assert job["result"]["errors"] == [
        {
            "line": 4,
            "fields": {
                "period_start": job["result"]["errors"][0]["fields"]["period_start"]
            },
        }
    ]
    assert Claim.objects.count() == 0
    assert Claim.history.count() == 0


def test_a_bad_json_row_is_named_by_its_position(
    editor_api, references, django_capture_on_commit_callbacks, checked_by_the_job
):
    rows = [claim_row(references, 1), claim_row(references, 2, unit="x" * 300)]
    response = _post(
        editor_api, django_capture_on_commit_callbacks, {"rows": rows}, format="json"
    )
    job = editor_api.get(response["Location"]).json()
    assert job["state"] == "failed"
    assert [(e["line"], list(e["fields"])) for e in job["result"]["errors"]] == [
        (2, ["unit"])
    ]
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "format", "field"),
    [
        ({}, "multipart", "file"),
        ({"file": "not a file"}, "multipart", "file"),
        (
            {"file": SimpleUploadedFile("c.csv", b"\xff\xfe\x00bad", "text/csv")},
            "multipart",
            "file",
        ),
        (
            {"file": SimpleUploadedFile("c.csv", b"  \n", "text/csv")},
            "multipart",
            "file",
        ),
        (
            {"file": SimpleUploadedFile("c.csv", b"a,b\n1,2\n"), "format": "xml"},
            "multipart",
            "format",
        ),
        ({"rows": "claims"}, "json", "rows"),
        ({"rows": []}, "json", "rows"),
        ({"rows": [1, 2]}, "json", "rows"),
        ([{"text": "a list, not an object"}], "json", "rows"),
    ],
    ids=[
        "no-file",
        "file-not-a-file",
        "not-utf8",
        "empty",
        "bad-format",
        "rows-not-a-list",
        "rows-empty",
        "rows-not-objects",
        "bare-list",
    ],
)
def test_bad_input_is_a_400_naming_the_field(editor_api, data, format, field):
    response = editor_api.post(IMPORTS, data, format=format)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert ClaimImport.objects.count() == 0


def test_importing_needs_the_right_to_create_claims(references):
    anonymous = APIClient().post(IMPORTS, {"rows": [claim_row(references, 1)]})
    assert anonymous.status_code in {401, 403}
    reader = APIClient()
    reader.force_login(UserFactory())
    refused = reader.post(IMPORTS, {"rows": [claim_row(references, 1)]}, format="json")
    assert refused.status_code == 403
    assert ClaimImport.objects.count() == 0


def test_get_is_not_allowed(editor_api):
    assert editor_api.get(IMPORTS).status_code == 405


def test_a_small_file_with_a_bad_row_is_a_400_naming_its_line_and_no_job(
    editor_api, references, django_capture_on_commit_callbacks
):
    rows = [claim_row(references, n) for n in range(1, 5)]
    rows[2] = claim_row(references, 3, period_start="2013-13-45")
    response = _post(
        editor_api, django_capture_on_commit_callbacks, {"file": csv_file(rows)}
    )
    assert response.status_code == 400
    messages = response.json()["file"]
    assert messages[0] == "1 bad row; nothing was stored."
    assert messages[1].startswith("line 4: period_start: ")
    assert Job.objects.count() == 0
    assert ClaimImport.objects.count() == 0


def test_a_small_json_body_with_a_bad_row_is_a_400_naming_its_position(
    editor_api, references, django_capture_on_commit_callbacks
):
    rows = [claim_row(references, 1), claim_row(references, 2, unit="x" * 300)]
    response = _post(
        editor_api, django_capture_on_commit_callbacks, {"rows": rows}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["rows"][1].startswith("line 2: unit: ")
    assert Job.objects.count() == 0


def test_the_apis_column_names_are_accepted(
    editor_api, references, django_capture_on_commit_callbacks
):
    # Rows made for this test, with the API's names: document, speaker, metric.
    header = "text,quote,document,speaker,metric,value,unit,comparator\n"
    by_slug = (
        f"Trade reached 5.3 billion dollars (made up).,trade reached 5.3 billion,"
        f"{references['document'].pk},{references['speaker'].pk},"
        f"{references['metric'].slug},5300000000,USD,approximately\n"
    )
    by_id = by_slug.replace(
        f",{references['metric'].slug},", f",{references['metric'].pk},"
    )
    upload = SimpleUploadedFile(
        "claims.csv", (header + by_slug + by_id).encode(), "text/csv"
    )
    response = _post(editor_api, django_capture_on_commit_callbacks, {"file": upload})
    assert response.status_code == 202, response.json()
    assert editor_api.get(response["Location"]).json()["state"] == "succeeded"
    claims = Claim.objects.order_by("id")
    assert [claim.metric_id for claim in claims] == [references["metric"].pk] * 2
    assert {claim.document_id for claim in claims} == {references["document"].pk}
    assert {claim.speaker_id for claim in claims} == {references["speaker"].pk}


def test_an_unknown_reference_under_an_api_name_is_named_as_written(
    editor_api, references, django_capture_on_commit_callbacks
):
    rows = [{**claim_row(references, 1), "metric": "no-such-metric"}]
    del rows[0]["metric__slug"]
    response = _post(
        editor_api, django_capture_on_commit_callbacks, {"rows": rows}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["rows"][1] == (
        "line 1: metric: No metric with slug 'no-such-metric'."
    )


def test_an_unknown_header_column_is_a_400_about_the_header_listing_the_columns(
    editor_api, references, django_capture_on_commit_callbacks
):
    text = "text,quote,document,figure\nMade up,made up,1,5\n"
    upload = SimpleUploadedFile("claims.csv", text.encode(), "text/csv")
    response = _post(editor_api, django_capture_on_commit_callbacks, {"file": upload})
    assert response.status_code == 400
    messages = response.json()["file"]
    assert messages[0] == "The header is not one an import reads; nothing was stored."
    assert messages[1].startswith("line 1: header: Unknown column figure; the columns")
    assert "metric (an id or a slug; or metric__slug)" in messages[1]
    assert not any(message.startswith("line 2") for message in messages)
    assert Job.objects.count() == 0


def test_a_csv_sent_as_json_lines_says_its_header_looks_like_csv(
    editor_api, references, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("claims.jsonl", b"text,quote\nMade up,made up\n")
    response = _post(editor_api, django_capture_on_commit_callbacks, {"file": upload})
    assert response.status_code == 400
    assert "looks like a CSV header" in response.json()["file"][1]
