"""Propose check-worthy sentences of a document as candidate claims, for an editor.

The rules are plain and listed here, so an editor can see why a sentence was proposed
(each candidate's `reasons`) and a developer can see what to change:

1. The text is split into sentences: blank lines and short lines (headings, bylines,
   page furniture) end a block; inside a block a sentence ends at . ! or ? followed by
   a capital, a digit or an opening quote, except after a title or similar ("Dr.",
   "No. 5", "Jan. 5"), an initial ("John F. Kennedy"), or an abbreviation such as
   "U.S." or "Inc." unless a word that starts sentences ("The", "It") follows.
   Decimals ("5.3") never split. A "sentence" longer than `MAX_SENTENCE` characters
   (a table flattened into one line, a text without full stops) is cut at the last
   clause boundary ("; ", ", ", " – ") or else the last whitespace before that bound,
   and hard at the bound when there is none, so every later step works on pieces of
   bounded length.
2. Page furniture is not a claim: copyright lines, contact lines (Tel:, Fax:, e-mail),
   "Follow X on Twitter", citation lines, addresses, navigation words ("Most recent"),
   and anything with fewer than `MIN_WORDS` words once URLs, e-mail addresses, phone
   numbers and handles are masked.
3. A sentence is scored from what it states (`WEIGHTS`): a figure (money, percent, a
   count of things, read by `claims.quantities.find_amounts`; years are not figures,
   nor is "the two countries"), a ranking ("the country's largest", "second-biggest",
   "the 10th meeting", "for the first time"), a dated event (a date and an event verb:
   "signed in November", "went online in 2011"); a named source ("according to",
   "said") and a comparison or trend word ("increase", "more than", "record") add to
   a sentence that has one of those three. Below `MIN_SCORE` nothing is proposed.
4. A sentence with several figures is cut at the strongest clause boundary between
   each two of them ("; ", ", while", " and "), so each figure gets its own quote.
5. A metric is suggested when most words of its name and slug appear in the quote
   and its unit is the figure's unit (`suggest_metric`).

The cost is linear in the length of the text: sentences are of bounded length, no
rule reads more than `_LOOK_BEHIND` characters before a figure ("the two", "No. 1"),
the token before a full stop is read back to its start only; `find_amounts` likewise.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from sources.anchoring import locate_quote
from sources.models import Document

from .figures.formatting import format_figure
from .figures.quantities import ParsedAmount, find_amounts
from .models import Candidate, Claim, Metric
from .ratings import Status
from .services.claims import claim_save

MIN_SCORE = 0.4
MIN_WORDS = 4
# A sentence is proposed only for one of these; the others add to its score.
CORE_FEATURES = ("money", "percent", "count", "ranking", "dated event")
WEIGHTS = {
    "money": 0.5,
    "percent": 0.5,
    "count": 0.45,
    "ranking": 0.4,
    "dated event": 0.4,
    "source": 0.15,
    "comparison": 0.15,
    "period": 0.05,
    "question": -0.2,
}
# A suggested metric needs this share of its words in the sentence, and two at least.
METRIC_MIN_SHARE = 0.75
METRIC_MIN_WORDS = 2
# A line shorter than this ends its block: headings, bylines and furniture are lines
# of their own, while hard-wrapped prose has long lines.
SHORT_LINE = 50
# Longer "sentences" are cut into pieces of at most this many characters.
MAX_SENTENCE = 2000
# The rules read at most this many characters before a point (the words before a
# figure); a search from the start of the text at every point would cost the square
# of its length.
_LOOK_BEHIND = 100

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|"
    "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"

# Never end a sentence: a title or a word that a number or a name follows.
_ALWAYS_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sen rep gov gen col lt capt cmdr sgt st mt ft rev hon pres
    no nos vol fig figs pp vs approx est dept e.g i.e cf ca jan feb mar apr jun jul
    aug sep sept oct nov dec""".split()
)
# End a sentence only when the next word usually starts one ("... in the U.S. The").
_MAYBE_ABBREVIATIONS = frozenset(
    """inc corp co ltd llc plc jr sr bros etc a.m p.m u.s u.k u.n e.u""".split()
)
_SENTENCE_STARTERS = frozenset(
    """the a an this that these those it its he she they we i you there here in on
    at for but and so yet however meanwhile still if when while as after before
    since his her their our my mr mrs ms dr according""".split()
)

