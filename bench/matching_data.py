"""Evaluation data for claim matching (issue #17): load it, validate it, count it.

    .venv/bin/python bench/matching_data.py           # counts; exit 1 on errors
    .venv/bin/python -m bench.matching_data --quiet   # errors only

Pure Python (no Django). Files:

- bench/data/matching.jsonl: the labelled queries, one JSON object a line.
- bench/data/matching_synthetic.jsonl: synthetic stored claims that the benchmark
  inserts beside the 72 claims of fixtures/seed.json (lines with "type": "metric" first,
  then "type": "claim").

Query line
----------
    {"id": "q001", "query": "...", "language": "en" | "ru" | "fa", "kind": "...",
     "expected": [{"claim": 53, "relation": "same"},
                  {"claim": 52, "relation": "conflicting", "accept": ["related"]}],
     "note": "why", "claimed_on": "2013-04-23", "variant": "..."}

- claim: a fixture pk (int) for the fixture queries, a synthetic id ("s001") for the
  queries of kind "synthetic"; a query never mixes the two, so the fixture queries can
  be run on the fixtures alone.
- relation: the label a careful fact-checker gives (rules below). accept: other
  relations that also count as right, for the few pairs where the sources themselves
  leave it open (reported below and in each note). `same` is never accepted for a
  figure, year, country or metric near-miss or a short text.
- claimed_on (optional): when the query was said, for relative periods ("last year" said
  on 2013-04-23 = the Iranian year 1391). A matcher should take it as the query's date.
- split (optional): "tune" (the default: the rules were written and tuned against these
  queries) or "heldout" (issue #26: paraphrases of the seed claims written before the
  rules they test were changed, and never used to tune them; bench/matching_eval.py
  reports the two apart). Every query with a split was written for the benchmark and
  its note says so ("Written for this test").
- kind: how the query was made (paraphrase, tolerance, figure_near_miss, year_near_miss,
  country_near_miss, speaker_near_miss, metric_near_miss, short_text, unrelated,
  non_numeric, synthetic). Queries of kind "synthetic" run against the synthetic claims
  and carry "variant", one of the other kinds.

Labelling rules
---------------
A stored claim's figure is (metric, value, comparator, period); the query's figure is
read the same way from its text (and claimed_on).

- same: the query states what the stored claim states. Same subject (the same metric:
  Iran-Russia trade is not Iran-Turkey trade, a harvest is not an export, tonnes are not
  dollars), the figures agree and the periods overlap; or, for a claim without a figure,
  the same event or statement in other words. Figures agree when they are equal at the
  precision stated ("$5.3bn" = "5,300 million" = 5,300,000,000) or, when either side
  says "approximately" ("about", "close to", "nearly", "some", "roughly", "~"), when
  they are within 10% of the stored value (FACTCHECK_APPROXIMATE_TOLERANCE): "around $5
  billion" is the same as "close to 5.3 billion" (4.77-5.83). A bound agrees only with a
  bound the same way at the same value ("over 12,000" = "more than 12,000"); a range
  only with a range whose ends agree.
- conflicting: same subject and period, figures that do not meet, i.e. the intervals of
  values they allow are disjoint (exact [v, v]; approximately [0.9v, 1.1v]; more than
  (v, +inf); less than (-inf, v); range [v, upper]), as claims/conflicts.py reads them.
  "$3.5 billion" against "close to 5.3 billion" in 1391, 39 against 139 paragraphs,
  1,200 against more than 12,000 cars. A query whose figure differs from a stored
  claim's beyond the tolerance is never `same` for it. For the date of a one-off event
  (the plant that went online in 2011, the interim deal of November 2013) the date is
  the figure: another date is conflicting (related accepted); for events that can recur
  (a visit, a period of tension) another date is related.
- related: same subject, but another period (the figure's year differs), another figure
  type of the same subject (the volume, the percent change and the balance of the same
  trade; the count and the price of the same car exports; the earnings and the tonnage
  of Kenya's tea), a figure that neither agrees nor conflicts (120,000 is "more than
  12,000" but not the same statement), or, for claims without figures, the same event or
  actors seen from another side. Reported speech ("Rouhani said ...", "Lukyanov said
  ...") has the speaker in its content: the same words from another speaker are related.
- Periods, as claims/conflicts.py compares them: for a yearly figure (metric kind
  "annual") two periods of about a year are the same period when they share at least
  half a year, so the Iranian year 1391 (20 Mar 2012 - 20 Mar 2013) is compared with
  calendar 2012 but not 2013; a period open at its start ("in recent years, up to 1391",
  claim 52) is compared with every year it reaches back over. A total ("10,000 cars by
  2015") is compared only over the same span; a level (a price, a share) over any
  overlap. A stored figure without a period ("stands at $20 billion a year", claims
  69-72) is a present rate at the time it was said: it is compared with queries that
  have no period either; against a dated query it is related (conflicting accepted).
- Another country (or company, region) is another subject: Iran-Turkey trade is not
  Iran-Russia trade even with the same figure and year. The claims of the original
  subject are not listed (so they count as irrelevant, and answering one `same` is a
  false match); if a claim on the new subject is stored (Iran-Turkey, claim 71) it is
  listed with the relation these rules give. The same holds for another metric of the
  same country (Brazil's coffee exports against its harvest).
- Another speaker of a factual claim does not change what it states: "Rouhani said trade
  was close to $5.3 billion last year" is the same figure claim as Sanaei's (claim 53),
  labelled same with related accepted for a system that weighs the speaker.
- A short text without a subject ("5.3 billion dollars", "Russia") matches nothing as
  same; a subject without a figure ("Iran Russia trade volume") is related to the
  subject's figures.

Which claims are listed. `expected` lists every stored claim that should be answered
`same` or `conflicting`, and the related ones: every figure on the same metric or on a
sibling metric of the same subject (the Iran-Russia trade volume, change and tilt; the
Iran-Khodro export count, its five-year gap and the price of the planned exports; the
10th Joint Economic Commission's meeting number, paragraphs, agreements and nuclear
paragraph; a synthetic metric's figures, Kenya's tonnage with its earnings), and for
claims without a figure the claims on the same event that a fact-checker would want
shown. Non-numeric claims that merely discuss the same topic (the causes of the 1391
trade drop, claim 57, for a query on the 1391 trade figure) are not listed.

Scoring: unlisted = irrelevant. A claim not listed for a query is irrelevant to it: it
has gain 0 in the ranking metrics (listed claims: same 3, conflicting 2, related 1), and
answering it `same` is a false match, the error users complain about most. Answering an
unlisted claim `related` or `conflicting` costs only ranking precision, since the
related lists, though complete for figures, cannot be complete for every topical
neighbour. A listed claim is answered right when its relation is `relation` or one of
`accept`. Headline numbers: false-match rate (answers `same` that are not listed as same
or accept same, per query), recall of `same`, relation accuracy on the listed claims,
and the conflicting recall on the near-misses.

The validator also checks the labels against the stored figures: two stored figures that
cannot both hold (same metric, comparable periods as above, disjoint intervals) are
never both `same` for one query, and when one is `same` the other is labelled or accepts
`conflicting`.

Seed claims left open by the sources (see each query's note):

- 52 "hardly passed 3 billion dollars in recent years" (approximately 3bn, open start up
  to 20 Mar 2013): for a single-year figure above 3.3bn it is conflicting (the seed
  links it 'contradicts' to 53 and 16), related accepted, because "recent years" has no
  start; for a figure below 3bn (the $2bn low of 1391) it is related, conflicting
  accepted: "hardly passed 3 billion" does not deny a lower year (the seed lets 52
  corroborate the 40% drop to $2bn).
- 17 ($1.5bn, read as calendar 2012) against 1391 figures: conflicting (it shares 286
  days with 1391; the seed links 53-17 'contradicts'), related accepted, since the
  seed's own note says the period may be 2013 and it links 17 to 56 as an 'update'.
- 55 (close to 40% drop in 1391) against a level of close to 5.3bn in 1391: related (a
  change is another figure type), conflicting accepted (the seed links 53-55
  'contradicts' through the implied $3.3bn the year before). 56 ($2bn low) carries the
  same -40% change, so a query on the drop alone accepts `same` for 56, and a query on
  "40% to $2bn" is same for both 56 and 55.
- 71, 72 (no period) against dated Iran-Turkey / Iran-China figures: related,
  conflicting accepted.
"""

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
QUERIES_PATH = DATA / "matching.jsonl"
SYNTHETIC_PATH = DATA / "matching_synthetic.jsonl"
FIXTURES_PATH = ROOT / "fixtures" / "seed.json"

