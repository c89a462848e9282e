"""Read a document's text from an uploaded file (plain text or an HTML page):
decode it, refuse what is not text, take the text, title, language and date out of
HTML. Nothing here stores anything: sources.ingest does, with what is read here.
"""

from __future__ import annotations

import codecs
import datetime
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import DatePrecision, Document

if TYPE_CHECKING:
    from trafilatura.settings import Document as Extraction

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
class _Extracted:
    text: str
    title: str
    published: str


def max_bytes() -> int:
    """Return the largest file accepted, from settings.INGEST_MAX_BYTES."""
    return getattr(settings, "INGEST_MAX_BYTES", DEFAULT_MAX_BYTES)


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
