"""Split a text into sentences, in time linear in its length (rule 1 of the package)."""

from __future__ import annotations

import re
from collections.abc import Iterator

# A line shorter than this ends its block: headings, bylines and furniture are lines
# of their own, while hard-wrapped prose has long lines.
SHORT_LINE = 50
# Longer "sentences" are cut into pieces of at most this many characters.
MAX_SENTENCE = 2000
# The rules read at most this many characters before a point (the words before a
# figure); a search from the start of the text at every point would cost the square
# of its length.
LOOK_BEHIND = 100

# Never end a sentence: a title or a word that a number or a name follows.
_ALWAYS_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt capt cmdr sgt st mt ft rev hon pres
    no nos vol fig figs pp vs approx est dept e.g i.e cf ca jan feb mar apr jun jul
    aug sep sept oct nov dec"""
    # Russian: "т.е." (that is), "долл. США", "им. Ленина", "ул.", "стр.", "см."
    """ т.е т.к т.д т.п т.н долл руб коп им ул стр см рис илл проф акад тов гос
    напр""".split()
)
# End a sentence only when the next word usually starts one ("... in the U.S. The").
_MAYBE_ABBREVIATIONS = frozenset(
    """inc corp co ltd llc plc jr sr bros etc a.m p.m u.s u.k u.n e.u"""
    # Russian scale words end a figure or a sentence: "5 млрд. долларов", but "в
    # 2013 г. составил 5 млрд. В 2014 г. ..." ends one.
    """ млрд млн трлн тыс гг""".split()
)
_SENTENCE_STARTERS = frozenset(
    """the a an this that these those it its he she they we i you there here in on
    at for but and so yet however meanwhile still if when while as after before
    since his her their our my mr mrs ms dr according"""
    """ в во на по это как при однако кроме также он она они мы я его ее её их
    этот эта эти так но и а если когда после с со за из к по о об у""".split()
)

# Starts only where a run of stops starts, and never backtracks into it: a run of
# dots with no space after it ("....5") is read once, not once per dot.
# Persian ends a sentence with "." "!" or "؟" (the Arabic question mark); Russian
# quotes with «...».
_BREAK = re.compile(r"(?<![.!?…؟])[.!?…؟]++[\"'”’»)\]]*+(?=\s)")
_NEXT_START = re.compile(r"\s+([\"'“‘«(\[]?)([A-Z0-9]|[^\W_])")
# Scripts without capitals: a letter of these starts a sentence after a full stop.
_UNCASED = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_WORD_AFTER = re.compile(r"\w+")
_DOTTED_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")
# Where a long sentence may be cut, best first: after a clause mark, at any space.
_CUTS = [re.compile(r"(?<=[;:,–—،؛])\s+"), re.compile(r"\s+")]


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of every sentence of `text`, trimmed of whitespace."""
    spans = []
    for block_start, block_end in _blocks(text):
        start = block_start
        for match in _BREAK.finditer(text, block_start, block_end):
            if _is_sentence_end(text, match, block_end):
                spans.append((start, match.end()))
                start = match.end()
        spans.append((start, block_end))
    return [
        piece
        for span in (trim(text, *span) for span in spans)
        if span
        for piece in _pieces(text, *span)
    ]


def _pieces(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Yield the sentence cut into trimmed pieces of at most MAX_SENTENCE characters."""
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        # A cut in the second half makes every piece but the last longer than half the
        # bound, so the searches read each character of the text at most twice.
        cut = None
        for boundary in _CUTS:
            found = list(boundary.finditer(text, start + MAX_SENTENCE // 2, limit))
            if found:
                cut = found[-1]
                break
        piece_end, next_start = (cut.start(), cut.end()) if cut else (limit, limit)
        piece = trim(text, start, piece_end)
        if piece:
            yield piece
        start = next_start
    piece = trim(text, start, end)
    if piece:
        yield piece


def _blocks(text: str) -> list[tuple[int, int]]:
    """Return the paragraphs of `text`: split at blank lines and after short lines."""
    blocks = []
    block_start = None
    previous_short = False
    position = 0
    for line in text.splitlines(keepends=True):
        line_start, position = position, position + len(line)
        content = line.strip()
        if not content:
            if block_start is not None:
                blocks.append((block_start, line_start))
                block_start = None
            continue
        bullet = content[0] in "-*•·▪–—" and content[1:2].isspace()
        if block_start is not None and (previous_short or bullet):
            blocks.append((block_start, line_start))
            block_start = None
        if block_start is None:
            block_start = line_start
        previous_short = len(content) < SHORT_LINE
    if block_start is not None:
        blocks.append((block_start, len(text)))
    return blocks


def _is_sentence_end(text: str, match: re.Match[str], block_end: int) -> bool:
    following = _NEXT_START.match(text, match.end(), block_end)
    if following is None:
        return False
    next_char = following.group(2)
    uncased = bool(_UNCASED.match(next_char))
    if not (
        next_char.isupper() or next_char.isdigit() or following.group(1) or uncased
    ):
        return False
    if not match.group(0).startswith("."):
        return True
    token = _token_before(text, match.start())
    if token is None:
        return True
    token = token.lstrip("\"'“‘([").lower()
    if token.isdigit() or not token:
        return True
    if token in _ALWAYS_ABBREVIATIONS:
        return False
    if len(token) == 1 and token.isalpha():
        return False  # an initial: "John F. Kennedy"
    next_word = _WORD_AFTER.match(text, following.start(2))
    starts_sentence = bool(
        next_word and next_word.group(0).lower() in _SENTENCE_STARTERS
    )
    if token in _MAYBE_ABBREVIATIONS or _DOTTED_INITIALS.fullmatch(token):
        return starts_sentence
    return True


def _token_before(text: str, end: int) -> str | None:
    """Return the run of non-space characters that ends at `end`, or None."""
    # What searching `(\S+)$` up to `end` finds ($ also matches before a final line
    # break), reading only the token, not everything before it. A break ends its
    # token, so each token is read once.
    stop = end - 1 if end and text[end - 1] == "\n" else end
    start = stop
    while start and not text[start - 1].isspace():
        start -= 1
    return text[start:stop] if start < stop else None


def trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