# Starts only where a run of stops starts, and never backtracks into it: a run of
# dots with no space after it ("....5") is read once, not once per dot.
_BREAK = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’)\]]*+(?=\s)")
_NEXT_START = re.compile(r"\s+([\"'“‘(\[]?)([A-Z0-9]|[^\W\d_])")
_WORD_AFTER = re.compile(r"\w+")
_DOTTED_INITIALS = re.compile(r"(?:[a-z]\.)+[a-z]")
# Where a long sentence may be cut, best first: after a clause mark, at any space.
_CUTS = [re.compile(r"(?<=[;:,–—])\s+"), re.compile(r"\s+")]

# Masked before reading figures: they hold digits that are not figures.
_MASKS = [
    re.compile(r"<?(?:https?://|www\.)\S+>?", re.IGNORECASE),
    re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    re.compile(r"(?<!\w)@\w+"),
    # Phone numbers: a + and digits, or 3+ groups of digits split by spaces or dashes.
    re.compile(r"\+\d[\d\s().-]{6,}\d"),
    re.compile(r"\(\d{2,4}\)\s*\d[\d\s-]{4,}\d"),
    re.compile(r"\((?:image|photo|picture|video)[^)]*\)", re.IGNORECASE),
]
# Line-anchored (re.M): a contact line glued to an address line still counts.
_FURNITURE = [
    re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b", re.I),
    re.compile(
        r"^\W*(?:tel|telephone|phone|fax|e-?mail|mobile|contact(?: us)?)"
        r"\W*\s*[:.]",
        re.I | re.M,
    ),
    re.compile(
        r"^\W*follow\b.*\bon\s+(?:twitter|x|facebook|instagram|linkedin|tiktok|"
        r"youtube|threads|bluesky|mastodon)\b",
        re.I | re.M,
    ),
    re.compile(r"^\W*(?:to cite this|cite this|how to cite|citation\s*:)", re.I | re.M),
    re.compile(
        r"^\W*(?:most (?:recent|read|popular|viewed)|all (?:articles|stories|news)|"
        r"related (?:articles|stories|content)|read (?:more|next)|advertisement|"
        r"watch live|click here|back to top|sign up|subscribe|share (?:this|on)|"
        r"about the author|image source|photo credit)\b",
        re.I | re.M,
    ),
]
_ADDRESS = re.compile(
    r"\bNo\s*:\s*\d|\bP\.?\s?O\.?\s+Box\b|\b\d{1,5}[A-Z]?\s+(?:[A-Z][\w.-]*\s+){1,3}"
    r"(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Lane|Drive|Dr\.|"
    r"Square|Sq\.|Place|Suite)|\b(?:Street|Avenue|Road|Sok\.|Sokak|Cad\.|Caddesi|"
    r"Str\.|Strasse|Straße|Rue|Calle|Via)\b.*\b\d{4,6}\b"
)