RELATIONS = ("same", "conflicting", "related")
LANGUAGES = ("en", "ru", "fa")
KINDS = (
    "paraphrase",
    "tolerance",
    "figure_near_miss",
    "year_near_miss",
    "country_near_miss",
    "speaker_near_miss",
    "metric_near_miss",
    "short_text",
    "unrelated",
    "non_numeric",
    "synthetic",
)
# Kinds (or variants of synthetic queries) never labelled or accepted `same`.
NEVER_SAME = {
    "figure_near_miss",
    "year_near_miss",
    "country_near_miss",
    "metric_near_miss",
    "short_text",
    "unrelated",
}
# Kinds made from a stored claim: at least one `same` is expected.
NEEDS_SAME = {"paraphrase", "tolerance", "non_numeric"}
METRIC_KINDS = ("annual", "total", "level")
COMPARATORS = ("exact", "approximately", "more_than", "less_than", "range")
TOLERANCE = Decimal("0.10")  # "approximately": FACTCHECK_APPROXIMATE_TOLERANCE

QUERY_KEYS = {"id", "query", "language", "kind", "expected", "note"}
QUERY_OPTIONAL = {"claimed_on", "variant", "split"}
SPLITS = ("tune", "heldout")
WRITTEN_FOR_THE_TEST = "Written for this test"
EXPECTED_KEYS = {"claim", "relation"}
EXPECTED_OPTIONAL = {"accept"}
SYNTHETIC_CLAIM_KEYS = {
    "type",
    "id",
    "text",
    "quote",
    "metric",
    "value",
    "value_upper",
    "unit",
    "comparator",
    "period_start",
    "period_end",
    "period_label",
    "speaker",
    "claimed_on",
}

