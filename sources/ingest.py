"""Store a document's text from an uploaded file: plain text or an HTML page.

One entry point, `ingest_document`, used by the `ingest_document` command and the API.
It decides between four outcomes:

- ``created``: a new document.
- ``duplicate``: the text is already stored (same sha256); nothing is written.
- ``new_version``: the current document at the same URL has another text; a new
  document is stored with ``previous_version`` pointing at the old one, which stops
  being current. Claims keep pointing at the version they were quoted from.
- ``attached``: an existing document without a text gets this one (``attach_to``, or
  the matching rule below), and its claims' quotes are anchored in it.

Matching rule for attaching without ``attach_to``: a current document that has no
text is the one the file belongs to when its URL equals the given URL, or, when no URL
is given, when its title equals the given title (or the title found in the HTML),
ignoring case and runs of whitespace, and no other text-less document has that title.
A title made up from the text's first line never attaches.
"""

from __future__ import annotations

import codecs
import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import DatePrecision, Document, Person, Publisher, text_sha256
from .services import source_save
from .signals import text_attached

if TYPE_CHECKING:
    from trafilatura.settings import Document as Extraction

    from factcheck.services import Actor

CREATED = "created"
DUPLICATE = "duplicate"
NEW_VERSION = "new_version"
ATTACHED = "attached"

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
HTML_EXTENSIONS = (".html", ".htm", ".xhtml")
# More control characters than this share of the text means it is not text.
_MAX_CONTROL_SHARE = 0.01
_TITLE_MAX = Document._meta.get_field("title").max_length
_UTF8_BOM = codecs.BOM_UTF8


class IngestError(ValidationError, ValueError):
    """Say why a file was refused; `field` names the input it came from.

    A ValidationError keyed by the field, so the API's exception handler answers 400
    with the usual {"file": ["..."]} shape; also a ValueError for plain callers.
    `code` says which refusal it is: empty, too_large, binary, encoding, no_text,
    date, no_document, has_text.
    """

    code: str  # always given, unlike a plain ValidationError's

    def __init__(self, reason: str, *, field: str = "file", code: str = "invalid"):
        super().__init__({field: [ValidationError(reason, code=code)]})
        self.reason = reason
        self.field = field
        self.code = code

    def __str__(self):
        return self.reason


@dataclass(frozen=True)
class IngestResult:
    document: Document
    status: str
    message: str
    # Work other apps started on the stored text (factcheck.jobs Jobs).
    jobs: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class _Extracted:
    text: str
    title: str
    published: str


def max_bytes() -> int:
    """Return the largest file accepted, from settings.INGEST_MAX_BYTES."""
    return getattr(settings, "INGEST_MAX_BYTES", DEFAULT_MAX_BYTES)


def ingest_document(
    *,
    content: bytes | str,
    filename: str = "",
    content_type: str = "",
    title: str = "",
    url: str = "",
    publisher: Publisher | None = None,
    authors: Iterable[Person] = (),
    published: datetime.date | str | None = None,
    type: str = "",
    language: str = "",
    attach_to: Document | int | None = None,
    by: Actor = None,
) -> IngestResult:
    """Store the text in `content` as a document, a new version, or not at all.

    `content` is the file's bytes, or the text itself as a str (then errors about it
    are keyed "text" rather than "file"). Raises IngestError (a ValidationError and a
    ValueError) for content that is not usable text, and ValidationError for metadata
    the model refuses; in both cases nothing is stored.
    """
    if isinstance(content, str):
        try:
            return ingest_document(
                content=content.encode("utf-8"),
                filename=filename,
                content_type=content_type,
                title=title,
                url=url,
                publisher=publisher,
                authors=authors,
                published=published,
                type=type,
                language=language,
                attach_to=attach_to,
                by=by,
            )
        except IngestError as error:
            if error.field != "file":
                raise
            raise IngestError(error.reason, field="text", code=error.code) from None
    text, is_html = _decode(content, filename=filename, content_type=content_type)
    _refuse_binary(text)
    found = _extract_html(text) if is_html else _Extracted(text, "", "")
    text = _tidy_text(found.text)
    if not text.strip():
        what = "The HTML page has no main text" if is_html else "The file is empty"
        code = "no_text" if is_html else "empty"
        raise IngestError(f"{what}: there is nothing to store.", code=code)
    url = url.strip()
    title = " ".join(title.split())
    given_title = title or found.title
    if published:
        published_on, precision = _read_published(published)
    else:
        published_on, precision = _found_date(found.published)
    metadata = {
        "title": given_title[:_TITLE_MAX],
        "url": url,
        "publisher": publisher,
        "published_on": published_on,
        "published_precision": precision,
        "type": type,
        "language": language or (_html_language(content) if is_html else ""),
    }
    authors = list(authors)
    with transaction.atomic():
        if attach_to is not None:
            return _attach_to(attach_to, text, metadata, authors, by)
        if url:
            current = (
                Document.objects.select_for_update()
                .filter(url=url, is_current=True)
                .first()
            )
            if current is not None:
                if current.text_sha256 == text_sha256(text):
                    return IngestResult(
                        current, DUPLICATE, f"Already stored as document {current.pk}."
                    )
                if not current.text:
                    return _attach(current, text, metadata, authors, by)
                return _new_version(current, text, metadata, authors, by)
        same_text = (
            Document.objects.filter(text_sha256=text_sha256(text))
            .order_by("-is_current", "pk")
            .first()
        )
        if same_text is not None:
            return IngestResult(
                same_text, DUPLICATE, f"Already stored as document {same_text.pk}."
            )
        if not url and given_title:
            match = _textless_document_titled(given_title)
            if match is not None:
                return _attach(match, text, metadata, authors, by)
        if not metadata["title"]:
            metadata["title"] = _title_from_text(text, filename)
        document = Document(text=text)
        _save(document, _given(metadata), authors, by)
        return IngestResult(document, CREATED, f"Stored as document {document.pk}.")