_REFERENTIAL = re.compile(
    r"\b(?:the|these|those|both|its|their|our|all|each|every)\s+$", re.IGNORECASE
)
_SUPERLATIVES = (
    r"largest|biggest|smallest|highest|lowest|fastest|slowest|oldest|newest|"
    r"youngest|richest|poorest|deadliest|busiest|longest|shortest|tallest|heaviest|"
    r"cheapest|costliest|most\s+populous|best[- ]selling|top[- ]selling|leading"
)
_ORDINAL_WORDS = (
    r"second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th)"
)
_RANKING = re.compile(
    rf"(?:\bthe|['’]s)\s+(?:(?:{_ORDINAL_WORDS})[-\s]+)?(?:{_SUPERLATIVES})\b"
    rf"|\b(?:{_ORDINAL_WORDS})-(?:{_SUPERLATIVES})\b"
    r"|\bfor the first time\b|\b(?:first|only)\s+ever\b"
    r"|\b(?:No\.|number)\s*(?:1|one)\b|\branked\s+(?:No\.\s*)?\d+",
    re.IGNORECASE,
)
# "the 10th meeting" ranks an event; "June 30th" and "the 30th of June" are dates.
_ORDINAL = re.compile(rf"(?<!\w)\d+(?:st|nd|rd|th)\s+(?!of\s+(?:{_MONTHS})\b)[a-z]\w*")
_RANK_NUMBER = re.compile(r"(?:\bNo\.|\bnumber|#)\s*$", re.IGNORECASE)
_ORDINAL_DATE = re.compile(rf"\b(?:{_MONTHS})\.?\s+\d+(?:st|nd|rd|th)\b")
_DATE = re.compile(
    rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b(?i:in|since|by|until|from|of|last|next|early|late|mid-?|this)\s+"
    rf"(?:{_MONTHS})\b"
    rf"|\b(?:{_MONTHS})\s+\d{{4}}\b"
    r"|\b(?:1[89]|20)\d{2}\b"
    rf"|\b(?:{_WEEKDAYS})\b"
    r"|\b(?i:last|this|next)\s+(?:year|month|week)\b|\b(?i:yesterday|today)\b"
)
_EVENT_VERBS = re.compile(
    r"\b(?:signed|launched|adopted|reached|began|begun|started|opened|closed|"
    r"approved|ratified|passed|enacted|elected|re-?elected|appointed|resigned|"
    r"announced|agreed|founded|established|completed|built|introduced|unveiled|"
    r"held|hosted|visited|resumed|stopped|halted|suspended|ended|expired|"
    r"took\s+(?:place|effect|office)|went\s+(?:online|into\s+(?:effect|force))|"
    r"came\s+(?:online|into\s+(?:effect|force))|entered\s+into\s+force|"
    r"won|lost|died|killed|arrested|released|published|imposed|lifted|eased|"
    r"exported|imported|sold|bought|acquired|merged|invaded|struck|collapsed|"
    r"paid\s+a\s+visit)\b",
    re.IGNORECASE,
)
_SOURCE = re.compile(
    r"\baccording\s+to\b|\b(?:said|says|told|stated|reported|reports|announced|"
    r"estimated|estimates|claimed|claims|noted|wrote|testified|confirmed)\b"
    r"|\b(?:figures|data|statistics|survey|census|poll)\s+(?:show|showed|released)",
    re.IGNORECASE,
)
_COMPARISON = re.compile(
    r"\b(?:increas\w*|decreas\w*|rise|rises|rose|risen|rising|fell|fall|falls|"
    r"fallen|drop|drops|dropped|plung\w*|surg\w*|jump\w*|soar\w*|grew|grow|grows|"
    r"growth|declin\w*|doubl\w*|tripl\w*|halv\w*|shr[ai]nk\w*|slump\w*|climb\w*|"
    r"cut|gain\w*|loss|record|unprecedented|more\s+than|less\s+than|fewer\s+than|"
    r"higher\s+than|lower\s+than|compared\s+(?:with|to)|up\s+from|down\s+from|"
    r"than|twice|times\s+as|share\s+of|out\s+of)\b",
    re.IGNORECASE,
)
_PERIOD = re.compile(
    r"\b(?:(?:1[89]|20)\d{2}|last\s+year|this\s+year|a\s+year|per\s+(?:year|annum)|"
    r"annual\w*|yearly|in\s+(?:the\s+)?(?:past|last|first|second|third|fourth)\s+"
    r"\w+|quarter|month|decade)\b",
    re.IGNORECASE,
)
# Clause boundaries between two figures, strongest first.
_CLAUSE_BOUNDARIES = [
    re.compile(r";\s+|\s+[–—]\s+"),
    re.compile(
        r",\s+(?=(?:while|whereas|but|with|and|although|though|after|before|as)\b)"
    ),
    re.compile(r"\s+(?=(?:while|whereas)\b)"),
    re.compile(r",\s+"),
    re.compile(r"\s+(?=and\b)"),
]
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_METRIC_STOPWORDS = frozenset(
    """a an the of in on at to for and or by with from per as is are was were be
    its their between than into over under about usd percent""".split()
)
_CURRENCY_UNIT = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class Proposal:
    """A span of a text proposed as a claim, with its figure, score and reasons."""

    start: int
    end: int
    quote: str
    sentence: str
    amount: ParsedAmount | None
    score: float
    reasons: tuple[str, ...]
    metric: Metric | None = None