QUERY_ID = re.compile(r"^q\d{3,}$")
SYNTHETIC_ID = re.compile(r"^s\d{3,}$")
CYRILLIC = re.compile(r"[\u0400-\u04FF]")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
ASCII_DIGIT = re.compile(r"[0-9]")

# Minimums the data must meet (the test asserts them too).
MINIMUMS = {
    "queries": 150,
    "language:ru": 10,
    "language:fa": 10,
    "relation:same": 40,
    "relation:conflicting": 20,
    "relation:related": 20,
    "kind:unrelated": 20,
    "kind:figure_near_miss": 15,
    "kind:year_near_miss": 10,
    "kind:country_near_miss": 5,
    "kind:speaker_near_miss": 3,
    "kind:synthetic": 30,
    "empty_expected": 20,
    "synthetic_claims": 40,
    "synthetic_metrics": 6,
}
SYNTHETIC_CLAIMS_RANGE = (40, 80)
SYNTHETIC_METRICS_RANGE = (6, 10)


@dataclass
class Report:
    """What validate() found: errors (empty when the data is sound) and counts."""

    errors: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def shortfalls(self) -> list[str]:
        """Minimums the counts do not meet, as readable lines."""
        return [
            f"{name}: {self.counts[name]} < {minimum}"
            for name, minimum in MINIMUMS.items()
            if self.counts[name] < minimum
        ]


def read_jsonl(path: Path) -> list[dict]:
    """Read one JSON object per non-blank line; a bad line raises ValueError."""
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name}:{number}: not JSON ({exc})") from exc
            if not isinstance(row, dict):
                raise ValueError(f"{path.name}:{number}: not a JSON object")
            rows.append(row)
    return rows


def load_queries(path: Path = QUERIES_PATH) -> list[dict]:
    """The labelled queries, in file order."""
    return read_jsonl(path)


def load_synthetic(path: Path = SYNTHETIC_PATH) -> tuple[list[dict], list[dict]]:
    """The synthetic (metrics, claims), in file order."""
    rows = read_jsonl(path)
    metrics = [row for row in rows if row.get("type") == "metric"]
    claims = [row for row in rows if row.get("type") == "claim"]
    return metrics, claims


