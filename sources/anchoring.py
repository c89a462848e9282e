"""Find where a claim's quote sits in its document's text, and record the offsets.

A quote matches exactly, or else after folding what copying text tends to change:
runs of whitespace (line breaks, non-breaking spaces) and typographic quotes and
apostrophes. The folding is the one `sources.models.normalize_for_matching` applies, so
a quote that passes `Document.contains_quote` is found here too. The offsets returned
always point into the original text. Nothing else (case, dashes, missing words) is
forgiven: a quote is the words exactly as they appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Kept in step with sources.models.normalize_for_matching.
_SINGLE_QUOTES = frozenset("\u2018\u2019\u201a\u201b\u2032")
_DOUBLE_QUOTES = frozenset("\u201c\u201d\u201e\u201f\u2033")


@dataclass(frozen=True)
class AnchorReport:
    """Which claims of a document were anchored, and which quotes were not found."""

    anchored: list[int] = field(default_factory=list)
    missing: list[tuple[int, str]] = field(default_factory=list)


def _fold(text: str) -> tuple[str, list[int]]:
    """Return `text` folded for matching, and for each folded character its offset."""
    folded: list[str] = []
    origins: list[int] = []
    in_space = False
    for index, char in enumerate(text):
        if char.isspace():
            if not in_space:
                folded.append(" ")
                origins.append(index)
            in_space = True
            continue
        in_space = False
        if char in _SINGLE_QUOTES:
            char = "'"
        elif char in _DOUBLE_QUOTES:
            char = '"'
        folded.append(char)
        origins.append(index)
    return "".join(folded), origins


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Return the (start, end) of the first occurrence of `quote` in `text`, or None."""
    quote = quote.strip()
    if not quote or not text:
        return None
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    folded_text, origins = _fold(text)
    folded_quote, _ = _fold(quote)
    position = folded_text.find(folded_quote)
    if position < 0:
        return None
    # The quote is stripped, so its last folded character is a real character of the
    # text, never a folded whitespace run.
    last = position + len(folded_quote) - 1
    return origins[position], origins[last] + 1