@dataclass
class ExtractionReport:
    created: int = 0
    skipped_existing: int = 0
    skipped_rejected: int = 0
    candidates: list[Candidate] = field(default_factory=list)

    def __str__(self):
        return (
            f"{self.created} candidates created, {self.skipped_existing} skipped "
            f"(already proposed or claimed), {self.skipped_rejected} skipped "
            "(rejected before)"
        )


# Sentences -------------------------------------------------------------------------


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
        for span in (_trim(text, *span) for span in spans)
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
        piece = _trim(text, start, piece_end)
        if piece:
            yield piece
        start = next_start
    piece = _trim(text, start, end)
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


def _is_sentence_end(text: str, match: re.Match, block_end: int) -> bool:
    following = _NEXT_START.match(text, match.end(), block_end)
    if following is None:
        return False
    next_char = following.group(2)
    if not (next_char.isupper() or next_char.isdigit() or following.group(1)):
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


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


# Rules -----------------------------------------------------------------------------


def _mask(sentence: str) -> str:
    """Return `sentence` with URLs, e-mail, handles and phones blanked, same length."""
    for pattern in _MASKS:
        sentence = pattern.sub(lambda match: " " * len(match.group(0)), sentence)
    return sentence


def is_furniture(sentence: str) -> bool:
    """Return whether a sentence is page furniture rather than something stated."""
    if any(pattern.search(sentence) for pattern in _FURNITURE):
        return True
    masked = _mask(sentence)
    words = _WORD.findall(masked)
    if len(words) < MIN_WORDS:
        return True
    ends_like_prose = sentence.rstrip().endswith((".", "!", "?", '"', "”"))
    return bool(_ADDRESS.search(sentence)) and (len(words) < 20 or not ends_like_prose)


def figures_in(text: str) -> list[tuple[int, int, ParsedAmount]]:
    """Return the amounts of `text` that state a figure, with their spans."""
    masked = _mask(text)
    figures = []
    for start, end, amount in find_amounts(masked):
        kind = _figure_kind(amount)
        if kind == "count":
            # "the two countries" names things already mentioned; it counts nothing.
            window = max(0, start - _LOOK_BEHIND)
            if amount.value <= 10 and _REFERENTIAL.search(masked, window, start):
                continue
            if _ORDINAL_DATE.search(masked, max(0, start - 12), end + 4):
                continue
            if _RANK_NUMBER.search(masked, window, start):
                continue  # "the No. 1 seller" is a rank, not one seller
        if len(amount.unit) > Candidate._meta.get_field("unit").max_length:
            continue
        figures.append((start, end, amount))
    return figures


def _figure_kind(amount: ParsedAmount) -> str:
    if amount.unit in ("percent", "percentage points"):
        return "percent"
    if _CURRENCY_UNIT.match(amount.unit):
        return "money"
    return "count"