def _fixture_objects(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_fixture_claims(path: Path = FIXTURES_PATH) -> dict[int, dict]:
    """The fixture claims by pk (their fields as in seed.json)."""
    return {
        obj["pk"]: obj["fields"]
        for obj in _fixture_objects(path)
        if obj["model"] == "claims.claim"
    }


@dataclass(frozen=True)
class Figure:
    """A stored claim's figure as the consistency check reads it."""

    metric: str
    kind: str  # the metric's kind: annual, total or level
    low: Decimal
    high: Decimal
    start: date | None
    end: date | None


def _figure(fields: dict, metric: str | None, kind: str) -> Figure | None:
    value = _decimal(fields.get("value"))
    if metric is None or value is None:
        return None
    comparator = fields.get("comparator")
    infinity = Decimal("Infinity")
    if comparator == "approximately":
        low, high = sorted((value * (1 - TOLERANCE), value * (1 + TOLERANCE)))
    elif comparator == "more_than":
        low, high = value, infinity
    elif comparator == "less_than":
        low, high = -infinity, value
    elif comparator == "range":
        low, high = value, _decimal(fields.get("value_upper")) or value
    else:
        low = high = value
    start, end = fields.get("period_start"), fields.get("period_end")
    return Figure(
        metric,
        kind,
        low,
        high,
        date.fromisoformat(start) if start else None,
        date.fromisoformat(end) if end else None,
    )


def fixture_figures(path: Path = FIXTURES_PATH) -> dict[int, Figure]:
    """The fixture claims that state a figure, by pk."""
    objects = _fixture_objects(path)
    kinds = {
        obj["pk"]: obj["fields"]["kind"]
        for obj in objects
        if obj["model"] == "claims.metric"
    }
    figures = {}
    for obj in objects:
        if obj["model"] != "claims.claim":
            continue
        metric = obj["fields"].get("metric")
        figure = _figure(obj["fields"], metric and str(metric), kinds.get(metric, ""))
        if figure:
            figures[obj["pk"]] = figure
    return figures


def synthetic_figures(metrics: list[dict], claims: list[dict]) -> dict[str, Figure]:
    """The synthetic claims that state a figure, by id."""
    kinds = {metric.get("slug"): metric.get("kind") for metric in metrics}
    figures = {}
    for claim in claims:
        try:
            figure = _figure(claim, claim.get("metric"), kinds.get(claim.get("metric")))
        except (TypeError, ValueError):
            continue  # reported by validate_synthetic
        if figure:
            figures[claim.get("id")] = figure
    return figures


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def comparable(a: Figure, b: Figure) -> bool:
    """Whether two figures on one metric speak for the same period.

    As claims/conflicts.py: figures without a period are present rates, compared with
    each other; a level is compared over any overlap; a yearly figure over about a year
    with another sharing half a year (a period open at its start reaches back over
    every year); a total, or a yearly figure over another span, only over the same
    span (within 3 days).
    """
    if a.metric != b.metric:
        return False
    if a.end is None or b.end is None:
        return a.end is None and b.end is None and a.start is None and b.start is None
    start = max(a.start or date.min, b.start or date.min)
    end = min(a.end, b.end)
    if start > end:
        return False
    if a.kind == "level":
        return True

    def one_year(f: Figure) -> bool:
        return f.start is None or 300 <= _days(f.start, f.end) <= 430

    if a.kind == "annual" and one_year(a) and one_year(b):
        if a.start is None or b.start is None:
            return True
        return _days(start, end) >= 182
    if a.start is None or b.start is None:
        return False
    return abs((a.start - b.start).days) <= 3 and abs((a.end - b.end).days) <= 3


def cannot_both_hold(a: Figure, b: Figure) -> bool:
    """Same metric, comparable periods, intervals of allowed values disjoint."""
    return comparable(a, b) and (a.high < b.low or b.high < a.low)


def _is_date(text) -> bool:
    if not isinstance(text, str):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _decimal(text) -> Decimal | None:
    if not isinstance(text, str):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def validate_synthetic(
    metrics: list[dict], claims: list[dict], report: Report
) -> set[str]:
    """Check the synthetic metrics and claims; return the claim ids."""
    err = report.errors.append
    units = {}
    for metric in metrics:
        slug = metric.get("slug")
        where = f"synthetic metric {slug!r}"
        if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9-]+", slug):
            err(f"{where}: slug must be lowercase letters, digits and hyphens")
            continue
        if slug in units:
            err(f"{where}: duplicate slug")
        for key in ("name", "unit", "description"):
            if not isinstance(metric.get(key), str) or not metric[key].strip():
                err(f"{where}: {key} missing")
        if metric.get("kind") not in METRIC_KINDS:
            err(f"{where}: kind must be one of {METRIC_KINDS}")
        units[slug] = metric.get("unit")

    ids = set()
    for claim in claims:
        cid = claim.get("id")
        where = f"synthetic claim {cid!r}"
        if not isinstance(cid, str) or not SYNTHETIC_ID.match(cid):
            err(f"{where}: id must look like s001")
            continue
        if cid in ids:
            err(f"{where}: duplicate id")
        ids.add(cid)
        keys = set(claim)
        missing = SYNTHETIC_CLAIM_KEYS - keys
        extra = keys - SYNTHETIC_CLAIM_KEYS - {"subject"}
        if missing:
            err(f"{where}: missing {sorted(missing)}")
            continue
        if extra:
            err(f"{where}: unknown keys {sorted(extra)}")
        for key in ("text", "quote", "speaker"):
            if not isinstance(claim[key], str) or not claim[key].strip():
                err(f"{where}: {key} missing")
        if not _is_date(claim["claimed_on"]):
            err(f"{where}: claimed_on must be YYYY-MM-DD")
        value = claim["value"]
        if claim["metric"] is None:
            if value is not None or claim["value_upper"] is not None:
                err(f"{where}: a claim without a metric has no value")
            if claim["comparator"] != "exact" or claim["unit"]:
                err(f"{where}: a claim without a figure has comparator exact, no unit")
            if claim.get("subject") not in units:
                err(f"{where}: a claim without a figure names its subject metric")
        else:
            if claim["metric"] not in units:
                err(f"{where}: unknown metric {claim['metric']!r}")
            elif claim["unit"] != units[claim["metric"]]:
                err(f"{where}: unit {claim['unit']!r} is not the metric's")
            if _decimal(value) is None:
                err(f"{where}: value must be a decimal string")
            if claim["comparator"] not in COMPARATORS:
                err(f"{where}: comparator must be one of {COMPARATORS}")
            upper = claim["value_upper"]
            if claim["comparator"] == "range":
                low, high = _decimal(value), _decimal(upper)
                if low is None or high is None or high <= low:
                    err(f"{where}: a range needs value_upper above value")
            elif upper is not None:
                err(f"{where}: only a range has value_upper")
        start, end = claim["period_start"], claim["period_end"]
        for name, day in (("period_start", start), ("period_end", end)):
            if day is not None and not _is_date(day):
                err(f"{where}: {name} must be YYYY-MM-DD or null")
        if _is_date(start) and _is_date(end) and start > end:
            err(f"{where}: the period ends before it starts")

    report.counts["synthetic_metrics"] = len(units)
    report.counts["synthetic_claims"] = len(ids)
    low, high = SYNTHETIC_CLAIMS_RANGE
    if not low <= len(ids) <= high:
        err(f"{len(ids)} synthetic claims; between {low} and {high} wanted")
    low, high = SYNTHETIC_METRICS_RANGE
    if not low <= len(units) <= high:
        err(f"{len(units)} synthetic metrics; between {low} and {high} wanted")
    return ids


