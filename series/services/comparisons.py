"""Compute each claim's comparisons with the official series its metric links to.

Work per metric: its links and their series are read once, and the current
values of those series in one query; claims are then taken in batches, each
batch's comparisons replaced in one transaction. The queries per claim do not
grow with the number of series.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.figures.comparators import MetricKind
from claims.models import Claim, Evidence, Metric
from claims.ratings import VERDICTS
from claims.services.events import ClaimChange, record_claim_events
from claims.services.evidence import evidence_save
from factcheck.jobs import defer
from factcheck.services import Actor

from ..models import Comparison, MetricSeriesLink, Series
from ..records import compare
from ..records.periods import Coverage, Point, cover, days, previous_period
from ..selectors import CurrentValues, current_values

# Deferred by the name series.tasks registers (a service never imports its tasks).
REFRESH_CLAIM_COMPARISONS_TASK = "series.refresh_claim_comparisons"
CLAIM_BATCH = 2000
DAYS_PER_YEAR = Decimal("365.2425")


def defer_claim_comparisons(*, claim_id: int, metric_id: int | None) -> None:
    """Defer one claim's comparison job; the job finds whether its metric is linked.

    No query here: a claim save costs one deferred job (coalesced per claim).
    """
    if metric_id is None:
        return
    defer(
        REFRESH_CLAIM_COMPARISONS_TASK,
        queueing_lock=f"series:comparisons:claim:{claim_id}",
        claim_id=claim_id,
    )


@dataclass
class _Term:
    indicator: str
    partner: str
    series: list[Series] = field(default_factory=list)


@dataclass
class _Line:
    """A link resolved: its terms' series and their current points."""

    link: MetricSeriesLink
    terms: list[_Term]


@dataclass
class _Result:
    line: _Line
    coverage: list[Coverage]
    official: Decimal | None
    comparison: Comparison