def score_sentence(
    quote: str, sentence: str, figures: list[tuple[int, int, ParsedAmount]]
) -> tuple[float, list[str]]:
    """Return the check-worthiness of `quote` (0..1) and the reasons that counted."""
    reasons: list[str] = []
    features: list[str] = []

    def count(feature: str, why: str) -> None:
        if feature not in features:
            features.append(feature)
            reasons.append(f"{why} (+{WEIGHTS[feature]:g})")

    if figures:
        # The first figure scores; more figures in the same quote are only listed.
        written = [
            format_figure(
                amount.value, amount.unit, amount.comparator, amount.value_upper
            )
            for _, _, amount in figures
        ]
        kind = _figure_kind(figures[0][2])
        also = f" (also {', '.join(written[1:])})" if len(written) > 1 else ""
        count(kind, f"{kind}: {written[0]}{also}")
    masked = _mask(quote)
    ranking = _RANKING.search(masked) or next(
        (
            match
            for match in _ORDINAL.finditer(masked)
            if not _ORDINAL_DATE.search(masked, max(0, match.start() - 12), match.end())
        ),
        None,
    )
    if ranking:
        count("ranking", f"ranking: “{ranking.group(0).strip()}”")
    event = _EVENT_VERBS.search(masked)
    date = _DATE.search(masked)
    if event and date:
        count(
            "dated event",
            f"dated event: “{event.group(0)}” + “{date.group(0).strip()}”",
        )
    if not any(feature in CORE_FEATURES for feature in features):
        return 0.0, []
    source = _source_in(sentence)
    if source:
        count("source", f"source: “{source.group(0)}”")
    comparison = _COMPARISON.search(masked)
    if comparison:
        count("comparison", f"comparison or trend: “{comparison.group(0)}”")
    if figures and _PERIOD.search(masked):
        count("period", "figure with a period")
    if sentence.rstrip().endswith("?"):
        features.append("question")
        reasons.append(f"a question ({WEIGHTS['question']:g})")
    score = sum(WEIGHTS[feature] for feature in features)
    return round(max(0.0, min(1.0, score)), 2), reasons


@functools.lru_cache(maxsize=1)
def _source_in(sentence: str) -> re.Match | None:
    # Each clause of a sentence is scored with the same sentence: masked once.
    return _SOURCE.search(_mask(sentence))


def _clauses(
    sentence: str, figures: list[tuple[int, int, ParsedAmount]]
) -> list[tuple[int, int]]:
    """Return the sentence cut between its figures at the strongest boundaries."""
    cuts = []
    for (_, first_end, _), (second_start, _, _) in zip(
        figures, figures[1:], strict=False
    ):
        for boundary in _CLAUSE_BOUNDARIES:
            found = list(boundary.finditer(sentence, first_end, second_start))
            if found:
                cut = found[-1]
                cuts.append((cut.start(), cut.end()))
                break
    spans = []
    start = 0
    for cut_start, cut_end in cuts:
        spans.append((start, cut_start))
        start = cut_end
    spans.append((start, len(sentence)))
    # A clause too short to stand alone ("or 4 percent") stays with its neighbour.
    # Words are counted once per clause: a cut holds no letters, so the words of two
    # merged clauses are the sum of theirs.
    merged: list[tuple[int, int]] = []
    words: list[int] = []
    for span in spans:
        count = _word_count(sentence, span)
        if merged and (count < MIN_WORDS or words[-1] < MIN_WORDS):
            merged[-1] = (merged[-1][0], span[1])
            words[-1] += count
        else:
            merged.append(span)
            words.append(count)
    return merged


def _word_count(sentence: str, span: tuple[int, int]) -> int:
    return len(_WORD.findall(sentence, span[0], span[1]))


def propose_candidates(text: str, *, metrics: Iterable[Metric] = ()) -> list[Proposal]:
    """Return the spans of `text` worth checking, with figure, score and reasons."""
    metrics = list(metrics)
    proposals = []
    for sentence_start, sentence_end in split_sentences(text):
        sentence = text[sentence_start:sentence_end]
        if is_furniture(sentence):
            continue
        figures = figures_in(sentence)
        for clause_start, clause_end in _clauses(sentence, figures):
            span = _trim(sentence, clause_start, clause_end)
            if span is None:
                continue
            quote = sentence[span[0] : span[1]]
            quote_figures = [
                (start - span[0], end - span[0], amount)
                for start, end, amount in figures
                if span[0] <= start and end <= span[1]
            ]
            score, reasons = score_sentence(quote, sentence, quote_figures)
            if score < MIN_SCORE:
                continue
            amount = quote_figures[0][2] if quote_figures else None
            metric, why = suggest_metric(quote, amount, metrics)
            if why:
                reasons.append(why)
            proposals.append(
                Proposal(
                    start=sentence_start + span[0],
                    end=sentence_start + span[1],
                    quote=quote,
                    sentence=sentence,
                    amount=amount,
                    score=score,
                    reasons=tuple(reasons),
                    metric=metric,
                )
            )
    return proposals