def _decode(content: bytes, *, filename: str, content_type: str) -> tuple[str, bool]:
    """Return the text of `content` and whether it is HTML; refuse what is not text."""
    limit = max_bytes()
    if len(content) > limit:
        raise IngestError(
            f"The file is {len(content):,} bytes; the limit is {limit:,} bytes.",
            code="too_large",
        )
    if not content.strip():
        raise IngestError("The file is empty: there is nothing to store.", code="empty")
    if b"\x00" in content:
        raise IngestError(
            "The file is binary (it contains NUL bytes), not text.", code="binary"
        )
    if content.startswith(_UTF8_BOM):
        content = content[len(_UTF8_BOM) :]
    head = content[:1024].lstrip().lower()
    is_html = (
        "html" in content_type.lower()
        or PurePath(filename).suffix.lower() in HTML_EXTENSIONS
        or head.startswith((b"<!doctype html", b"<html"))
        or (head.startswith(b"<?xml") and b"<html" in content[:4096].lower())
    )
    try:
        return content.decode("utf-8"), is_html
    except UnicodeDecodeError as error:
        utf8_error = error
    declared = _declared_charset(content_type, content if is_html else b"")
    if declared and codecs.lookup(declared).name != "utf-8":
        try:
            return content.decode(declared), is_html
        except UnicodeDecodeError:
            raise IngestError(
                f"Unknown encoding: the file is neither UTF-8 nor the {declared} "
                "it declares. Save it as UTF-8.",
                code="encoding",
            ) from None
    raise IngestError(
        f"Unknown encoding: the file is not UTF-8 (byte {utf8_error.start}). "
        "Save it as UTF-8, or declare its charset.",
        code="encoding",
    )


def _declared_charset(content_type: str, html: bytes) -> str:
    """Return a charset named by the content type or an HTML meta tag, if it exists."""
    match: re.Match[str] | re.Match[bytes] | None
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if match is None and html:
        match = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", html[:4096], re.I)
    if match is None:
        return ""
    name = match.group(1)
    name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


def _refuse_binary(text: str) -> None:
    control = sum(
        1
        for char in text
        if (ord(char) < 32 and char not in "\t\n\r\f\v") or char == "\ufffd"
    )
    if control > max(2, len(text) * _MAX_CONTROL_SHARE):
        raise IngestError(
            "The file looks binary (too many control characters), not text.",
            code="binary",
        )


def _extract_html(html: str) -> _Extracted:
    """Return the main text of an HTML page, with the title and date it gives."""
    import trafilatura

    # A trafilatura Document: a dict only with as_dict=True.
    extracted = cast(
        "Extraction | None",
        trafilatura.bare_extraction(
            html,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            favor_precision=True,
        ),
    )
    if extracted is None or not (extracted.text or "").strip():
        raise IngestError("No main text found in the HTML page.", code="no_text")
    # trafilatura separates paragraphs with one line break; a blank line keeps
    # headings and paragraphs apart for reading and for sentence splitting.
    text = extracted.text or ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return _Extracted(
        text="\n\n".join(lines),
        title=" ".join((extracted.title or "").split()),
        published=extracted.date or "",
    )


def _html_language(content: bytes) -> str:
    match = re.search(
        rb"<html[^>]*\blang=[\"']?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)", content[:4096]
    )
    return match.group(1).decode("ascii") if match else ""


