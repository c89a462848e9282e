"""POST /api/v1/documents/ with a text or file ingests it; /extract/ proposes claims."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from claims.models import Candidate
from sources.models import Document, text_sha256
from tests.factories import ClaimFactory, DocumentFactory

pytestmark = pytest.mark.django_db

TEXT = (
    "Exports rose by 12 percent to $4.2 billion in 2021, the ministry said. "
    "The port handled more than 30,000 containers last year."
)


@pytest.fixture
def api(superuser):
    client = APIClient()
    client.force_login(superuser)
    return client


def test_posting_text_stores_it_with_its_checksum(api):
    response = api.post(
        "/api/v1/documents/",
        {"text": TEXT, "title": "Port report", "url": "https://news.example.org/port"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ingest"]["status"] == "created"
    assert body["text"] == TEXT
    assert body["text_sha256"] == text_sha256(TEXT)
    assert body["title"] == "Port report"


def test_posting_the_same_text_again_finds_the_existing_document(api):
    first = api.post("/api/v1/documents/", {"text": TEXT}, format="json").json()
    again = api.post("/api/v1/documents/", {"text": TEXT}, format="json")
    assert again.status_code == 200
    assert again.json()["ingest"]["status"] == "duplicate"
    assert again.json()["id"] == first["id"]
    assert Document.objects.count() == 1


def test_changed_text_at_the_same_url_is_a_new_version(api):
    url = "https://news.example.org/port"
    first = api.post("/api/v1/documents/", {"text": TEXT, "url": url}, format="json")
    claim = ClaimFactory(document_id=first.json()["id"], quote="more than 30,000")
    changed = api.post(
        "/api/v1/documents/", {"text": TEXT + " Corrected.", "url": url}, format="json"
    )
    assert changed.status_code == 201
    assert changed.json()["ingest"]["status"] == "new_version"
    old = Document.objects.get(pk=first.json()["id"])
    assert not old.is_current
    claim.refresh_from_db()
    assert claim.document_id == old.pk


def test_multipart_html_file_is_reduced_to_its_main_text(api):
    html = (
        b"<html lang='en'><head><title>Port breaks record</title></head><body>"
        b"<nav>Home | World | Sport</nav><article><h1>Port breaks record</h1>"
        b"<p>" + TEXT.encode() + b"</p><p>Officials expect further growth in "
        b"the coming year as new cranes arrive at the terminal.</p></article>"
        b"<footer>Copyright 2024 Example News. All rights reserved.</footer>"
        b"</body></html>"
    )
    upload = SimpleUploadedFile("port.html", html, content_type="text/html")
    response = api.post("/api/v1/documents/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    text = Document.objects.get(pk=response.json()["id"]).text
    assert "30,000 containers" in text
    assert "Home | World" not in text
    assert response.json()["title"] == "Port breaks record"


@pytest.mark.parametrize(
    ("upload", "field"),
    [
        (SimpleUploadedFile("empty.txt", b"", content_type="text/plain"), "file"),
        (SimpleUploadedFile("bin.txt", b"\x00\x01\x02" * 50, "text/plain"), "file"),
        (SimpleUploadedFile("odd.txt", b"\xff\xfe\xfa caf\xe9", "text/plain"), "file"),
    ],
    ids=["empty", "binary", "encoding"],
)
def test_bad_files_are_400_naming_the_field_and_store_nothing(api, upload, field):
    response = api.post("/api/v1/documents/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert field in response.json()
    assert Document.objects.count() == 0


@override_settings(INGEST_MAX_BYTES=100)
def test_file_over_the_limit_is_413(api):
    upload = SimpleUploadedFile("big.txt", b"word " * 100, content_type="text/plain")
    response = api.post("/api/v1/documents/", {"file": upload}, format="multipart")
    assert response.status_code == 413
    assert Document.objects.count() == 0


def test_text_and_file_together_are_refused(api):
    upload = SimpleUploadedFile("a.txt", TEXT.encode(), content_type="text/plain")
    response = api.post(
        "/api/v1/documents/", {"file": upload, "text": TEXT}, format="multipart"
    )
    assert response.status_code == 400
    assert "text" in response.json()


def test_document_without_text_is_created_from_its_fields(api):
    response = api.post("/api/v1/documents/", {"title": "No text yet"}, format="json")
    assert response.status_code == 201
    assert "ingest" not in response.json()


def test_anonymous_cannot_ingest():
    response = APIClient().post("/api/v1/documents/", {"text": TEXT}, format="json")
    assert response.status_code == 401
    assert Document.objects.count() == 0


def test_extract_proposes_candidates_once_in_a_job(
    api, django_capture_on_commit_callbacks
):
    document = DocumentFactory(text=TEXT)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/documents/{document.pk}/extract/")
    assert response.status_code == 202
    assert response.json()["state"] == "queued"
    job = api.get(response["Location"]).json()
    assert job["state"] == "succeeded"
    first = job["result"]
    assert first["created"] >= 2
    assert sorted(first["candidates"]) == sorted(
        Candidate.objects.filter(document=document).values_list("pk", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/documents/{document.pk}/extract/")
    second = api.get(again["Location"]).json()["result"]
    assert (second["created"], second["skipped_existing"]) == (0, first["created"])


def test_extract_without_text_is_409(api):
    document = DocumentFactory(text="")
    response = api.post(f"/api/v1/documents/{document.pk}/extract/")
    assert response.status_code == 409
    assert "no text" in response.json()["detail"]


# Made up for the test: one check-worthy sentence, repeated as a crafted document
# would repeat it.
REPEATED = "Exports rose to $2 billion in 2013, the ministry said. "


def test_extracting_one_sentence_repeated_stores_it_once(
    api, django_capture_on_commit_callbacks
):
    document = DocumentFactory(text=REPEATED * 300)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/documents/{document.pk}/extract/")
    result = api.get(response["Location"]).json()["result"]
    assert Candidate.objects.filter(document=document).count() == 1
    assert result["created"] == 1
    assert result["skipped_duplicate"] == 299


def test_extraction_stores_at_most_the_cap_and_says_how_many_it_dropped(
    api, django_capture_on_commit_callbacks, settings
):
    settings.EXTRACTION_MAX_CANDIDATES = 5
    # Made up for the test: twelve different sentences with a figure each.
    text = "".join(f"Exports rose to ${n} billion in 20{n:02}. " for n in range(1, 13))
    document = DocumentFactory(text=text)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/documents/{document.pk}/extract/")
    job = api.get(response["Location"]).json()
    assert job["state"] == "succeeded", job
    assert Candidate.objects.filter(document=document).count() == 5
    assert (job["result"]["created"], job["result"]["cap"]) == (5, 5)
    assert job["result"]["dropped_over_cap"] == 7
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/api/v1/documents/{document.pk}/extract/")
    second = api.get(again["Location"]).json()["result"]
    # The cap counts the document's candidates, not one run's.
    assert (second["created"], second["dropped_over_cap"]) == (0, 7)
    assert Candidate.objects.filter(document=document).count() == 5
