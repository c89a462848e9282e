"""Store a document's text from an uploaded file: plain text or an HTML page.

The file is read by sources.reading (decoding, HTML extraction, dates, titles);
this module decides what to store, and stores it.

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

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from .models import Document, Person, Publisher, text_sha256
from .reading import (
    _TITLE_MAX,
    IngestError,
    _decode,
    _extract_html,
    _Extracted,
    _fold_title,
    _found_date,
    _html_language,
    _read_published,
    _refuse_binary,
    _tidy_text,
    _title_from_text,
    max_bytes,
)
from .services import source_save
from .signals import text_attached

if TYPE_CHECKING:
    from factcheck.services import Actor

CREATED = "created"
DUPLICATE = "duplicate"
NEW_VERSION = "new_version"
ATTACHED = "attached"


@dataclass(frozen=True)
class IngestResult:
    document: Document
    status: str
    message: str
    # Work other apps started on the stored text (factcheck.jobs Jobs).
    jobs: list[Any] = field(default_factory=list)


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


__all__ = [
    "ATTACHED",
    "CREATED",
    "DUPLICATE",
    "NEW_VERSION",
    "IngestError",
    "IngestResult",
    "ingest_document",
    "max_bytes",
]