def _tidy_text(text: str) -> str:
    """Return the text with Unix line ends; everything else is kept as written."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_published(
    value: datetime.date | str | None,
) -> tuple[datetime.date | None, str]:
    """Return (date, precision) for a date or "YYYY", "YYYY-MM", "YYYY-MM-DD"."""
    if value is None or value == "":
        return None, DatePrecision.DAY
    if isinstance(value, datetime.datetime):
        return value.date(), DatePrecision.DAY
    if isinstance(value, datetime.date):
        return value, DatePrecision.DAY
    text = value.strip()[:10]
    try:
        if re.fullmatch(r"\d{4}", text):
            return datetime.date(int(text), 1, 1), DatePrecision.YEAR
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = map(int, text.split("-"))
            return datetime.date(year, month, 1), DatePrecision.MONTH
        return datetime.date.fromisoformat(text), DatePrecision.DAY
    except ValueError:
        raise IngestError(
            f"{value!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY.",
            field="published",
            code="date",
        ) from None


def _found_date(value: str) -> tuple[datetime.date | None, str]:
    """Return the date an HTML page gives, or None when it is unreadable or future."""
    try:
        published_on, precision = _read_published(value)
    except IngestError:
        return None, DatePrecision.DAY
    if published_on is not None and published_on > timezone.localdate():
        return None, DatePrecision.DAY
    return published_on, precision


def _title_from_text(text: str, filename: str) -> str:
    """Return a title for a text that has none: a headline-like line, or the name."""
    for line in text.splitlines()[:20]:
        line = " ".join(line.split())
        if len(line.split()) >= 3 and len(line) <= 300:
            return line[:_TITLE_MAX]
    stem = PurePath(filename).stem if filename else ""
    return (stem or "Untitled document")[:_TITLE_MAX]


def _fold_title(title: str) -> str:
    return " ".join(title.split()).casefold()


def _textless_document_titled(title: str) -> Document | None:
    """Return the one current document without text and with this title, if any."""
    wanted = _fold_title(title)
    matches = [
        document
        for document in Document.objects.filter(
            text="", is_current=True, title__iexact=title.strip()
        )
        if _fold_title(document.title) == wanted
    ]
    if len(matches) == 1:
        return matches[0]
    # iexact does not fold inner whitespace; look wider only for that case.
    if not matches:
        matches = [
            document
            for document in Document.objects.filter(text="", is_current=True).only(
                "pk", "title"
            )
            if _fold_title(document.title) == wanted
        ]
        if len(matches) == 1:
            return Document.objects.get(pk=matches[0].pk)
    return None


def _given(metadata: dict) -> dict:
    """Return the metadata values that were given (or found), leaving the rest."""
    values = {}
    for name, value in metadata.items():
        if name == "published_precision":
            continue
        if value not in ("", None):
            values[name] = value
    if "published_on" in values:
        values["published_precision"] = metadata["published_precision"]
    return values


def _save(document: Document, values: dict, authors: list[Person], by: Actor) -> None:
    many = {"authors": authors} if authors else None
    # Filling a stored document's empty fields is a change like any other.
    source_save(instance=document, values=values, many=many, by=by)


def _attach_to(
    target: Document | int, text: str, metadata: dict, authors: list[Person], by: Actor
) -> IngestResult:
    pk = target.pk if isinstance(target, Document) else target
    document = Document.objects.select_for_update().filter(pk=pk).first()
    if document is None:
        raise IngestError(
            f"There is no document {pk} to attach the text to.",
            field="attach_to",
            code="no_document",
        )
    if document.text:
        if document.text_sha256 == text_sha256(text):
            return IngestResult(
                document, DUPLICATE, f"Document {pk} already has this text."
            )
        raise IngestError(
            f"Document {pk} already has a different text; ingest the file with the "
            "document's URL to store it as a new version.",
            field="attach_to",
            code="has_text",
        )
    return _attach(document, text, metadata, authors, by)


def _attach(
    document: Document, text: str, metadata: dict, authors: list[Person], by: Actor
) -> IngestResult:
    """Store `text` on a document that had none, filling only its empty fields."""
    values = {"text": text}
    for name, value in _given(metadata).items():
        if name == "published_precision":
            continue
        if value not in ("", None) and getattr(document, name) in ("", None):
            values[name] = value
            if name == "published_on":
                values["published_precision"] = metadata["published_precision"]
    fill_authors = authors if authors and not document.authors.exists() else []
    _save(document, values, fill_authors, by)
    responses = text_attached.send(sender=Document, document=document, by=by)
    jobs = [answer for _, answer in responses if answer is not None]
    message = f"Text attached to document {document.pk}."
    if jobs:
        message += " Its claims' quotes are anchored in it by a background job."
    return IngestResult(document, ATTACHED, message, jobs)


def _new_version(
    current: Document, text: str, metadata: dict, authors: list[Person], by: Actor
) -> IngestResult:
    """Store `text` as the next version of `current`, copying what was not given."""
    copied = {
        "title": current.title,
        "url": current.url,
        "publisher": current.publisher,
        "type": current.type,
        "language": current.language,
        "published_on": current.published_on,
        "published_precision": current.published_precision,
        "published_note": current.published_note,
    }
    values = {**copied, **_given(metadata), "text": text, "previous_version": current}
    # The old version stops being current first: the URL is unique among current
    # documents.
    _save(current, {"is_current": False}, [], by)
    document = Document()
    _save(document, values, authors or list(current.authors.all()), by)
    return IngestResult(
        document,
        NEW_VERSION,
        f"Stored as document {document.pk}, a new version of document {current.pk}.",
    )
