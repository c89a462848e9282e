"""Which sentences state something checkable, and how much (rules 2 to 5).

Kept long (more than 600 lines) on purpose: the masks, the scoring, the clause cuts
and the proposal of a candidate are one reading, kept together; the word tables of
Russian and Persian live in claims.figures.languages.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from ..figures.formatting import format_figure
from ..figures.languages import (
    Change,
    Rewritten,
    change_spans,
    detect_language,
    find_change,
    find_period,
    rewrite,
)
from ..figures.periods import Period
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
CORE_FEATURES = ("money", "percent", "count", "change", "ranking", "dated event")
WEIGHTS = {
    "money": 0.5,
    "percent": 0.5,
    "count": 0.45,
    "change": 0.45,
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
_LANGUAGE_BOUNDARIES = {
    "ru": [
        re.compile(r";\s+|\s+[–—]\s+"),
        re.compile(r",\s+(?=(?:а|но|тогда как|в то время как|при этом|и|против)\b)"),
        re.compile(r",\s+"),
        re.compile(r"\s+(?=(?:и|а)\s)"),
    ],
    "fa": [
        re.compile(r"[;؛]\s*|\s+[–—]\s+"),
        re.compile(r"[،,]\s*(?=(?:اما|ولی|در حالی که|و)\s)"),
        re.compile(r"[،,]\s*"),
        re.compile(r"\s+(?=(?:و|که)\s)"),
    ],
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_METRIC_STOPWORDS = frozenset(
    """a an the of in on at to for and or by with from per as is are was were be
    its their between than into over under about usd percent""".split()
)
_CURRENCY_UNIT = re.compile(r"^[A-Z]{3}$")
# Money without an ISO code: tomans (ten rials) are kept as written, never converted.
_MONEY_UNITS = frozenset({"tomans"})
# A figure this large, or finer than a millionth, cannot be stored as read
# (claims.models.figures.LARGEST_FIGURE; six decimal places): it is not proposed.
LARGEST_FIGURE = Decimal("1e21")
MAX_DECIMAL_PLACES = 6
# Words that name a source or a change in Russian and Persian (the English ones are
# read from the rewritten text, where "вырос" is "rose" already).
_SOURCE_RU_FA = re.compile(
    r"(?i:по данным|по словам|по информации|как сообщ\w*|заяв\w*|сообщ\w*|"
    r"отмети\w*|сказал\w*|подчеркну\w*|рассказал\w*|передает|пишет)"
    r"|به گزارش|بر اساس|براساس|طبق|به گفته|گفت|اعلام کرد|اعلام شد|اظهار داشت|"
    r"افزود|تصریح کرد|خبر داد"
)
_RANKING_RU_FA = re.compile(
    r"(?i:крупнейш\w*|наибольш\w*|рекордн\w*|впервые|первы[йм] в истории)"
    r"|بزرگ[\u200c ]?ترین|بیش[\u200c ]?ترین|بالاترین|رکورد|برای نخستین بار|"
    r"برای اولین بار"
)
_COMPARISON_RU_FA = re.compile(
    r"(?i:по сравнению|против|чем\b|вдвое|втрое|рост\w*|снижени\w*|увелич\w*|"
    r"сократ\w*)"
    r"|نسبت به|در مقایسه|برابر|افزایش|کاهش|رشد"
)


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
    # What else the reading found: a change with its sign, the period named, and the
    # numbers it would not read (a doubt is said in the reasons, never guessed).
    change: Change | None = None
    period: Period | None = None
    language: str = "en"


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


def _needs_rewriting(text: str, language: str) -> bool:
    if language in ("ru", "fa"):
        return True
    # English with Persian digits or direction marks: the shared reading copes.
    return not text.isascii() and bool(_NON_LATIN_NUMBER.search(text))


_NON_LATIN_NUMBER = re.compile(
    r"[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]|(?![0-9])\d"
)


def read_text(text: str, language: str = "") -> Rewritten | None:
    """Return `text` (masked) rewritten in English figure words, or None for English."""
    language = language or detect_language(text)
    masked = _mask(text)
    if not _needs_rewriting(masked, language):
        return None
    return rewrite(masked, language)


def figures_in(
    text: str, language: str = "", *, reading: Rewritten | None = None
) -> list[tuple[int, int, ParsedAmount]]:
    """Return the amounts of `text` that state a figure, with their spans in `text`."""
    reading = reading or read_text(text, language)
    if reading is None:
        return _english_figures(_mask(text))
    figures = []
    for start, end, amount in _english_figures(reading.text, shared_currency=True):
        figures.append((*reading.original_span(start, end), amount))
    return figures


def doubts_in(text: str, language: str = "") -> list[str]:
    """Return why some numbers of `text` were not read ("digits of several scripts")."""
    reading = read_text(text, language)
    said = (
        []
        if reading is None
        else [
            f"not read: “{text[start:end]}” ({why})"
            for start, end, why in reading.doubts
        ]
    )
    masked = _mask(text) if reading is None else reading.text
    for start, end, amount in find_amounts(masked):
        problem = _unstorable(amount)
        if problem:
            if reading is not None:
                start, end = reading.original_span(start, end)
            said.append(f"not read: “{text[start:end]}” ({problem})")
    return said


def _unstorable(amount: ParsedAmount) -> str:
    for value in (amount.value, amount.value_upper):
        if value is None:
            continue
        if abs(value) >= LARGEST_FIGURE:
            return "too large to store"
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -MAX_DECIMAL_PLACES:
            return "more decimals than a figure keeps"
    return ""


def _english_figures(
    masked: str, *, shared_currency: bool = False
) -> list[tuple[int, int, ParsedAmount]]:
    found = find_amounts(masked)
    if shared_currency and found:
        currencies = {a.unit for _, _, a in found if _figure_kind(a) == "money"}
        if len(currencies) == 1:
            # "2,7 млрд долларов, против 1,6 млрд": the second is in dollars too.
            (currency,) = currencies
            spans = {(start, end) for start, end, _ in found}
            found += [
                (start, end, amount)
                for start, end, amount in find_amounts(masked, default_unit=currency)
                if (start, end) not in spans
                and _SCALED.search(masked, start, end)
                and not any(s < end and start < e for s, e in spans)
            ]
            found.sort(key=lambda item: item[0])
    figures = []
    for start, end, amount in found:
        if _unstorable(amount):
            continue
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


_SCALED = re.compile(r"\b(?:million|billion|trillion)\b")


def _figure_kind(amount: ParsedAmount) -> str:
    if amount.unit in ("percent", "percentage points"):
        return "percent"
    if _CURRENCY_UNIT.match(amount.unit) or amount.unit in _MONEY_UNITS:
        return "money"
    return "count"


def score_sentence(
    quote: str,
    sentence: str,
    figures: list[tuple[int, int, ParsedAmount]],
    *,
    language: str = "en",
    change: Change | None = None,
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
    if change is not None:
        count("change", f"change: {change.describe()}")
    reading = read_text(quote, language) if language != "en" else None
    masked = _mask(quote) if reading is None else reading.text
    ranking = _RANKING.search(masked) or next(
        (
            match
            for match in _ORDINAL.finditer(masked)
            if not _ORDINAL_DATE.search(masked, max(0, match.start() - 12), match.end())
        ),
        None,
    )
    if ranking is None and reading is not None:
        ranking = _RANKING_RU_FA.search(quote)
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
    if source is None and reading is not None:
        source = _SOURCE_RU_FA.search(sentence)
    if source:
        count("source", f"source: “{source.group(0)}”")
    comparison = _COMPARISON.search(masked)
    if comparison is None and reading is not None:
        comparison = _COMPARISON_RU_FA.search(quote)
    if comparison:
        count("comparison", f"comparison or trend: “{comparison.group(0)}”")
    if figures and _PERIOD.search(masked):
        count("period", "figure with a period")
    if sentence.rstrip().endswith(("?", "؟")):
        features.append("question")
        reasons.append(f"a question ({WEIGHTS['question']:g})")
    score = sum(WEIGHTS[feature] for feature in features)
    return round(max(0.0, min(1.0, score)), 2), reasons


@functools.lru_cache(maxsize=1)
def _source_in(sentence: str) -> re.Match[str] | None:
    # Each clause of a sentence is scored with the same sentence: masked once.
    return _SOURCE.search(_mask(sentence))


def _clauses(
    sentence: str,
    figures: list[tuple[int, int, ParsedAmount | None]],
    language: str = "en",
) -> list[tuple[int, int]]:
    """Return the sentence cut between its figures at the strongest boundaries."""
    cuts = []
    boundaries = _LANGUAGE_BOUNDARIES.get(language, _CLAUSE_BOUNDARIES)
    for (_, first_end, _), (second_start, _, _) in itertools.pairwise(figures):
        for boundary in boundaries:
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


def _with_changes(
    sentence: str,
    figures: list[tuple[int, int, ParsedAmount]],
    reading: Rewritten | None,
) -> list[tuple[int, int, ParsedAmount | None]]:
    """Return the figures and the factor changes ("doubled") of a sentence, in order.

    A clause is cut between two of them: "fell 12 percent, but steel exports
    doubled" states two changes, each its own candidate.
    """
    english = _mask(sentence) if reading is None else reading.text
    anchors: list[tuple[int, int, ParsedAmount | None]] = list(figures)
    for start, end in change_spans(english):
        if reading is not None:
            start, end = reading.original_span(start, end)
        if not any(s < end and start < e for s, e, _ in figures):
            anchors.append((start, end, None))
    return sorted(anchors, key=lambda anchor: anchor[0])


def _word_count(sentence: str, span: tuple[int, int]) -> int:
    return len(_WORD.findall(sentence, span[0], span[1]))


def propose_candidates(
    text: str,
    *,
    metrics: Iterable[MetricLike] = (),
    language: str = "",
    reference: date | None = None,
) -> list[Proposal]:
    """Return the spans of `text` worth checking, with figure, score and reasons.

    `language` is "en", "ru" or "fa" (detected from the script when not given);
    `reference` is the document's date, against which "last year" is read.
    """
    metrics = list(metrics)
    language = language or detect_language(text)
    proposals = []
    for sentence_start, sentence_end in split_sentences(text):
        sentence = text[sentence_start:sentence_end]
        if is_furniture(sentence):
            continue
        reading = read_text(sentence, language)
        figures = figures_in(sentence, language, reading=reading)
        anchors = _with_changes(sentence, figures, reading)
        for clause_start, clause_end in _clauses(sentence, anchors, language):
            span = trim(sentence, clause_start, clause_end)
            if span is None:
                continue
            quote = sentence[span[0] : span[1]]
            quote_figures = [
                (start - span[0], end - span[0], amount)
                for start, end, amount in figures
                if span[0] <= start and end <= span[1]
            ]
            quote_reading = read_text(quote, language)
            english = _mask(quote) if quote_reading is None else quote_reading.text
            change = find_change(english)
            score, reasons = score_sentence(
                quote, sentence, quote_figures, language=language, change=change
            )
            if score < MIN_SCORE:
                continue
            reasons += doubts_in(quote, language)
            period = find_period(english, reference) or find_period(
                _mask(sentence) if reading is None else reading.text, reference
            )
            if period is not None:
                reasons.append(f"period: {_period_words(period)}")
            amount = _stated_amount(quote_figures, change)
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
                    change=change,
                    period=period,
                    language=language,
                )
            )
    return proposals


def _stated_amount(
    figures: list[tuple[int, int, ParsedAmount]], change: Change | None
) -> ParsedAmount | None:
    """Return the quote's figure: the first, or the amount a stated change led to.

    "вырос на 36,4% и составил 3,3 млрд долларов" states $3.3 billion with a rise of
    36.4%, as a claim stores it (value and change_percent); the 36.4% is the change.
    """
    if not figures:
        return None
    first = figures[0][2]
    if change is None or change.percent is None or first.unit != "percent":
        return first
    if first.value != abs(change.percent):
        return first
    led_to = next((a for _, _, a in figures[1:] if a.unit != "percent"), None)
    return led_to or first


def _period_words(period: Period) -> str:
    said = f"{period.start.isoformat()} to {period.end.isoformat()}"
    return f"{said} ({period.resolution})" if period.resolution else said


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