def _metric_words(text: str) -> set[str]:
    words = set()
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in _METRIC_STOPWORDS or len(word) < 2:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return words


def suggest_metric(
    quote: str, amount: ParsedAmount | None, metrics: Iterable[Metric]
) -> tuple[Metric | None, str]:
    """Return the metric whose name words the quote shares most, and why.

    Only the quote counts, not the rest of its sentence: in "trade with Turkey is $20
    billion and with China $40 billion" the second clause is not about Turkey.
    """
    if amount is None:
        return None, ""
    quote_words = _metric_words(quote)
    best = None
    best_key: tuple[float, int] = (0.0, 0)
    best_size = 0
    for metric in metrics:
        if metric.unit.lower() != amount.unit.lower():
            continue
        metric_words = _metric_words(f"{metric.name} {metric.slug.replace('-', ' ')}")
        if not metric_words:
            continue
        shared = len(metric_words & quote_words)
        key = (shared / len(metric_words), shared)
        if shared >= METRIC_MIN_WORDS and key[0] >= METRIC_MIN_SHARE and key > best_key:
            best, best_key, best_size = metric, key, len(metric_words)
    if best is None:
        return None, ""
    return best, f"metric: {best.name} ({best_key[1]} of {best_size} words)"


# Storing ---------------------------------------------------------------------------


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(
        start < other_end and other_start < end for other_start, other_end in spans
    )


@transaction.atomic
def extract_candidates(document: Document) -> ExtractionReport:
    """Store the document's check-worthy sentences as proposed candidates.

    Skipped: a span overlapping a candidate proposed or accepted before, or a claim's
    quote (skipped_existing), and one overlapping a rejected candidate
    (skipped_rejected). Running it twice creates nothing the second time.
    """
    # One extraction per document at a time: the lock orders concurrent runs.
    document = Document.objects.select_for_update().get(pk=document.pk)
    report = ExtractionReport()
    if not document.text:
        return report
    existing = list(
        document.candidates.values_list("quote_start", "quote_end", "state")
    )
    rejected = [(s, e) for s, e, state in existing if state == Candidate.State.REJECTED]
    proposed = [(s, e) for s, e, state in existing if state != Candidate.State.REJECTED]
    claimed = []
    for start, end, quote in Claim.objects.filter(document=document).values_list(
        "quote_start", "quote_end", "quote"
    ):
        # A claim not anchored yet still covers its quote.
        span = (start, end) if start is not None else locate_quote(document.text, quote)
        if span is not None:
            claimed.append(span)
    new = []
    for proposal in propose_candidates(document.text, metrics=Metric.objects.all()):
        if (proposal.start, proposal.end) in proposed or _overlaps(
            proposal.start, proposal.end, claimed + proposed
        ):
            report.skipped_existing += 1
            continue
        if (proposal.start, proposal.end) in rejected or _overlaps(
            proposal.start, proposal.end, rejected
        ):
            report.skipped_rejected += 1
            continue
        new.append(_candidate(document, proposal))
    report.candidates = bulk_create_with_history(new, Candidate)
    report.created = len(new)
    return report


def _candidate(document: Document, proposal: Proposal) -> Candidate:
    amount = proposal.amount
    reasons = "; ".join(proposal.reasons)
    max_reasons = Candidate._meta.get_field("reasons").max_length
    if len(reasons) > max_reasons:
        reasons = reasons[: max_reasons - 1] + "…"
    return Candidate(
        document=document,
        quote=proposal.quote,
        quote_start=proposal.start,
        quote_end=proposal.end,
        sentence=proposal.sentence,
        value=amount.value if amount else None,
        value_upper=amount.value_upper if amount else None,
        unit=amount.unit if amount else "",
        comparator=amount.comparator if amount else "exact",
        suggested_metric=proposal.metric,
        score=proposal.score,
        reasons=reasons,
    )