def _check_script(query: dict, where: str, err) -> None:
    text, language = query["query"], query["language"]
    if language == "ru" and not CYRILLIC.search(text):
        err(f"{where}: a ru query must be written in Cyrillic")
    if language == "fa":
        if not ARABIC_SCRIPT.search(text):
            err(f"{where}: a fa query must be written in Persian script")
        if ASCII_DIGIT.search(text):
            err(f"{where}: a fa query writes its figures in Persian digits")
    if language == "en" and (CYRILLIC.search(text) or ARABIC_SCRIPT.search(text)):
        err(f"{where}: an en query in another script")


def validate_query(
    query: dict, fixture_pks: set[int], synthetic_ids: set[str], report: Report
) -> None:
    """Check one query line and count it."""
    err = report.errors.append
    qid = query.get("id")
    where = f"query {qid!r}"
    keys = set(query)
    if QUERY_KEYS - keys:
        err(f"{where}: missing {sorted(QUERY_KEYS - keys)}")
        return
    if keys - QUERY_KEYS - QUERY_OPTIONAL:
        err(f"{where}: unknown keys {sorted(keys - QUERY_KEYS - QUERY_OPTIONAL)}")
    for key in ("query", "note"):
        if not isinstance(query[key], str) or not query[key].strip():
            err(f"{where}: {key} must be a non-empty string")
            return
    if query["language"] not in LANGUAGES:
        err(f"{where}: language must be one of {LANGUAGES}")
        return
    kind = query["kind"]
    if kind not in KINDS:
        err(f"{where}: kind must be one of {KINDS}")
        return
    synthetic = kind == "synthetic"
    variant = query.get("variant")
    if synthetic:
        if variant not in KINDS or variant == "synthetic":
            err(f"{where}: a synthetic query needs a variant among the other kinds")
            return
    elif variant is not None:
        err(f"{where}: only synthetic queries have a variant")
    effective = variant if synthetic else kind
    if "split" in query:
        if query["split"] not in SPLITS:
            err(f"{where}: split must be one of {SPLITS}")
        if not query["note"].startswith(WRITTEN_FOR_THE_TEST):
            err(f"{where}: a query with a split says it was {WRITTEN_FOR_THE_TEST!r}")
    if "claimed_on" in query and not _is_date(query["claimed_on"]):
        err(f"{where}: claimed_on must be YYYY-MM-DD")
    _check_script(query, where, err)

    expected = query["expected"]
    if not isinstance(expected, list):
        err(f"{where}: expected must be a list")
        return
    seen = set()
    labels = set()  # relations given or accepted
    for item in expected:
        if not isinstance(item, dict) or EXPECTED_KEYS - set(item):
            err(f"{where}: each expected item needs claim and relation")
            continue
        if set(item) - EXPECTED_KEYS - EXPECTED_OPTIONAL:
            err(f"{where}: unknown keys in an expected item")
        claim, relation = item["claim"], item["relation"]
        if synthetic:
            if not isinstance(claim, str) or claim not in synthetic_ids:
                err(f"{where}: {claim!r} is not a synthetic claim id")
        elif isinstance(claim, bool) or not isinstance(claim, int):
            err(f"{where}: {claim!r} must be a fixture claim pk (an integer)")
        elif claim not in fixture_pks:
            err(f"{where}: claim {claim} is not in fixtures/seed.json")
        if claim in seen:
            err(f"{where}: claim {claim!r} listed twice")
        seen.add(claim)
        if relation not in RELATIONS:
            err(f"{where}: relation {relation!r} must be one of {RELATIONS}")
            continue
        accept = item.get("accept", [])
        if "accept" in item and (
            not isinstance(accept, list)
            or not accept
            or len(set(accept)) != len(accept)
            or relation in accept
            or any(a not in RELATIONS for a in accept)
        ):
            err(f"{where}: accept must list other relations, once each")
            continue
        labels.add(relation)
        labels.update(accept)
        report.counts[f"relation:{relation}"] += 1
        if accept:
            report.counts["with_accept"] += 1

    if effective in NEVER_SAME and "same" in labels:
        err(f"{where}: a {effective} is never labelled or accepted same")
    if effective == "unrelated" and expected:
        err(f"{where}: an unrelated query expects no claim")
    if effective == "figure_near_miss" and "conflicting" not in labels:
        err(f"{where}: a figure near-miss conflicts with the claim it was made from")
    if effective in NEEDS_SAME and not any(
        item.get("relation") == "same" for item in expected if isinstance(item, dict)
    ):
        err(f"{where}: a {effective} query expects a same claim")

    report.counts["queries"] += 1
    report.counts[f"language:{query['language']}"] += 1
    report.counts[f"kind:{kind}"] += 1
    report.counts[f"split:{query.get('split', 'tune')}"] += 1
    if synthetic:
        report.counts[f"variant:{variant}"] += 1
    report.counts[f"language:{query['language']}/kind:{effective}"] += 1
    if not expected:
        report.counts["empty_expected"] += 1


