"""Compare a query's facts with a stored claim's: score, relation and reasons.

Relations, as bench/matching_data.py labels them:

- same: the same subject (countries, organisations and what is measured), figures
  that agree (equal, or within the tolerance when either says "about"; a bound only
  with the same bound; a range only with the same range) and periods that overlap
  as conflict detection compares them; or, without figures, the same statement in
  other words.
- conflicting: the same subject and period, figures whose intervals are disjoint.
- related: the same subject with another period or another kind of figure, a figure
  that neither agrees nor conflicts, or a text that shares enough words.

A figure that differs beyond the tolerance is never `same`: `figures_agree` is the
only way to it for a claim with a figure, and it refuses them. A figure the parser
may have misread (Facts.figure_doubts) is neither `same` nor `conflicting` (issue
#26; docs/matching.md says how every rule decides).

One module of more than 600 lines, on purpose: every path to `same` (subject,
figures, periods, the text rules) and the ranking are here together, so that what
can make a claim `same` is read, and audited, in one file.
"""

import dataclasses
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from ..figures.comparators import Comparator, MetricKind
from ..figures.comparison import (
    ANNUAL_MIN_SHARED_DAYS,
    SAME_SPAN_SLACK_DAYS,
    YEAR_MAX_DAYS,
    YEAR_MIN_DAYS,
)
from ..figures.intervals import figure_interval
from ..figures.periods import Period, PeriodParseError, parse_period
from .entities import MEASURES, entities_in, is_place
from .query import ANY_COUNT, Facts, read_facts, stem, unit_key, words_of

SAME = "same"
CONFLICTING = "conflicting"
RELATED = "related"
RELATIONS = (SAME, CONFLICTING, RELATED)
# Texts without figures are the same statement from this similarity up.
SAME_TEXT_SIMILARITY = 0.45
SAME_TEXT_MARGIN = 0.02
# A related claim whose figure was compared with the query's ranks this much above
# one that states no figure.
RELATED_FIGURE_EDGE = 0.05
# A claim on the query's subject that shares no figure with it is related only
# from this text similarity (below it: snow in Moscow is not related to a meeting
# held there).
RELATED_MIN_SIMILARITY = 0.2
# The unit of durations ("for the first time in five years").
YEARS = "years"
# A text restates a claim without figures only with this many words of its own.
SAME_TEXT_MIN_WORDS = 4
# Nothing scoring below this is returned: a candidate that shares no subject with
# the query scores 0.25 x its text similarity, so it is shown only from a
# similarity of 0.4 (about half its words shared); "France and Germany traded wine"
# shares a word or two with the trade claims and returns nothing.
MIN_SCORE = 0.1
# Statuses that carry a verdict (claims.ratings.VERDICTS; this package reads no
# Django code): among equal scores, a reviewed claim ranks first.
VERDICT_STATUSES = frozenset(
    {"verified", "misleading", "false", "disputed", "unverifiable"}
)


@dataclass(frozen=True)
class StoredClaim:
    """What the matcher needs of a stored claim (read from a Claim row or a dict)."""

    id: int | str
    text: str
    value: Decimal | None = None
    value_upper: Decimal | None = None
    unit: str = ""
    comparator: str = Comparator.EXACT
    period_start: date | None = None
    period_end: date | None = None
    change_percent: Decimal | None = None
    metric: str = ""
    metric_name: str = ""
    metric_kind: str = ""
    speaker_names: tuple[str, ...] = ()
    claimed_on: date | None = None
    # The claim's status: a claim with a verdict wins a tie (rank_matches).
    status: str = ""
    # The claim's version (Claim.version): with the id, what its reading is cached
    # by. None (a claim not stored, as in the benchmark) is read every time.
    version: int | None = None


@dataclass(frozen=True)
class Match:
    claim_id: int | str
    score: float
    relation: str
    reasons: list[str] = field(default_factory=list)
    # Set for `same` between two texts without figures: only the most similar of a
    # query's answers keeps it (rank_matches).
    text_similarity: float = 0.0
    by_text: bool = False
    has_verdict: bool = False