def _is_user(by) -> bool:
    return by is not None and getattr(by, "is_authenticated", False)


def candidate_span(candidate: Candidate, quote: str) -> tuple[int, int]:
    """Return where an edited quote sits in the candidate's document, or refuse it."""
    span = locate_quote(candidate.document.text, quote)
    if span is None:
        raise ValidationError({"quote": "The quote does not appear in the document."})
    clash = Candidate.objects.filter(
        document_id=candidate.document_id, quote_start=span[0], quote_end=span[1]
    ).exclude(pk=candidate.pk)
    if clash.exists():
        raise ValidationError(
            {"quote": f"Candidate {clash.first().pk} already has this quote."}
        )
    return span


@transaction.atomic
def candidate_save(*, candidate: Candidate) -> Candidate:
    """Store an edited candidate, re-anchoring its quote in the document's text."""
    candidate.quote = candidate.quote.strip()
    candidate.quote_start, candidate.quote_end = candidate_span(
        candidate, candidate.quote
    )
    candidate.full_clean()
    candidate.save()
    return candidate


@transaction.atomic
def accept_candidate(
    *,
    candidate: Candidate,
    by=None,
    text: str | None = None,
    metric: Metric | None = None,
    speaker=None,
    speaker_role: str = "",
    period_label: str = "",
) -> Claim:
    """Make a claim of a candidate (origin extracted, unverified) and mark it accepted.

    The claim takes the candidate's quote, figure and document; its text is the
    sentence unless `text` is given; its metric is `metric` or else the suggested one.
    A rejected candidate may still be accepted (an editor changing their mind).
    Raises ValidationError when the claim breaks a rule (claims.services.claim_save)
    or the candidate was accepted before, PermissionDenied when `by` may not add
    claims.
    """
    stored = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if stored.state == Candidate.State.ACCEPTED:
        raise ValidationError(
            f"Candidate {candidate.pk} was already accepted as claim {stored.claim_id}."
        )
    document = candidate.document
    span = locate_quote(document.text, candidate.quote)
    claim = Claim(
        text=(text or candidate.sentence or candidate.quote).strip(),
        quote=candidate.quote,
        document=document,
        speaker=speaker,
        speaker_role=speaker_role,
        status=Status.UNVERIFIED,
        metric=metric or candidate.suggested_metric,
        value=candidate.value,
        value_upper=candidate.value_upper,
        unit=candidate.unit,
        comparator=candidate.comparator,
        period_label=period_label,
        quote_start=span[0] if span else None,
        quote_end=span[1] if span else None,
        origin="extracted",
    )
    claim_save(claim=claim, by=by, change_reason="Accepted from an extracted candidate")
    candidate.state = Candidate.State.ACCEPTED
    candidate.claim = claim
    candidate.decided_at = timezone.now()
    candidate.decided_by = by if _is_user(by) else None
    candidate.save(update_fields=["state", "claim", "decided_at", "decided_by"])
    return claim


@transaction.atomic
def reject_candidates(*, candidates: Iterable[Candidate], by=None) -> int:
    """Mark the proposed ones among `candidates` rejected; return how many were."""
    if isinstance(candidates, QuerySet):
        pks = candidates.order_by().values("pk")
    else:
        pks = [candidate.pk for candidate in candidates]
    rejected = list(
        Candidate.objects.select_for_update().filter(
            pk__in=pks, state=Candidate.State.PROPOSED
        )
    )
    decided_at, decided_by = timezone.now(), by if _is_user(by) else None
    for candidate in rejected:
        candidate.state = Candidate.State.REJECTED
        candidate.decided_at, candidate.decided_by = decided_at, decided_by
    # With a history row each, as every change an editor makes.
    bulk_update_with_history(
        rejected,
        Candidate,
        ["state", "decided_at", "decided_by"],
        default_user=decided_by,
    )
    return len(rejected)