def check_consistency(query: dict, figures: dict, report: Report) -> None:
    """Labels must not contradict the stored figures.

    Two stored figures that cannot both hold (cannot_both_hold) are never both `same`
    for one query; and when one is `same`, the other is listed as `conflicting` (or
    accepts it): the query states a figure the other contradicts.
    """
    err = report.errors.append
    where = f"query {query.get('id')!r}"
    items = [item for item in query.get("expected", []) if isinstance(item, dict)]
    labels = {
        item.get("claim"): {item.get("relation"), *item.get("accept", [])}
        for item in items
    }
    same = [item["claim"] for item in items if item.get("relation") == "same"]
    for claim in same:
        if claim not in figures:
            continue
        for other, figure in figures.items():
            if other == claim or not cannot_both_hold(figures[claim], figure):
                continue
            if other in same:
                err(f"{where}: {claim!r} and {other!r} cannot both hold, both same")
            elif "conflicting" not in labels.get(other, set()):
                err(
                    f"{where}: {other!r} contradicts the same claim {claim!r}; "
                    "label it conflicting"
                )


def validate(
    queries_path: Path = QUERIES_PATH,
    synthetic_path: Path = SYNTHETIC_PATH,
    fixtures_path: Path = FIXTURES_PATH,
) -> Report:
    """Validate the three files together; the Report has the errors and the counts."""
    report = Report()
    try:
        queries = load_queries(queries_path)
        metrics, claims = load_synthetic(synthetic_path)
        fixture = load_fixture_claims(fixtures_path)
    except (OSError, ValueError) as exc:
        report.errors.append(str(exc))
        return report
    synthetic_ids = validate_synthetic(metrics, claims, report)
    ids = Counter(query.get("id") for query in queries)
    for qid, times in ids.items():
        if not isinstance(qid, str) or not QUERY_ID.match(qid):
            report.errors.append(f"query id {qid!r} must look like q001")
        elif times > 1:
            report.errors.append(f"query id {qid!r} used {times} times")
    fixture_figs = fixture_figures(fixtures_path)
    synthetic_figs = synthetic_figures(metrics, claims)
    for query in queries:
        validate_query(query, set(fixture), synthetic_ids, report)
        synthetic = query.get("kind") == "synthetic"
        check_consistency(query, synthetic_figs if synthetic else fixture_figs, report)
    # Coverage: which stored claims some query expects as same.
    same = {
        item["claim"]
        for query in queries
        for item in query.get("expected", [])
        if isinstance(item, dict) and item.get("relation") == "same"
    }
    report.counts["fixture_claims"] = len(fixture)
    report.counts["fixture_claims_same"] = len(same & set(fixture))
    report.counts["synthetic_claims_same"] = len(same & synthetic_ids)
    return report


