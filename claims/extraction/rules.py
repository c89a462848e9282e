"""Which sentences state something checkable, and how much (rules 2 to 5)."""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from ..figures.formatting import format_figure
from ..figures.quantities import UNIT_MAX_LENGTH, ParsedAmount, find_amounts
from .sentences import LOOK_BEHIND, split_sentences, trim


class MetricLike(Protocol):
    """What a suggested metric needs: any object with these (a Metric row)."""

    name: str
    slug: str
    unit: str


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
_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|"
    "December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"

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
    metric: MetricLike | None = None


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
            window = max(0, start - LOOK_BEHIND)
            if amount.value <= 10 and _REFERENTIAL.search(masked, window, start):
                continue
            if _ORDINAL_DATE.search(masked, max(0, start - 12), end + 4):
                continue
            if _RANK_NUMBER.search(masked, window, start):
                continue  # "the No. 1 seller" is a rank, not one seller
        if len(amount.unit) > UNIT_MAX_LENGTH:
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
def _source_in(sentence: str) -> re.Match[str] | None:
    # Each clause of a sentence is scored with the same sentence: masked once.
    return _SOURCE.search(_mask(sentence))


def _clauses(
    sentence: str, figures: list[tuple[int, int, ParsedAmount]]
) -> list[tuple[int, int]]:
    """Return the sentence cut between its figures at the strongest boundaries."""
    cuts = []
    for (_, first_end, _), (second_start, _, _) in itertools.pairwise(figures):
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


def propose_candidates(
    text: str, *, metrics: Iterable[MetricLike] = ()
) -> list[Proposal]:
    """Return the spans of `text` worth checking, with figure, score and reasons."""
    metrics = list(metrics)
    proposals = []
    for sentence_start, sentence_end in split_sentences(text):
        sentence = text[sentence_start:sentence_end]
        if is_furniture(sentence):
            continue
        figures = figures_in(sentence)
        for clause_start, clause_end in _clauses(sentence, figures):
            span = trim(sentence, clause_start, clause_end)
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
    quote: str, amount: ParsedAmount | None, metrics: Iterable[MetricLike]
) -> tuple[MetricLike | None, str]:
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