@dataclass(frozen=True)
class _Side:
    """A stored claim read once: its text's facts and its metric's subject."""

    claim: StoredClaim
    facts: Facts
    metric_subjects: frozenset[str]
    metric_measures: frozenset[str]
    metric_words: frozenset[str] = frozenset()


# Readings of stored claims by id and version, the least recently used dropped past
# READ_CACHE_SIZE. Keyed on the whole claim before, the cache held every text it
# had seen as a key: 150 MB a worker with long texts. The key's third part, a hash
# of what is read (text, metric name, claim date), is a guard: an id can come back
# with other content (a rolled-back insert on SQLite reuses it), and a metric's
# renaming changes no claim's version.
READ_CACHE: OrderedDict[tuple[int | str, int, int], _Side] = OrderedDict()
READ_CACHE_SIZE = 8192
_read_cache_lock = threading.Lock()


def read_claim(claim: StoredClaim) -> _Side:
    """Return a stored claim's facts, read once per id and version (READ_CACHE)."""
    if claim.version is None:
        return _read_claim(claim)
    key = (
        claim.id,
        claim.version,
        hash((claim.text, claim.metric_name, claim.claimed_on)),
    )
    with _read_cache_lock:
        side = READ_CACHE.get(key)
        if side is not None:
            READ_CACHE.move_to_end(key)
    if side is None:
        side = _read_claim(claim)
        with _read_cache_lock:
            READ_CACHE[key] = side
            while len(READ_CACHE) > READ_CACHE_SIZE:
                READ_CACHE.popitem(last=False)
    # The reading is the text's; the rest of the claim (its speaker's names, its
    # figure) is today's, as the caller read it.
    return side if side.claim == claim else dataclasses.replace(side, claim=claim)


def _read_claim(claim: StoredClaim) -> _Side:
    """Return a stored claim's facts, its text read with its metric's name."""
    facts = read_facts(f"{claim.text} {claim.metric_name}", claimed_on=claim.claimed_on)
    words: frozenset[str] = frozenset()
    if claim.metric_name:
        subjects, measures, words = _metric_reading(claim.metric_name)
    else:
        subjects = facts.subjects
        measures = facts.topics & MEASURES
    return _Side(claim, facts, subjects, measures, words)


