"""Stream the reviews of a file in each known shape, one (position, item) at a time.

JSON is read with ijson, so a 240,000-review file is never held whole: a first
pass reads only the top-level keys to tell the shape, a second yields the items.
Each item is read on its own: a bad one yields a RecordError with its position and
never stops the rest. HTML pages are read with extruct (JSON-LD only): scripts are
never run and no URL in them is fetched.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO, Any

import ijson

from .records import (
    RecordError,
    ReviewRecord,
    record_of_claim_review,
    record_of_google_review,
)

FORMATS = {
    "google": "Google Fact Check Tools claims:search answer(s)",
    "datafeed": "Data Commons DataFeed",
    "insights": "Fact-Check Insights JSON",
    "insights-csv": "Fact-Check Insights CSV (dotted headers)",
    "jsonld": "ClaimReview JSON-LD (an object, a list or an @graph)",
    "html": "HTML page(s) holding ClaimReview JSON-LD",
}
# What each shape's top level holds, to tell them apart.
_KEYS = {
    "claims": "google",
    "dataFeedElement": "datafeed",
    "claimReviews": "insights",
    "mediaReviews": "insights",
}
_REVIEW_TYPES = {"ClaimReview", "MediaReview"}

# One item of a file: where it is, and its record or why it has none.
Item = tuple[str, ReviewRecord | RecordError]


class FormatError(ValueError):
    """A file that is not of a known shape, with what is wrong."""


def detect_format(handle: IO[bytes], filename: str = "") -> str:
    """Return the format of a file from its first bytes (and its top-level keys)."""
    head = handle.read(4096)
    handle.seek(0)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html", b"<head", b"<body", b"<script")):
        return "html"
    if text.startswith(b"<"):
        return "html"
    if text.startswith(b"["):
        return _json_list_format(handle)
    if text.startswith(b"{"):
        return _json_object_format(handle)
    if filename.lower().endswith((".html", ".htm")):
        return "html"
    first_line = head.split(b"\n", 1)[0]
    if b"claimReviewed" in first_line and b"," in first_line:
        return "insights-csv"
    raise FormatError(
        "Not a known shape: expected JSON (a claims:search answer, a DataFeed, "
        "Fact-Check Insights or ClaimReview JSON-LD), a Fact-Check Insights CSV "
        "with a claimReviewed column, or an HTML page."
    )


def _json_object_format(handle: IO[bytes]) -> str:
    try:
        for prefix, event, value in ijson.parse(handle):
            if prefix == "" and event == "map_key":
                if value in _KEYS:
                    return _KEYS[value]
                if value in {"@graph", "claimReviewed"}:
                    return "jsonld"
            elif prefix in {"@type", "@type.item"} and event == "string":
                if value == "DataFeed":
                    return "datafeed"
                if value in _REVIEW_TYPES:
                    return "jsonld"
    except ijson.JSONError as error:
        raise FormatError(f"Not valid JSON: {error}") from error
    finally:
        handle.seek(0)
    raise FormatError(
        "A JSON object without claims, dataFeedElement, claimReviews, "
        "mediaReviews, @type or @graph: not a known shape of fact-checks."
    )


def _json_list_format(handle: IO[bytes]) -> str:
    try:
        for prefix, event, value in ijson.parse(handle):
            if prefix == "item" and event == "map_key":
                if value == "claims":
                    return "google"
                if value in {"@type", "claimReviewed", "@context"}:
                    return "jsonld"
            if prefix == "item" and event == "end_map":
                break
    except ijson.JSONError as error:
        raise FormatError(f"Not valid JSON: {error}") from error
    finally:
        handle.seek(0)
    raise FormatError(
        "A JSON list of neither claims:search pages nor ClaimReview objects."
    )


def read_items(handle: IO[bytes], format: str) -> Iterator[Item]:
    """Yield every item of a file of `format`, each with its position."""
    readers = {
        "google": _google_items,
        "datafeed": _datafeed_items,
        "insights": _insights_items,
        "insights-csv": _csv_items,
        "jsonld": _jsonld_items,
        "html": _html_items,
    }
    if format not in readers:
        raise FormatError(f"Unknown format {format!r}: one of {', '.join(FORMATS)}.")
    try:
        yield from readers[format](handle)
    except ijson.JSONError as error:
        raise FormatError(f"Not valid JSON: {error}") from error


def _read(position: str, read: Any, *args: Any, **kwargs: Any) -> Item:
    try:
        return position, read(*args, **kwargs)
    except RecordError as error:
        return position, error


def _google_items(handle: IO[bytes]) -> Iterator[Item]:
    first = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    handle.seek(0)
    paged = first.startswith(b"[")
    prefix = "item.claims.item" if paged else "claims.item"
    # Pages of a list are counted by their claims, in order, across pages.
    for number, claim in enumerate(ijson.items(handle, prefix, use_float=True)):
        if not isinstance(claim, dict):
            yield f"claims[{number}]", RecordError("not an object")
            continue
        reviews = claim.get("claimReview")
        if not isinstance(reviews, list) or not reviews:
            yield f"claims[{number}]", RecordError("no claimReview")
            continue
        for index, review in enumerate(reviews):
            yield _read(
                f"claims[{number}].claimReview[{index}]",
                record_of_google_review,
                claim,
                review,
            )


def _datafeed_items(handle: IO[bytes]) -> Iterator[Item]:
    elements = ijson.items(handle, "dataFeedElement.item", use_float=True)
    for number, element in enumerate(elements):
        position = f"dataFeedElement[{number}]"
        if not isinstance(element, dict):
            yield position, RecordError("not an object")
            continue
        items = element.get("item")
        items = items if isinstance(items, list) else [items]
        for index, item in enumerate(items):
            yield _read(f"{position}.item[{index}]", record_of_claim_review, item)


def _insights_items(handle: IO[bytes]) -> Iterator[Item]:
    for key in ("claimReviews", "mediaReviews"):
        handle.seek(0)
        for number, item in enumerate(
            ijson.items(handle, f"{key}.item", use_float=True)
        ):
            if isinstance(item, dict) and key == "mediaReviews":
                item.setdefault("@type", "MediaReview")
            yield _read(f"{key}[{number}]", record_of_claim_review, item)


def _jsonld_items(handle: IO[bytes]) -> Iterator[Item]:
    first = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    handle.seek(0)
    prefix = "item" if first.startswith(b"[") else ""
    for number, node in enumerate(ijson.items(handle, prefix, use_float=True)):
        yield from _reviews_in(node, f"[{number}]" if prefix else "")


def _reviews_in(node: Any, position: str) -> Iterator[Item]:
    """Yield the ClaimReviews and MediaReviews of a JSON-LD node (and its @graph)."""
    if isinstance(node, list):
        for index, each in enumerate(node):
            yield from _reviews_in(each, f"{position}[{index}]")
        return
    if not isinstance(node, dict):
        return
    if "@graph" in node:
        yield from _reviews_in(node["@graph"], f"{position}@graph")
        return
    types = node.get("@type")
    types = set(types) if isinstance(types, list) else {types}
    if types & _REVIEW_TYPES or "claimReviewed" in node:
        yield _read(position or "[0]", record_of_claim_review, node)


def _html_items(handle: IO[bytes]) -> Iterator[Item]:
    import extruct

    page = handle.read().decode("utf-8", errors="replace")
    try:
        found = extruct.extract(page, syntaxes=["json-ld"], uniform=True)
    except Exception as error:  # extruct raises what lxml raises
        raise FormatError(f"Not a readable HTML page: {error}") from error
    count = 0
    for number, node in enumerate(found.get("json-ld", [])):
        for item in _reviews_in(node, f"json-ld[{number}]"):
            count += 1
            yield item
    if not count:
        raise FormatError("The page holds no ClaimReview JSON-LD.")


_INDEX = re.compile(r"^\d+$")


def unflatten(row: dict[str, str]) -> dict[str, Any]:
    """Turn dotted CSV headers (`itemReviewed.appearance.1.url`) into nested JSON."""
    tree: dict[str, Any] = {}
    for header, cell in row.items():
        if cell is None or cell == "" or not header:
            continue
        node: Any = tree
        parts = header.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = cell
    unflattened: dict[str, Any] = _lists(tree)
    return unflattened


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(_INDEX.match(key) for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


def _csv_items(handle: IO[bytes]) -> Iterator[Item]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    if not reader.fieldnames or "claimReviewed" not in reader.fieldnames:
        raise FormatError("The CSV has no claimReviewed column in its header.")
    line = reader.line_num + 1
    for row in reader:
        position = f"line {line}"
        if None in row:
            yield position, RecordError("more cells than the header has columns")
        else:
            yield _read(position, record_of_claim_review, unflatten(row))
        line = reader.line_num + 1
    text.detach()