def format_counts(counts: Counter) -> str:
    """The counts as an aligned text table, grouped by prefix."""
    lines = []
    groups = ("relation:", "language:", "kind:", "variant:", "split:")
    for prefix in groups:
        names = sorted(
            name for name in counts if name.startswith(prefix) and "/" not in name
        )
        lines.append(prefix.rstrip(":"))
        lines.extend(f"  {name[len(prefix) :]:<20} {counts[name]:>4}" for name in names)
    lines.append("language x kind (synthetic queries by variant)")
    pairs = sorted(name for name in counts if "/" in name)
    lines.extend(f"  {name:<40} {counts[name]:>4}" for name in pairs)
    lines.append("totals")
    others = [name for name in counts if ":" not in name]
    lines.extend(f"  {name:<22} {counts[name]:>4}" for name in sorted(others))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES_PATH)
    parser.add_argument("--synthetic", type=Path, default=SYNTHETIC_PATH)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES_PATH)
    parser.add_argument("--quiet", action="store_true", help="print errors only")
    args = parser.parse_args(argv)
    report = validate(args.queries, args.synthetic, args.fixtures)
    if not args.quiet:
        print(format_counts(report.counts))
    problems = report.errors + [f"below minimum: {s}" for s in report.shortfalls()]
    for problem in problems:
        print(f"ERROR {problem}", file=sys.stderr)
    if not args.quiet:
        print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