def refresh_comparisons(
    *, metric_id: int | None = None, claim_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Recompute the comparisons of a metric's claims, or of the claims given."""
    if claim_ids is not None:
        ids = list(claim_ids)
        metric_ids = set(
            Claim.objects.filter(pk__in=ids).values_list("metric_id", flat=True)
        )
        # Claims that left a linked metric (or were deleted) lose their comparisons.
        Comparison.objects.filter(claim_id__in=ids).exclude(
            link__metric_id__in=[m for m in metric_ids if m is not None]
        ).delete()
        done = {"claims": 0, "comparisons": 0}
        for mid in metric_ids - {None}:
            result = _refresh_metric(int(mid), claim_ids=ids)
            done["claims"] += result["claims"]
            done["comparisons"] += result["comparisons"]
        return done
    if metric_id is None:
        raise ValueError("Give a metric or claims.")
    return _refresh_metric(metric_id, claim_ids=None)


def _refresh_metric(metric_id: int, *, claim_ids: list[int] | None) -> dict[str, int]:
    metric = Metric.objects.filter(pk=metric_id).first()
    claims = Claim.objects.filter(metric_id=metric_id)
    if claim_ids is not None:
        claims = claims.filter(pk__in=claim_ids)
    if metric is None:
        return {"claims": 0, "comparisons": 0}
    lines = _lines(metric)
    if not lines:
        Comparison.objects.filter(claim__in=claims).delete()
        return {"claims": 0, "comparisons": 0}
    values = current_values(
        series.pk for line in lines for term in line.terms for series in term.series
    )
    counted = {"claims": 0, "comparisons": 0}
    last = 0
    while True:
        batch = list(
            claims.filter(pk__gt=last)
            .order_by("pk")
            .only(
                "pk",
                "value",
                "value_upper",
                "comparator",
                "unit",
                "period_start",
                "period_end",
                "metric_id",
                "status",
            )[:CLAIM_BATCH]
        )
        if not batch:
            break
        last = batch[-1].pk
        rows = [
            row
            for claim in batch
            for row in claim_comparisons(
                claim=claim, metric=metric, lines=lines, values=values
            )
        ]
        verdicts = [claim.pk for claim in batch if claim.status in VERDICTS]
        with transaction.atomic():
            before = {
                (row.claim_id, row.link_id): row
                for row in Comparison.objects.filter(claim_id__in=verdicts)
            }
            Comparison.objects.filter(claim__in=[c.pk for c in batch]).delete()
            Comparison.objects.bulk_create(rows, batch_size=1000)
            record_claim_events(assessment_changes(before, rows, set(verdicts)))
        counted["claims"] += len(batch)
        counted["comparisons"] += len(rows)
    return counted


def comparison_body(comparison: Comparison) -> dict[str, Any]:
    """Return what an event says of a comparison (as GET .../official/ shows it)."""
    return {
        "link": comparison.link_id,
        "series_keys": comparison.series_keys,
        "period_start": _text(comparison.period_start),
        "period_end": _text(comparison.period_end),
        "official_value": _text(comparison.official_value),
        "stated_value": _text(comparison.stated_value),
        "ratio": _text(comparison.ratio),
        "assessment": comparison.assessment,
        "notes": list(comparison.notes),
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def assessment_changes(
    before: dict[tuple[int, int], Comparison],
    after: list[Comparison],
    verdicts: set[int],
) -> list[ClaimChange]:
    """Return claim.official.changed for each comparison of a claim with a verdict
    whose assessment changed (or which appeared or went), in claim and link order."""
    now = {
        (row.claim_id, row.link_id): row for row in after if row.claim_id in verdicts
    }
    changes = []
    for key in sorted(before.keys() | now.keys()):
        old, new = before.get(key), now.get(key)
        old_assessment = old.assessment if old is not None else None
        new_assessment = new.assessment if new is not None else None
        if old_assessment == new_assessment:
            continue
        shown = new or old
        if shown is None:
            continue
        changes.append(
            ClaimChange(
                key[0],
                "claim.official.changed",
                f"The official record's assessment of the figure changed from "
                f"{_label(old_assessment)} to {_label(new_assessment)} "
                f"({shown.series_keys}).",
                detail={
                    "comparison": comparison_body(shown) if new is not None else None,
                    "previous_assessment": old_assessment,
                },
            )
        )
    return changes


def _label(assessment: str | None) -> str:
    if assessment is None:
        return "none"
    return str(Comparison.Assessment(assessment).label).lower()


def _lines(metric: Metric) -> list[_Line]:
    links = list(
        MetricSeriesLink.objects.filter(metric=metric).select_related("dataset")
    )
    if not links:
        return []
    candidates = list(
        Series.objects.filter(
            dataset__in={link.dataset_id for link in links},
            reporter__in={link.reporter for link in links},
        )
    )
    lines = []
    for link in links:
        terms = []
        for term in link.terms:
            found = [
                series
                for series in candidates
                if series.dataset_id == link.dataset_id
                and series.reporter == link.reporter
                and series.indicator == term["indicator"]
                and series.partner == term.get("partner", "")
            ]
            terms.append(_Term(term["indicator"], term.get("partner", ""), found))
        lines.append(_Line(link, terms))
    return lines


def claim_comparisons(
    *, claim: Claim, metric: Metric, lines: list[_Line], values: CurrentValues
) -> list[Comparison]:
    """Return the claim's comparison with each line (unsaved), notes across lines."""
    results = [_compare(claim, metric, line, values) for line in lines]
    _cross_notes(results)
    return [result.comparison for result in results]


def _compare(
    claim: Claim, metric: Metric, line: _Line, values: CurrentValues
) -> _Result:
    link = line.link
    partner = next((t.partner for t in line.terms if t.partner), "")
    comparison = Comparison(
        claim_id=claim.pk,
        link=link,
        series_keys=" + ".join(
            f"{link.dataset.code}:{t.indicator} {link.reporter}→{t.partner or '-'}"
            for t in line.terms
        )[:300],
        reporter=link.reporter,
        partner=partner,
        period_start=claim.period_start,
        period_end=claim.period_end,
        stated_value=claim.value,
        assessment=compare.NOT_COMPARABLE,
        notes=[],
    )
    result = _Result(line, [], None, comparison)
    notes: list[str] = comparison.notes
    if claim.value is None:
        notes.append("The claim states no figure.")
        return result
    if claim.period_start is None or claim.period_end is None:
        notes.append(
            "The claim's period is not known: set its period to compare it with "
            "the official record."
        )
        return result
    if not any(term.series for term in line.terms):
        notes.append(
            "No official series is loaded for this line yet ("
            + comparison.series_keys
            + "): load it (manage.py load_series or fetch_series) and the comparison "
            "appears."
        )
        return result
    units = {s.unit for t in line.terms for s in t.series}
    change = link.measure == link.Measure.CHANGE
    if change and claim.unit != "percent":
        notes.append("A change link compares percent figures; the claim states none.")
        return result
    if not change and claim.unit and units and units != {claim.unit}:
        notes.append(
            f"Units differ: the claim states {claim.unit}, the series "
            f"{', '.join(sorted(units))}."
        )
        return result
    start, end = claim.period_start, claim.period_end
    total = Decimal(0)
    vintage_ids: list[int] = []
    used: list[Point] = []
    for term in line.terms:
        points = [p for s in term.series for p in values.points.get(s.pk, [])]
        coverage = cover(start, end, points)
        result.coverage.append(coverage)
        if coverage.value is None:
            notes.extend(
                f"{term.indicator}→{term.partner}: {gap}" for gap in coverage.gaps
            )
            total = Decimal(-1)
            continue
        if total >= 0:
            total += coverage.value
        used.extend(coverage.points)
        for point in coverage.points:
            for series in term.series:
                slot = (series.pk, point.start, point.end)
                if slot in values.vintage_ids:
                    vintage_ids.append(values.vintage_ids[slot])
                    _revision_note(notes, series, point, values.revisions.get(slot))
    calendar = compare.calendar_note(
        start,
        end,
        result.coverage[0].basis
        if all(c.value is not None for c in result.coverage)
        else "",
        all(c.exact for c in result.coverage),
    )
    if total < 0:
        if calendar:
            notes.insert(0, calendar)
        notes.insert(0, "No official figure for the claim's period.")
        return result
    official = total
    span = days(start, end)
    basis = result.coverage[0].basis
    if change:
        before_start, before_end = previous_period(start, end)
        before = _total(line, before_start, before_end, values)
        if before is None or before == 0:
            notes.insert(
                0,
                f"No official figure for the period before ({before_start} to "
                f"{before_end}) to compute a change from.",
            )
            return result
        official = ((total / before - 1) * 100).quantize(Decimal("0.01"))
        basis = (
            f"the change from {compare.money(before)} ({before_start} to "
            f"{before_end}) to {compare.money(total)} ({basis})"
        )
    elif metric.kind == MetricKind.ANNUAL and span > 400:
        years = Decimal(span) / DAYS_PER_YEAR
        official = (total / years).quantize(Decimal("0.000001"))
        basis += (
            f"; a per-year figure over {years.quantize(Decimal('0.01'))} years: "
            f"the total {compare.money(total)} divided by the years"
        )
    stated = compare.Stated(claim.value, claim.comparator, claim.value_upper)
    result.official = official
    comparison.official_value = official
    comparison.ratio = compare.ratio(stated, official)
    comparison.assessment = compare.assess(stated, official)
    comparison.vintage_id = max(vintage_ids) if vintage_ids else None
    head = [
        f"Official value ({link.dataset.code}, as reported by {link.reporter}"
        f"{', the mirror' if link.role == link.Role.MIRROR else ''}): "
        f"{f'{official}%' if change else compare.money(official)}, {basis}.",
        compare.tolerance_note(stated),
    ]
    if calendar:
        head.append(calendar)
    slip = "" if change else compare.scale_slip_note(comparison.ratio)
    if slip:
        head.append(slip)
    flags = compare.flags_note(
        sum(p.estimated for p in used),
        sum(p.preliminary for p in used),
        sum(p.not_reported for p in used),
        len(used),
    )
    if flags:
        head.append(flags)
    coverage_notes = sorted(
        {s.coverage_notes for t in line.terms for s in t.series if s.coverage_notes}
    )
    head.extend(f"Coverage: {note}" for note in coverage_notes)
    if link.note:
        head.append(link.note)
    comparison.notes = head + notes
    return result


def _total(
    line: _Line, start: date, end: date, values: CurrentValues
) -> Decimal | None:
    """Return the sum of the line's terms over start..end, or None if one has none."""
    total = Decimal(0)
    for term in line.terms:
        points = [p for s in term.series for p in values.points.get(s.pk, [])]
        coverage = cover(start, end, points)
        if coverage.value is None:
            return None
        total += coverage.value
    return total


def _revision_note(
    notes: list[str],
    series: Series,
    point: Point,
    history: list[tuple[int, Decimal | None]] | None,
) -> None:
    if not history:
        return
    steps = ", ".join(
        f"vintage {number}: {'none' if value is None else compare.money(value)}"
        for number, value in history
    )
    notes.append(
        f"Revised: {series.indicator} {series.reporter}→{series.partner} for "
        f"{point.start} to {point.end} ({steps}); the latest is used."
    )


def _cross_notes(results: list[_Result]) -> None:
    """Add the mirror discrepancy and CIF/FOB notes between reporters' lines."""
    complete = [
        r
        for r in results
        if r.official is not None and r.line.link.measure == r.line.link.Measure.LEVEL
    ]
    for result in complete:
        reporter = result.line.link.reporter
        for other in complete:
            other_reporter = other.line.link.reporter
            if other_reporter == reporter or other.line.link.dataset_id != (
                result.line.link.dataset_id
            ):
                continue
            if result.official is None or other.official is None:
                continue
            note = compare.mirror_note(
                reporter=reporter,
                value=result.official,
                other=other_reporter,
                other_value=other.official,
            )
            if note:
                result.comparison.notes.append(note)
            result.comparison.notes.extend(_cif_fob(result, other))


def _term_values(result: _Result) -> dict[tuple[str, str], tuple[Series, Decimal]]:
    found = {}
    for term, coverage in zip(result.line.terms, result.coverage, strict=False):
        if coverage.value is not None and term.series:
            series = term.series[0]
            if series.flow:
                found[(series.flow, term.partner)] = (series, coverage.value)
    return found


def _cif_fob(result: _Result, other: _Result) -> list[str]:
    """Compare this reporter's CIF imports with the other's FOB exports to it."""
    mine = _term_values(result)
    theirs = _term_values(other)
    reporter = result.line.link.reporter
    partner = other.line.link.reporter
    imports = mine.get(("imports", partner))
    exports = theirs.get(("exports", reporter))
    if not imports or not exports:
        return []
    if imports[0].valuation != "CIF" or exports[0].valuation != "FOB":
        return []
    return [
        compare.cif_fob_note(
            importer=reporter,
            exporter=partner,
            imports_cif=imports[1],
            exports_fob=exports[1],
        )
    ]


def comparison_to_evidence(*, comparison: Comparison, by: Actor = None) -> Evidence:
    """Record a comparison as evidence on its claim: series, vintage, value."""
    if comparison.official_value is None:
        raise ValidationError(
            {"comparison": "Only a comparison with an official value can be evidence."}
        )
    link = comparison.link
    dataset = link.dataset
    vintage = comparison.vintage
    stance = {
        compare.CONSISTENT: Evidence.Stance.SUPPORTS,
        compare.HIGHER: Evidence.Stance.REFUTES,
        compare.LOWER: Evidence.Stance.REFUTES,
    }.get(comparison.assessment, Evidence.Stance.CONTEXT)
    vintage_text = (
        f"vintage {vintage.number} (loaded {vintage.loaded_at:%Y-%m-%d}, file "
        f"SHA-256 {vintage.checksum[:12]}…)"
        if vintage
        else "no vintage"
    )
    note = (
        f"Official record: {dataset.name}, {comparison.series_keys}, "
        f"{vintage_text}; period {comparison.period_start} to "
        f"{comparison.period_end}: {compare.money(comparison.official_value)} "
        f"against the stated {compare.money(comparison.stated_value or Decimal(0))}"
        f" (ratio {comparison.ratio}; {comparison.get_assessment_display().lower()})."
        f" Computed, not a verdict. " + " ".join(comparison.notes)
    )
    evidence = Evidence(
        claim_id=comparison.claim_id, url=dataset.url, stance=stance, note=note
    )
    # Through claims' service: evidence on a claim with a verdict is an event.
    return evidence_save(evidence=evidence)