@lru_cache(maxsize=4096)
def _metric_reading(
    metric_name: str,
) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Return a metric name's subjects, measures and words (read once per name).

    The same for every claim on the metric: read once, not once a claim (it was
    half of a stored claim's reading, #27).
    """
    metric = entities_in(metric_name)
    subjects = metric["country"] | metric["organisation"]
    measures = metric["topic"] & MEASURES
    # What the metric measures in its own words, its subjects' names aside.
    named = read_facts(metric_name)
    words = (named.words | named.topics) - {
        word for word in named.words if entities_in(word)["country"]
    }
    return subjects, measures, words


def similarity(query: Facts, stored: Facts) -> float:
    """Return how much of their words two texts share, 0 to 1 (cosine of the sets)."""
    first = query.words | query.subjects
    second = stored.words | stored.subjects
    if not first or not second:
        return 0.0
    return len(first & second) / math.sqrt(len(first) * len(second))


def score_match(
    query: Facts,
    claim: StoredClaim | _Side,
    *,
    tolerance: Decimal,
    metric: str = "",
    meaning: float | None = None,
) -> Match:
    """Return how well `claim` answers `query`: score 0..1, relation and reasons.

    `meaning`, when given, is the two texts' similarity by their embeddings
    (claims.matching.semantic): the text similarity is the larger of the two.
    """
    side = claim if isinstance(claim, _Side) else read_claim(claim)
    stored = side.claim
    reasons: list[str] = []
    text_similarity = similarity(query, side.facts)
    if meaning is not None and meaning > text_similarity:
        reasons.append(f"similar in meaning {meaning:.2f}")
        text_similarity = meaning
    subject = _same_subject(query, side, metric, reasons)
    has_figure = query.has_figure or bool(
        query.durations and unit_key(stored.unit) == YEARS
    )
    compared = False
    if stored.value is not None and (has_figure or not subject):
        relation = _figure_relation(query, side, subject, tolerance, reasons)
        # Related after the figures were compared (another period, figures that
        # neither agree nor conflict, a figure read with doubt): a figure on the
        # query's subject, above claims that state none.
        compared = relation == RELATED and "another figure type" not in reasons
    elif stored.value is not None:
        relation = RELATED if subject else None
        if subject:
            reasons.append("query states no figure")
    elif has_figure:
        relation = None
        if subject and _shares_words(query, side, text_similarity):
            relation = RELATED
            reasons.append("claim states no figure")
        elif subject:
            reasons.append("claim states no figure, and shares few words")
    else:
        relation = _text_relation(query, side, subject, text_similarity, reasons)
    reasons.append(f"text similarity {text_similarity:.2f}")
    by_text = stored.value is None and not has_figure
    if relation is None:
        relation = RELATED
        score = 0.25 * text_similarity
    else:
        base = {SAME: 0.75, CONFLICTING: 0.5, RELATED: 0.25}[relation]
        score = base + 0.25 * text_similarity + (RELATED_FIGURE_EDGE if compared else 0)
    score = round(min(max(score, 0.0), 1.0), 4)
    verdict = stored.status in VERDICT_STATUSES
    return Match(stored.id, score, relation, reasons, text_similarity, by_text, verdict)


def rank_matches(matches: list[Match], limit: int) -> list[Match]:
    """Return the best `limit` matches, best first, dropping the weakest.

    Two claims without figures are the same statement only for the query's most
    similar one: a paraphrase restates one claim, and its neighbours on the same
    topic are related (the rules for figures need no such help).
    """
    kept = [match for match in matches if match.score >= MIN_SCORE]
    best_text = max(
        (match.text_similarity for match in kept if match.by_text), default=0.0
    )
    ranked = []
    for match in kept:
        if (
            match.relation == SAME
            and match.by_text
            and match.text_similarity < best_text - SAME_TEXT_MARGIN
        ):
            reasons = [*match.reasons, "a closer statement matches"]
            score = round(0.25 + 0.25 * match.text_similarity, 4)
            match = Match(
                match.claim_id, score, RELATED, reasons, 0.0, True, match.has_verdict
            )
        ranked.append(match)
    # Equal scores: a claim with a verdict first (a reviewed claim above its
    # unverified duplicate), then the oldest (ids in number order, not as text).
    ranked.sort(key=lambda match: (-match.score, not match.has_verdict, _id_key(match)))
    return ranked[:limit]


def _id_key(match: Match) -> tuple[int, str]:
    key = match.claim_id
    return (key, "") if isinstance(key, int) else (0, str(key))


def _same_subject(query: Facts, side: _Side, metric: str, reasons: list[str]) -> bool:
    if metric and side.claim.metric:
        if metric == side.claim.metric:
            reasons.append("same metric")
            return True
        reasons.append("another metric")
        return False
    if not query.subjects:
        if not side.claim.metric and _names_found(query, side):
            reasons.append("same names")
            return True
        reasons.append("query names no subject")
        return False
    stored_subjects = side.facts.subjects | side.metric_subjects
    if not side.claim.metric:
        # A claim without a metric: the query's subjects are among the claim's.
        if query.subjects <= stored_subjects:
            reasons.append("same subject (" + ", ".join(sorted(query.subjects)) + ")")
            return True
        extra = ", ".join(sorted(query.subjects - stored_subjects))
        reasons.append(f"claim does not name {extra}")
        return False
    if not side.metric_subjects <= query.subjects:
        missing = ", ".join(sorted(side.metric_subjects - query.subjects))
        reasons.append(f"query does not name {missing}")
        return False
    if not query.subjects <= stored_subjects:
        extra = ", ".join(sorted(query.subjects - stored_subjects))
        reasons.append(f"claim does not name {extra}")
        return False
    measures = query.topics & MEASURES
    if side.metric_measures and measures and not side.metric_measures & measures:
        reasons.append("another measure (" + ", ".join(sorted(measures)) + ")")
        return False
    if side.metric_words and not side.metric_words & query.words:
        reasons.append("query does not name what the metric measures")
        return False
    names = ", ".join(sorted(query.subjects))
    reasons.append(f"same subject ({names})")
    shared = side.metric_measures & measures
    if side.claim.metric and shared:
        # The measure, not the metric: trade volume, its change and its balance are
        # three metrics of one measure; only a metric given by the caller is "same
        # metric" (above).
        reasons.append("same measure (" + ", ".join(sorted(shared)) + ")")
    return True


def _shares_words(query: Facts, side: _Side, text_similarity: float) -> bool:
    """Return whether two texts share enough words, beyond the places they name.

    "Heavy snow closed schools across Moscow" shares only Moscow with a meeting
    held there: a text is related without a figure in common only from
    RELATED_MIN_SIMILARITY, and (in English, as the claims are) with a word other
    than a country, city or organisation's name.
    """
    if text_similarity < RELATED_MIN_SIMILARITY:
        return False
    if query.language != "en":
        # A Russian or Persian text shares with an English claim little more than
        # its names and topics: its similarity alone decides.
        return True
    shared = (query.words & side.facts.words) - query.subjects
    return any(not is_place(word) for word in shared)


def _names_found(query: Facts, side: _Side) -> bool:
    """Return whether the query names people or places and the claim has all."""
    names = query.names | query.proper_names
    text = side.facts.text.lower()
    return len(names) >= 2 and all(stem(name) in text for name in names)


def _figure_relation(
    query: Facts,
    side: _Side,
    subject: bool,
    tolerance: Decimal,
    reasons: list[str],
) -> str | None:
    stored = side.claim
    if stored.value is None:  # only claims with a figure are compared by figure
        return None
    unit = unit_key(stored.unit)
    values = [
        (value, comparator, upper)
        for value, figure_unit, comparator, upper in query.figures
        if (figure_unit == unit or _any_count(figure_unit, unit))
        and not (unit == "percent" and query.change_percent)
    ]
    if unit == "percent" and query.change_percent is not None:
        values.insert(0, (query.change_percent, query.change_comparator, None))
    if unit == YEARS:
        values += [(years, Comparator.EXACT, None) for years in query.durations]
    if not subject:
        return None
    if not values:
        reasons.append("another figure type")
        return RELATED
    period, query_period = _periods(query, side)
    if period == "undated":
        # A present rate ("stands at $20 billion a year") against a dated figure.
        reasons.append("claim states no period")
        return RELATED
    if period == "other":
        reasons.append("another period")
        return RELATED
    if period == "overlap":
        reasons.append("period overlaps")
    elif period == "unstated":
        reasons.append("query states no period")
    if query.relative_period and query_period is not None:
        reasons.append(f"{query.relative_period!r} read at the claim's date")
    if query.figure_doubts:
        # The parser read part of a number, or could read it two ways ("5/3"):
        # neither agreement nor a conflict can be told.
        doubts = ", ".join(query.figure_doubts)
        reasons.append(f"figure read with doubt ({doubts})")
        return RELATED
    values = _change_values(query, query_period, side, values, reasons)
    for value, comparator, upper in values:
        if figures_agree(
            value,
            comparator,
            upper,
            stored.value,
            stored.comparator,
            stored.value_upper,
            tolerance,
        ):
            reasons.append(_agreement(comparator, stored.comparator, tolerance))
            return SAME
    if not values:
        return RELATED
    value, comparator, upper = values[0]
    if figures_disjoint(
        value,
        comparator,
        upper,
        stored.value,
        stored.comparator,
        stored.value_upper,
        tolerance,
    ):
        reasons.append("figures do not meet")
        return CONFLICTING if period == "overlap" else RELATED
    reasons.append("figures neither agree nor conflict")
    return RELATED


def _change_values(
    query: Facts,
    period: Period | None,
    side: _Side,
    values: list[tuple[Decimal, str, Decimal | None]],
    reasons: list[str],
) -> list[tuple[Decimal, str, Decimal | None]]:
    """Return the figures of a change that speak for the claim's period.

    "From $4 billion to $1.5 billion" over 2009-2012 states $4 billion for 2009 and
    $1.5 billion for 2012: a claim on the first year is compared with the first
    figure only, one on the last year with the second only, and one in between
    with neither. Without a period of more than one year, both are compared.
    """
    stored = side.claim
    span = query.change_span
    if (
        span is None
        or period is None
        or stored.period_start is None
        or stored.period_end is None
        or period.start.year == period.end.year
    ):
        return values
    first, last = span
    if stored.period_end.year <= period.start.year:
        keep, where = first, "start"
    elif stored.period_start.year >= period.end.year:
        keep, where = last, "end"
    else:
        reasons.append("the claim's period is inside the change's span")
        return []
    reasons.append(f"the change's {where} figure compared")
    return [value for value in values if value[0] == keep]


def _any_count(first: str, second: str) -> bool:
    """Return whether one unit is "units", the other a count (not money or percent)."""
    if ANY_COUNT not in (first, second):
        return False
    other = second if first == ANY_COUNT else first
    return other != "percent" and not (len(other) == 3 and other.isupper())


def _agreement(first: str, second: str, tolerance: Decimal) -> str:
    approximate = Comparator.APPROXIMATELY in (first, second)
    if approximate:
        return f"figure agrees within {(tolerance * 100).normalize():f}%"
    return "figure agrees"


def _text_relation(
    query: Facts,
    side: _Side,
    subject: bool,
    text_similarity: float,
    reasons: list[str],
) -> str | None:
    stored = side.claim
    if not _shares_words(query, side, text_similarity):
        if subject:
            reasons.append("shares few words")
        return None
    if (
        query.period is not None
        and stored.period_start is not None
        and stored.period_end is not None
        and (
            query.period.end.year < stored.period_start.year
            or stored.period_end.year < query.period.start.year
        )
    ):
        reasons.append("another date")
        return RELATED
    if not subject or text_similarity < SAME_TEXT_SIMILARITY:
        return RELATED
    if len(query.words - query.subjects) < SAME_TEXT_MIN_WORDS:
        reasons.append("query too short to restate a claim")
        return RELATED
    speakers = {stem(word) for name in stored.speaker_names for word in name.split()}
    stored_words = side.facts.words | side.facts.proper_names | speakers
    if query.numbers - side.facts.numbers:
        reasons.append("other numbers")
        return RELATED
    # The people the claim names, its speaker (by any alias) among them.
    stored_people = set(side.facts.names)
    for speaker in stored.speaker_names:
        stored_people |= entities_in(speaker)["name"]
    other_people = query.names - stored_people
    if other_people and stored_people:
        reasons.append("another person (" + ", ".join(sorted(other_people)) + ")")
        return RELATED
    unknown = {
        name
        for name in query.proper_names - stored_words
        if not any(stem(name) in word or word in name for word in stored_words)
    }
    if unknown - {stem(w) for w in side.facts.text.lower().split()}:
        reasons.append("names what the claim does not: " + ", ".join(sorted(unknown)))
        return RELATED
    reasons.append("same statement in other words")
    return SAME


def figures_agree(
    value: Decimal,
    comparator: str,
    upper: Decimal | None,
    stored_value: Decimal,
    stored_comparator: str,
    stored_upper: Decimal | None,
    tolerance: Decimal,
) -> bool:
    """Return whether a query's figure states the stored one.

    Equal values, or within `tolerance` of the stored value when either says
    "approximately"; a bound agrees only with the same bound at the same value, a
    range only with a range whose ends are equal.
    """
    points = {Comparator.EXACT, Comparator.APPROXIMATELY}
    if comparator in points and stored_comparator in points:
        if Comparator.APPROXIMATELY in (comparator, stored_comparator):
            return abs(value - stored_value) <= tolerance * abs(stored_value)
        return value == stored_value
    if comparator != stored_comparator:
        return False
    if comparator == Comparator.RANGE:
        return value == stored_value and upper == stored_upper
    return value == stored_value


def figures_disjoint(
    value: Decimal,
    comparator: str,
    upper: Decimal | None,
    stored_value: Decimal,
    stored_comparator: str,
    stored_upper: Decimal | None,
    tolerance: Decimal,
) -> bool:
    """Return whether no value satisfies both figures (their intervals are apart)."""
    low, low_open, high, high_open = figure_interval(
        value, comparator, upper, tolerance
    )
    s_low, s_low_open, s_high, s_high_open = figure_interval(
        stored_value, stored_comparator, stored_upper, tolerance
    )
    if high < s_low or s_high < low:
        return True
    if high == s_low and (high_open or s_low_open):
        return True
    return s_high == low and (s_high_open or low_open)


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def _yearly(start: date, end: date) -> bool:
    return YEAR_MIN_DAYS <= _days(start, end) <= YEAR_MAX_DAYS


def _periods(query: Facts, side: _Side) -> tuple[str, Period | None]:
    """Return how the two periods compare, and the query's period as compared.

    "overlap", "other", "unstated" (the query names none) or "undated" (the claim
    has none and the query has one). A relative period of a query without a date
    ("last year") is read at the claim's date.
    """
    stored = side.claim
    period = query.period
    if period is None and query.relative_period and stored.claimed_on is not None:
        try:
            period = parse_period(query.relative_period, stored.claimed_on)
        except PeriodParseError:
            period = None
    return _compare_periods(query, period, side), period


def _compare_periods(query: Facts, period: Period | None, side: _Side) -> str:
    stored = side.claim
    if stored.period_start is None and stored.period_end is None:
        # A present rate ("stands at $20 billion a year"): only an undated query.
        return "overlap" if period is None else "undated"
    if period is None:
        return "unstated"
    q_start, q_end = period.start, period.end
    s_start = stored.period_start or date.min
    s_end = stored.period_end or date.max
    shared = (min(q_end, s_end) - max(q_start, s_start)).days + 1
    if shared <= 0:
        return "other"
    kind = stored.metric_kind or MetricKind.LEVEL
    open_end = stored.period_start is None or stored.period_end is None
    if kind == MetricKind.ANNUAL:
        if open_end or not (_yearly(q_start, q_end) and _yearly(s_start, s_end)):
            inside = (q_start <= s_start and s_end <= q_end) or (
                s_start <= q_start and q_end <= s_end
            )
            return "overlap" if inside else "other"
        return "overlap" if shared >= ANNUAL_MIN_SHARED_DAYS else "other"
    if kind == MetricKind.TOTAL:
        slack = SAME_SPAN_SLACK_DAYS
        same_end = abs((q_end - s_end).days) <= slack
        if query.period_is_open_start:
            return "overlap" if q_end.year == s_end.year else "other"
        same_start = abs((q_start - s_start).days) <= slack
        return "overlap" if same_end and same_start else "other"
    return "overlap"


__all__ = [
    "CONFLICTING",
    "RELATED",
    "RELATIONS",
    "SAME",
    "Match",
    "StoredClaim",
    "figures_agree",
    "figures_disjoint",
    "rank_matches",
    "read_claim",
    "score_match",
    "similarity",
    "words_of",
]
