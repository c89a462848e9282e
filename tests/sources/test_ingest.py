import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings

from claims.models import Claim
from sources.ingest import IngestError, ingest_document
from sources.models import Document, Publisher, text_sha256
from tests.factories import (
    ClaimFactory,
    DocumentFactory,
    PersonAliasFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data"
SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
TEXT = "Exports rose to $2 billion in 2013, the ministry said.\n"


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# Plain text and HTML ---------------------------------------------------------------


def test_plain_text_is_stored_with_the_metadata_given():
    publisher = Publisher.objects.create(name="Ledger")
    author = PersonFactory()

    result = ingest_document(
        content=TEXT.encode(),
        filename="trade.txt",
        title="Exports rise",
        url="https://example.org/exports",
        publisher=publisher,
        authors=[author],
        published="2013-04-23",
        type=Document.Type.BLOG_POST,
        language="fa",
    )

    document = result.document
    assert result.status == "created"
    document.refresh_from_db()
    assert document.text == TEXT
    assert document.text_sha256 == text_sha256(TEXT)
    assert (document.title, document.url) == (
        "Exports rise",
        "https://example.org/exports",
    )
    assert document.publisher == publisher
    assert list(document.authors.all()) == [author]
    assert document.published_on == datetime.date(2013, 4, 23)
    assert (document.type, document.language) == ("blog_post", "fa")


def test_only_the_text_is_required_and_the_title_comes_from_its_first_line():
    content = (
        b"\xef\xbb\xbfHarbor budget grows again\r\n\r\nThe council approved it.\r\n"
    )

    result = ingest_document(content=content)

    document = result.document
    assert document.text == "Harbor budget grows again\n\nThe council approved it.\n"
    assert document.title == "Harbor budget grows again"
    assert (document.url, document.publisher, document.published_on) == ("", None, None)


def test_published_year_only_is_stored_with_year_precision():
    result = ingest_document(content=TEXT.encode(), title="T", published="2013")
    assert result.document.published_on == datetime.date(2013, 1, 1)
    assert result.document.published_precision == "year"


def test_html_keeps_the_article_and_drops_nav_and_footer_and_reads_title_and_date():
    content = (DATA / "article.html").read_bytes()

    result = ingest_document(content=content, filename="article.html")

    document = result.document
    assert result.status == "created"
    assert "approved a budget of $4.2 billion on Tuesday" in document.text
    assert "which fell in each of the past two years." in document.text
    assert "navigation" not in document.text
    assert "newsletter" not in document.text
    assert "All Rights Reserved" not in document.text
    assert "<p>" not in document.text
    assert document.title == "Harbor City budget grows 12%"
    assert document.published_on == datetime.date(2021, 5, 4)
    assert document.language == "en-GB"


def test_html_is_recognised_by_its_doctype_without_a_filename_or_content_type():
    content = (DATA / "article.html").read_bytes()
    result = ingest_document(content=content, title="Given title wins")
    assert "<html" not in result.document.text
    assert result.document.title == "Given title wins"


def test_html_by_content_type_with_a_declared_charset_is_decoded():
    html = (
        "<html><head><title>Caf\xe9 prices</title></head><body><article><p>"
        + "The caf\xe9 raised its prices by 10 percent in May, the owner said. " * 3
        + "</p></article></body></html>"
    )
    content = html.encode("cp1252")

    result = ingest_document(
        content=content, content_type="text/html; charset=windows-1252"
    )

    assert "The caf\xe9 raised its prices" in result.document.text
    assert result.document.title == "Caf\xe9 prices"


# Duplicates and versions -----------------------------------------------------------


def test_the_same_text_twice_is_one_document_and_a_duplicate():
    first = ingest_document(content=TEXT.encode(), title="Exports")

    second = ingest_document(content=TEXT.encode(), filename="copy.txt")

    assert second.status == "duplicate"
    assert second.document.pk == first.document.pk
    assert Document.objects.count() == 1


def test_the_same_text_at_the_same_url_is_a_duplicate():
    url = "https://example.org/a"
    first = ingest_document(content=TEXT.encode(), title="A", url=url)
    second = ingest_document(content=TEXT.encode(), url=url)
    assert (second.status, second.document) == ("duplicate", first.document)
    assert Document.objects.count() == 1


def test_a_changed_text_at_the_same_url_is_a_new_version_and_claims_stay_on_the_old():
    url = "https://example.org/exports"
    old = ingest_document(
        content=TEXT.encode(),
        title="Exports",
        url=url,
        publisher=Publisher.objects.create(name="Ledger"),
        published="2013-04-23",
    ).document
    claim = ClaimFactory(document=old, quote="Exports rose to $2 billion")

    result = ingest_document(content=b"Exports rose to $2.5 billion in 2013.", url=url)

    new = result.document
    old.refresh_from_db()
    claim.refresh_from_db()
    assert result.status == "new_version"
    assert new.pk != old.pk
    assert new.previous_version == old
    assert (new.is_current, old.is_current) == (True, False)
    assert old.text == TEXT
    assert (new.title, new.publisher, new.published_on) == (
        old.title,
        old.publisher,
        old.published_on,
    )
    assert claim.document == old
    assert Document.objects.filter(url=url, is_current=True).get() == new


def test_a_refused_new_version_leaves_the_old_one_current():
    url = "https://example.org/exports"
    old = ingest_document(content=TEXT.encode(), title="Exports", url=url).document

    with pytest.raises(ValidationError):
        ingest_document(content=b"A new text.", url=url, language="not a language")

    old.refresh_from_db()
    assert old.is_current
    assert Document.objects.count() == 1


# Bad files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason", "code"),
    [
        (b"", "empty", "empty"),
        (b"  \n\t\n", "empty", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", "binary"),
        (b"text" + b"\x01\x02\x03\x04\x05\x06" * 5, "binary", "binary"),
        (b"\xff\xfe\xfa", "Unknown encoding", "encoding"),
        ("Caf\xe9 prices rose".encode("latin-1"), "Unknown encoding", "encoding"),
        (
            b"<html><head><title>Only a title</title></head><body></body></html>",
            "no main text",
            "no_text",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "png",
        "control-characters",
        "undecodable",
        "latin-1",
        "no-article",
    ],
)
def test_a_bad_file_is_refused_with_a_reason_and_nothing_is_stored(
    content, reason, code
):
    DocumentFactory()
    before = Document.objects.count()

    with pytest.raises(IngestError, match=f"(?i){reason}") as refusal:
        ingest_document(content=content, filename="upload.txt")

    assert refusal.value.code == code
    assert Document.objects.count() == before
    assert refusal.value.message_dict == {"file": [str(refusal.value)]}
    assert isinstance(refusal.value, ValueError)


def test_text_given_as_a_string_is_stored_and_its_errors_name_the_text_field():
    assert ingest_document(content=TEXT, title="From JSON").document.text == TEXT

    with pytest.raises(IngestError) as refusal:
        ingest_document(content="   ")

    assert list(refusal.value.message_dict) == ["text"]
    assert Document.objects.count() == 1


def test_a_file_over_the_size_limit_is_refused():
    with (
        override_settings(INGEST_MAX_BYTES=10),
        pytest.raises(IngestError, match="limit is 10 bytes") as refusal,
    ):
        ingest_document(content=b"This text is longer than ten bytes.")
    assert refusal.value.code == "too_large"
    assert Document.objects.count() == 0


def test_a_file_at_the_size_limit_is_accepted():
    with override_settings(INGEST_MAX_BYTES=len(TEXT.encode())):
        assert ingest_document(content=TEXT.encode()).status == "created"


def test_an_unreadable_published_date_is_refused_on_the_published_field():
    with pytest.raises(IngestError) as refusal:
        ingest_document(content=TEXT.encode(), published="23.04.2013")
    assert "published" in refusal.value.message_dict
    assert Document.objects.count() == 0


# Attaching a text to a document that has none --------------------------------------


def test_attach_to_stores_the_text_on_the_document_and_anchors_its_claims(
    django_capture_on_commit_callbacks,
):
    document = DocumentFactory(text="", url="")
    found = ClaimFactory(document=document, quote="rose to $2 billion")
    lost = ClaimFactory(document=document, quote="fell to $1 billion")

    with django_capture_on_commit_callbacks(execute=True):
        result = ingest_document(
            content=TEXT.encode(), attach_to=document.pk, url="https://example.org/x"
        )

    document.refresh_from_db()
    found.refresh_from_db()
    assert result.status == "attached"
    assert result.document == document
    assert document.text == TEXT
    assert document.url == "https://example.org/x"  # empty fields are filled
    assert (found.quote_start, found.quote_end) == (8, 26)
    (job,) = result.jobs
    job.refresh_from_db()
    assert job.result["anchored"] == [found.pk]
    assert job.result["not_found"] == [lost.pk]
    assert Document.objects.count() == 1


def test_attach_to_a_document_with_another_text_is_refused():
    document = DocumentFactory(text="An earlier text.")
    with pytest.raises(IngestError, match="already has a different text"):
        ingest_document(content=TEXT.encode(), attach_to=document.pk)
    document.refresh_from_db()
    assert document.text == "An earlier text."


def test_attach_to_a_missing_document_is_refused():
    with pytest.raises(IngestError, match="no document 999"):
        ingest_document(content=TEXT.encode(), attach_to=999)


def test_a_text_at_the_url_of_a_document_without_text_is_attached_to_it():
    document = DocumentFactory(text="", url="https://example.org/exports")
    result = ingest_document(content=TEXT.encode(), url="https://example.org/exports")
    assert (result.status, result.document) == ("attached", document)
    assert Document.objects.count() == 1


def test_a_text_titled_like_one_document_without_text_is_attached_to_it():
    document = DocumentFactory(text="", title="Iran's Relations with Russia")
    DocumentFactory(text="Stored already.", title="Iran's Relations  with Russia")

    result = ingest_document(
        content=TEXT.encode(), title="IRAN'S RELATIONS WITH RUSSIA"
    )

    assert (result.status, result.document) == ("attached", document)


def test_a_title_shared_by_two_documents_without_text_attaches_to_neither():
    DocumentFactory.create_batch(2, text="", title="Weekly trade note")
    result = ingest_document(content=TEXT.encode(), title="Weekly trade note")
    assert result.status == "created"
    assert Document.objects.filter(text="").count() == 2


def test_a_title_taken_from_the_first_line_never_attaches():
    DocumentFactory(
        text="", title="Exports rose to $2 billion in 2013, the ministry said."
    )
    result = ingest_document(content=TEXT.encode())
    assert result.status == "created"


# The command -----------------------------------------------------------------------


def test_command_stores_a_file_with_publisher_and_authors_by_name(tmp_path):
    person = PersonFactory(name="Mehdi Sanaei")
    PersonAliasFactory(person=person, name="Mahdi Sanaei")
    path = tmp_path / "blog.txt"
    path.write_text(TEXT)

    out = run(
        "ingest_document",
        str(path),
        "--title=Blog post",
        "--publisher=AVIM",
        "--author=Mahdi Sanaei",
        "--author=New Writer",
        "--published=2013-04-23",
        "--type=blog_post",
        "--language=en",
    )

    document = Document.objects.get()
    assert "blog.txt: new." in out
    assert document.publisher.name == "AVIM"
    assert sorted(a.name for a in document.authors.all()) == [
        "Mehdi Sanaei",
        "New Writer",
    ]
    assert document.type == "blog_post"


def test_command_refuses_a_bad_file_and_keeps_the_publisher_it_named_out(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run("ingest_document", str(path), "--publisher=Nobody Press")
    assert not Publisher.objects.filter(name="Nobody Press").exists()


def test_command_on_a_folder_prints_a_summary_and_fails_when_a_file_failed(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.html").write_bytes((DATA / "article.html").read_bytes())
    (tmp_path / "c.txt").write_text(TEXT)  # the same text as a.txt
    (tmp_path / "d.txt").write_bytes(b"\xff\xfe\xfa")
    (tmp_path / "notes.md").write_text("Not ingested: not a text or HTML file name.")
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 of 4 files failed"):
        call_command("ingest_document", str(tmp_path), stdout=out, stderr=io.StringIO())

    summary = out.getvalue()
    assert (
        "4 files: 2 new, 1 duplicate, 0 new version, 0 attached, 1 failed." in summary
    )
    assert "failed: d.txt: Unknown encoding" in summary
    assert Document.objects.count() == 2


def test_command_on_a_folder_succeeds_when_every_file_is_stored(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    out = run("ingest_document", str(tmp_path))
    assert "1 files: 1 new, 0 duplicate" in out


def test_command_refuses_url_or_attach_to_for_a_folder(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    with pytest.raises(CommandError, match="--attach-to names one document"):
        run("ingest_document", str(tmp_path), "--attach-to=1")
    assert Document.objects.count() == 0


# Committed for real: anchoring runs as a job after the ingest's commit (inline).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_command_reports_claims_whose_quote_is_not_in_the_attached_text(tmp_path):
    document = DocumentFactory(text="")
    lost = ClaimFactory(document=document, quote="imports fell")
    path = tmp_path / "a.txt"
    path.write_text(TEXT)

    out = run("ingest_document", str(path), f"--attach-to={document.pk}")

    assert "Quotes anchored: 0." in out
    assert f"not found: claim {lost.pk}: 'imports fell'" in out


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"no seed texts at {SEEDS}")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_attaching_the_seed_texts_anchors_every_fixture_claim_of_both_documents():
    call_command("loaddata", "seed", verbosity=0)
    for pk, pattern in [(1, "000_*.txt"), (2, "004_*.txt")]:
        (path,) = SEEDS.glob(pattern)
        out = run("ingest_document", str(path), f"--attach-to={pk}")
        assert "Quotes anchored:" in out
        assert "not found: claim" not in out

    claims = Claim.objects.filter(document__in=[1, 2])
    assert claims.count() > 30
    assert not claims.filter(quote_start__isnull=True).exists()
    for claim in claims.select_related("document"):
        anchored = claim.document.text[claim.quote_start : claim.quote_end]
        assert " ".join(anchored.split()) == " ".join(claim.quote.split())
    # Both texts again: duplicates, nothing new.
    out = run("ingest_document", str(SEEDS))
    assert "2 files: 0 new, 2 duplicate" in out


def test_ingest_command_proposes_candidates_unless_told_not_to(tmp_path):
    from claims.models import Candidate

    article = tmp_path / "port.txt"
    article.write_text(
        "Exports rose by 12 percent to $4.2 billion in 2021, the ministry said.\n",
        encoding="utf-8",
    )
    quiet = tmp_path / "quiet.txt"
    quiet.write_text(
        "Imports fell by 8 percent to $1.1 billion in 2021, officials said.\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("ingest_document", str(article), stdout=out)
    assert Candidate.objects.count() >= 1
    assert "Candidate claims: 1 candidates created" in out.getvalue()

    before = Candidate.objects.count()
    call_command("ingest_document", str(quiet), "--no-extract", stdout=io.StringIO())
    assert Candidate.objects.count() == before
