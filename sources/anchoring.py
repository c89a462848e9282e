"""Find where a claim's quote sits in its document's text, and record the offsets.

A quote matches exactly, or else after folding what copying text tends to change:
runs of whitespace (line breaks, non-breaking spaces) and typographic quotes and
apostrophes. The folding is the one `sources.models.normalize_for_matching` applies, so
a quote that passes `Document.contains_quote` is found here too. The offsets returned
always point into the original text. Nothing else (case, dashes, missing words) is
forgiven: a quote is the words exactly as they appear.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

# Kept in step with sources.models.normalize_for_matching.
_SINGLE_QUOTES = frozenset("\u2018\u2019\u201a\u201b\u2032")
_DOUBLE_QUOTES = frozenset("\u201c\u201d\u201e\u201f\u2033")
_PLAIN_QUOTES = str.maketrans(
    dict.fromkeys(_SINGLE_QUOTES, "'") | dict.fromkeys(_DOUBLE_QUOTES, '"')
)
# \s is what str.isspace() calls whitespace, character for character.
_WHITESPACE = re.compile(r"\s+")
_LONG_WHITESPACE = re.compile(r"\s{2,}")


@dataclass(frozen=True)
class AnchorReport:
    """Which claims of a document were anchored, and which quotes were not found."""

    anchored: list[int] = field(default_factory=list)
    missing: list[tuple[int, str]] = field(default_factory=list)


def _fold(text: str) -> str:
    """Return `text` folded for matching: one space per whitespace run, plain quotes."""
    return _WHITESPACE.sub(" ", text.translate(_PLAIN_QUOTES))


@functools.lru_cache(maxsize=1)
def _folded_text(text: str) -> str:
    # anchor_claims looks up every quote of a document in the same text: it is folded
    # once (and the last text folded is kept, a few MB at most).
    return _fold(text)


def _original_offset(text: str, position: int) -> int:
    """Return where the character at `position` of `_fold(text)` is in `text`."""
    # Folding keeps every character but the second and later ones of a whitespace run
    # (a run folds to its first character), so only runs of two or more shift offsets.
    removed = 0
    for run in _LONG_WHITESPACE.finditer(text):
        if run.start() - removed >= position:
            break
        removed += len(run.group(0)) - 1
    return position + removed


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Return the (start, end) of the first occurrence of `quote` in `text`, or None."""
    quote = quote.strip()
    if not quote or not text:
        return None
    start = text.find(quote)
    if start >= 0:
        return start, start + len(quote)
    folded_quote = _fold(quote)
    position = _folded_text(text).find(folded_quote)
    if position < 0:
        return None
    # The quote is stripped, so its last folded character is a real character of the
    # text, never a folded whitespace run.
    last = position + len(folded_quote) - 1
    return _original_offset(text, position), _original_offset(text, last) + 1
