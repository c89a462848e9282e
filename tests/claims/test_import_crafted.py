"""Crafted import files fail the job at once, naming the line and field (issue 21).

Every row's values are type-checked as the API checks a claim's (a date is text, an
id a whole number, a text has no NUL); a file that cannot be parsed names the line
it broke on. Before, these made the job raise a Python exception with no line
(retried four times by a worker), or were stored converted ({"a": 1} as text,
1.9 as id 1).
"""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from claims.models import Claim
from claims.services import import_files
from claims.services.exports import CSV_COLUMNS
from tests.claims.test_import_api import IMPORTS
from tests.claims.test_import_claims import claim_row, run_import
from tests.factories import (
    DocumentFactory,
    MetricFactory,
    PersonFactory,
    user_in_group,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _checked_by_the_job(monkeypatch):
    # These files are small enough to be checked in the request (a 400,
    # tests/claims/test_import_api.py); here the job's own checks are under test.
    monkeypatch.setattr(import_files, "IMPORT_CHECK_IN_REQUEST_ROWS", 0)


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


def jsonl_upload(lines: list[str]) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "claims.jsonl", ("\n".join(lines) + "\n").encode(), "application/x-ndjson"
    )


def csv_text(rows: list[dict]) -> str:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def imported(api, capture, data, format="multipart") -> dict:
    """Post an import, run its job inline, and return the job as the API shows it."""
    with capture(execute=True):
        response = api.post(IMPORTS, data, format=format)
    assert response.status_code == 202, response.content
    return api.get(response["Location"]).json()


def assert_failed_on(job: dict, line: int, field: str) -> None:
    """The job failed for good, naming the line and field, and stored nothing."""
    assert job["state"] == "failed", job
    assert job["error"]["input"] == f"line {line}", job["error"]
    assert field in job["error"]["message"], job["error"]
    # Not a Python exception's repr: the message is the row's error.
    assert "Error:" not in job["error"]["message"], job["error"]
    assert Claim.objects.count() == 0


def row_json(references, **changes) -> str:
    """A valid row with `changes` spliced in as raw JSON texts."""
    row = claim_row(references, 1)
    for column in changes:
        row.pop(column, None)
    text = json.dumps(row)[:-1]
    return (
        text + "".join(f', "{column}": {raw}' for column, raw in changes.items()) + "}"
    )


# JSON texts for one column each, as a crafted JSON Lines file gives them.
CRAFTED_VALUES = [
    ("text", '"trade \\u0000 fell"'),
    ("quote", '"\\u0000"'),
    ("text", '{"a": 1}'),
    ("text", "[1]"),
    ("text", "true"),
    ("claimed_on", "20200101"),
    ("period_start", '["2012-01-01"]'),
    ("metric__slug", '["x"]'),
    ("metric__slug", '{"slug": "x"}'),
    ("document_id", "1e400"),
    ("document_id", "-1e400"),
    ("document_id", "1.9"),
    ("document_id", "true"),
    ("document_id", str(10**30)),
    ("document_id", '"1e400"'),
    ("speaker_id", "1.5"),
    ("value", "1e400"),
    ("value", "NaN"),
    ("value", "[5]"),
    ("status", '{"status": "unverified"}'),
]


@pytest.mark.parametrize(("column", "raw"), CRAFTED_VALUES)
def test_a_wrongly_typed_json_value_fails_the_job_naming_line_and_field(
    editor_api,
    references,
    django_capture_on_commit_callbacks,
    column,
    raw,
):
    good = json.dumps(claim_row(references, 2))
    upload = jsonl_upload([good, row_json(references, **{column: raw})])
    job = imported(editor_api, django_capture_on_commit_callbacks, {"file": upload})
    assert_failed_on(job, 2, column)
    assert [(e["line"], list(e["fields"])) for e in job["result"]["errors"]] == [
        (2, [column])
    ]


def test_a_huge_id_in_a_json_body_fails_the_job_naming_the_row(
    editor_api,
    references,
    django_capture_on_commit_callbacks,
):
    body = '{"rows": [' + row_json(references, document_id="1e400") + "]}"
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_api.generic(
            "POST", IMPORTS, body, content_type="application/json"
        )
    assert response.status_code == 202, response.content
    job = editor_api.get(response["Location"]).json()
    assert_failed_on(job, 1, "document_id")


def test_arrays_nested_100000_deep_fail_the_job_naming_the_line(
    editor_api,
    references,
    django_capture_on_commit_callbacks,
):
    deep = "[" * 100_000 + "]" * 100_000
    upload = jsonl_upload([json.dumps(claim_row(references, 1)), f'{{"text": {deep}}}'])
    job = imported(editor_api, django_capture_on_commit_callbacks, {"file": upload})
    assert_failed_on(job, 2, "nested")


def test_a_csv_cell_over_the_csv_field_limit_fails_the_job_naming_the_line(
    editor_api,
    references,
    django_capture_on_commit_callbacks,
):
    rows = [claim_row(references, 1), claim_row(references, 2, text="x" * 131_073)]
    upload = SimpleUploadedFile("claims.csv", csv_text(rows).encode(), "text/csv")
    job = imported(editor_api, django_capture_on_commit_callbacks, {"file": upload})
    assert_failed_on(job, 3, "131072")


def test_an_unterminated_quote_fails_the_job_naming_the_line_it_opened_on(
    editor_api,
    references,
    django_capture_on_commit_callbacks,
):
    rows = [claim_row(references, n) for n in range(1, 4)]
    text = csv_text(rows).splitlines(keepends=True)
    # The last row's quote runs to the end of the file; the one on line 2 closes at
    # the next row's first quote, and a cell goes on after it.
    for line in (3, 1):
        broken = list(text)
        broken[line] = broken[line].replace(",last year,", ',"last year,', 1)
        upload = SimpleUploadedFile("claims.csv", "".join(broken).encode(), "text/csv")
        Claim.objects.all().delete()
        job = imported(editor_api, django_capture_on_commit_callbacks, {"file": upload})
        assert_failed_on(job, line + 1, "quote")


def test_import_claims_reports_a_csv_cell_over_the_limit_with_its_line(
    tmp_path,
    references,
):
    rows = [claim_row(references, 1), claim_row(references, 2, quote="x" * 131_073)]
    path = tmp_path / "claims.csv"
    path.write_text(csv_text(rows))
    _, err, failure = run_import(path)
    assert failure is not None
    assert "line 3" in err, err
    assert "131072" in err, err
    assert Claim.objects.count() == 0


def test_import_claims_reports_a_nul_in_json_lines_with_its_line(
    tmp_path,
    references,
):
    path = tmp_path / "claims.jsonl"
    path.write_text(row_json(references, text='"a\\u0000b"') + "\n")
    _, err, failure = run_import(path)
    assert failure is not None
    assert "line 1: text:" in err, err
    assert Claim.objects.count() == 0
