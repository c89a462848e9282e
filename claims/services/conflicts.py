"""Keep the detected `contradicts` links and the comparison flags in step.

(The incremental and the full run share the writing of links and flags, which must
stay one code; the figures are read by claims.selectors.figures, the windows around
them worked out by claims.figures.windows.)

The rules live in claims.figures.comparison (pure). Each detected link records which
figures hold it (`ClaimLink.holds`, bits of claims.figures.comparison), so that a
change to a few claims updates only what it can affect:

- `refresh_conflicts` (incremental, run as a job after a write): the figures compared
  with the changed claims' old and new figures are the only ones whose holds can
  change. They are read by period (a GiST index on PostgreSQL), their holds computed
  among the figures compared with them (read likewise), and only the links and flags
  they hold are written. The work grows with the number of figures around the change,
  not with the size of the metric.
- `detect_metric_conflicts` (full, for repairs and bulk loads): every figure of a
  metric is a seer. Both call the same code, so the incremental result is the full
  one (tests/claims/test_incremental_conflicts.py holds them equal).

Editors' links (detected=False) are never touched, and no detected link is made for a
pair an editor has linked as contradicting either way.
"""

import datetime
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from psycopg import sql
from simple_history.utils import bulk_create_with_history, bulk_update_with_history
from tqdm import tqdm

from factcheck.db import lift_statement_timeout

from ..conf import tolerance_setting
from ..figures.comparison import (
    Detection,
    Figure,
    Pair,
    Reasons,
    detect,
    figures_of,
    link_bits,
    owned_bits,
    point_of,
    span_of,
)
from ..figures.holds import SAME, Key, related
from ..figures.intervals import FigureRow
from ..figures.windows import overlaps_any, windows_around
from ..models import Claim, ClaimLink, Metric
from ..ratings import VERDICTS
from ..selectors.figures import (
    FIGURE_COLUMNS,
    rows_for_metric,
    rows_for_metric_claims,
    rows_near,
)
from .events import ClaimChange, record_claim_events

_CONTRADICTS = ClaimLink.Relation.CONTRADICTS
_BATCH = 500
# The jobs that run refresh_conflicts and detect_all_conflicts (claims.tasks),
# deferred by these names: a service never imports the task module.
REFRESH_CONFLICTS_TASK = "claims.refresh_conflicts"
DETECT_ALL_CONFLICTS_TASK = "claims.detect_all_conflicts"


def metric_lock(metric_id: int) -> str:
    """Return the lock that makes the conflict work on one metric take turns."""
    return f"conflicts:metric:{metric_id}"


# A first run over a large database writes links by the million; with statistics of
# the empty table, PostgreSQL would read a metric's links by scanning them all.
ANALYZE_EVERY_LINKS = 20_000


@dataclass(frozen=True)
class DetectionSummary:
    created: int = 0
    removed: int = 0
    flagged: int = 0

    def __add__(self, other: "DetectionSummary") -> "DetectionSummary":
        return DetectionSummary(
            self.created + other.created,
            self.removed + other.removed,
            self.flagged + other.flagged,
        )


# Figures as jobs carry them --------------------------------------------------------


def figure_row(claim: Claim) -> FigureRow:
    """Return the figure a claim states, as detection reads it."""
    return FigureRow(*(getattr(claim, name) for name in FIGURE_COLUMNS))


def figure_row_data(claim: Claim) -> dict[str, Any]:
    """Return a claim's figure as JSON-ready data, with its metric (for job args)."""
    data: dict[str, Any] = {"metric_id": claim.metric_id}
    for name in FIGURE_COLUMNS:
        value = getattr(claim, name)
        if isinstance(value, Decimal | datetime.date):
            value = str(value) if isinstance(value, Decimal) else value.isoformat()
        data[name] = value
    return data


def _row_from_data(data: dict[str, Any]) -> FigureRow:
    def decimal(name: str) -> Decimal | None:
        return None if data[name] is None else Decimal(data[name])

    def day(name: str) -> datetime.date | None:
        value = data[name]
        return None if value is None else datetime.date.fromisoformat(value)

    return FigureRow(
        claim_id=data["id"],
        unit=data["unit"],
        value=decimal("value"),  # type: ignore[arg-type]
        value_upper=decimal("value_upper"),
        comparator=data["comparator"],
        period_start=day("period_start"),
        period_end=day("period_end"),
        change_percent=decimal("change_percent"),
        change_comparator=data["change_comparator"],
    )


# Incremental: after a write ---------------------------------------------------------


def refresh_conflicts(
    *,
    metric_id: int,
    claim_ids: Collection[int],
    before: Collection[dict[str, Any]] = (),
) -> DetectionSummary:
    """Bring the links and flags of a metric up to date after its claims changed.

    `claim_ids` changed (created, edited, deleted, or moved to or from this metric);
    `before` holds their figures as they were (figure_row_data), which tells which
    figures compared with them then. Idempotent: running it again, or after later
    changes, writes what a full run would. One transaction; the metric row is locked
    so that runs for one metric take turns.
    """
    with transaction.atomic():
        lift_statement_timeout()
        metric = Metric.objects.select_for_update().filter(pk=metric_id).first()
        if metric is None:
            return DetectionSummary()
        kind, tolerance = metric.kind, tolerance_setting()
        current = {
            claim.pk: claim
            for claim in Claim.objects.filter(pk__in=claim_ids).only(
                "id", "metric_id", "version"
            )
        }
        # A claim now on another metric is that metric's run's to write.
        mine = {
            claim_id
            for claim_id in claim_ids
            if claim_id not in current
            or current[claim_id].metric_id in (None, metric_id)
        }
        old_rows = [
            _row_from_data(data)
            for data in before
            if data["metric_id"] == metric_id and data["value"] is not None
        ]
        new_rows = rows_for_metric_claims(metric_id, mine)
        seers = _seers_around(metric_id, kind, tolerance, mine, old_rows, new_rows)
        pool = _pool_for(metric_id, kind, tolerance, seers)
        found = detect(pool, kind=kind, tolerance=tolerance, seers=seers.keys)
        created, removed = _sync_links(
            found, seers.keys, tolerance, changed_claims=claim_ids
        )
        flagged = _sync_flags(found.flags)
        _mark_checked(current[claim_id] for claim_id in mine if claim_id in current)
    return DetectionSummary(created=created, removed=removed, flagged=flagged)


@dataclass(frozen=True)
class _Seers:
    keys: set[Key]
    figures: list[Figure]  # the seers' current figures


def _seers_around(
    metric_id: int,
    kind: str,
    tolerance: Decimal,
    changed: Collection[int],
    old_rows: list[FigureRow],
    new_rows: list[FigureRow],
) -> _Seers:
    """Return the figures whose holds or flags the change can alter.

    The changed claims' own figures (both kinds, so that one that vanished lets go of
    what it held), and every figure compared with their old or new figures, or (for
    the flags) overlapping them.
    """
    keys: set[Key] = {
        (claim_id, implied) for claim_id in changed for implied in (False, True)
    }
    # Old and new figures of one claim share a key: keep them apart, in a list.
    changed_figures, _ = figures_of([*old_rows, *new_rows], tolerance)
    changed_points = [point_of(figure, kind) for figure in changed_figures]
    near_figures, _ = figures_of(
        rows_near(metric_id, windows_around(changed_figures)), tolerance
    )
    by_key: dict[Key, Figure] = {}
    spans = [span_of(figure) for figure in changed_figures]
    for figure in near_figures:
        point = point_of(figure, kind)
        if (
            figure.claim_id in changed
            or any(related(point, changed) for changed in changed_points)
            # Only a same-span figure is ever flagged (claims.figures.comparison).
            or (
                point.klass == SAME
                and not figure.implied
                and overlaps_any(span_of(figure), spans)
            )
        ):
            keys.add(point.key)
            by_key[point.key] = figure
    return _Seers(keys=keys, figures=list(by_key.values()))


def _pool_for(
    metric_id: int, kind: str, tolerance: Decimal, seers: _Seers
) -> list[FigureRow]:
    """Return every figure compared with a seer, or overlapping one (for flags)."""
    return rows_near(metric_id, windows_around(seers.figures))


# Full: repairs and bulk loads ------------------------------------------------------


def detect_metric_conflicts(metric_id: int) -> DetectionSummary:
    """Compare every figure about a metric and bring its links and flags up to date.

    Creates, updates and removes detected `contradicts` links (lower id -> higher id,
    the reason as the note, the holding figures in `holds`) and sets or clears the
    claims' comparison flags. Runs on one metric at a time: the metric row is locked
    until the end, and so are its claims (a claim deleted meanwhile would leave a link
    to a missing row).
    """
    with transaction.atomic():
        # Started by a web request (an import) or a job: let it finish.
        lift_statement_timeout()
        metric = Metric.objects.select_for_update().get(pk=metric_id)
        claims = Claim.objects.select_for_update().filter(metric_id=metric.pk)
        claim_ids = list(claims.values_list("pk", flat=True))
        tolerance = tolerance_setting()
        found = detect(
            rows_for_metric(metric.pk), kind=metric.kind, tolerance=tolerance
        )
        seers = {
            (claim_id, implied) for claim_id in claim_ids for implied in (False, True)
        }
        created, removed = _sync_links(found, seers, tolerance)
        unflagged = dict.fromkeys(claim_ids, "")
        flagged = _sync_flags(unflagged | found.flags)
        claims.update(conflicts_checked_version=F("version"))
    return DetectionSummary(created=created, removed=removed, flagged=flagged)


def detect_all_conflicts(
    progress: bool = False,
    on_metric: Callable[[int, int], None] | None = None,
) -> DetectionSummary:
    """Run `detect_metric_conflicts` on every metric that has claims; return totals.

    Detected links left between claims of different metrics (or without one), which
    no metric's run holds any more, are removed too.
    """
    metric_ids = list(
        Metric.objects.filter(claims__isnull=False)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )
    total = DetectionSummary()
    unanalyzed = 0
    for done, metric_id in enumerate(
        tqdm(metric_ids, disable=not progress, unit="metric"), start=1
    ):
        summary = detect_metric_conflicts(metric_id)
        total += summary
        if on_metric is not None:
            on_metric(done, len(metric_ids))
        unanalyzed += summary.created + summary.removed
        if unanalyzed >= ANALYZE_EVERY_LINKS:
            _analyze_links()
            unanalyzed = 0
    return total + DetectionSummary(removed=_remove_links_across_metrics())


def _remove_links_across_metrics() -> int:
    stray = ClaimLink.objects.filter(relation=_CONTRADICTS, detected=True).filter(
        Q(from_claim__metric__isnull=True)
        | Q(to_claim__metric__isnull=True)
        | ~Q(from_claim__metric=F("to_claim__metric"))
    )
    removed = 0
    for batch in _batches(list(stray.values_list("pk", flat=True))):
        removed += len(batch)
        ClaimLink.objects.filter(pk__in=batch).delete()
    return removed


def _analyze_links() -> None:
    """Refresh PostgreSQL's statistics of the links table (autovacuum may lag)."""
    if connection.vendor == "postgresql":
        statement = sql.SQL("ANALYZE {}").format(
            sql.Identifier(ClaimLink._meta.db_table)
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.as_string())


# Writing -----------------------------------------------------------------------------


@dataclass
class _StoredLink:
    """A stored contradicts link, as the sync reads it (no model instance)."""

    pk: int
    pair: Pair
    holds: int
    note: str
    detected: bool


def _sync_links(
    found: Detection,
    seers: Collection[Key],
    tolerance: Decimal,
    *,
    changed_claims: Collection[int] | None = None,
) -> tuple[int, int]:
    """Write the holds of `seers`: set their bits, clear the rest of theirs.

    A link's reason is written again when which figures hold it changed, or when it
    names a claim of `changed_claims` (None: every claim, as a full run does); the
    other figures did not change, so neither did their words.
    """
    seers = set(seers)
    wanted = link_bits(found.holds)
    claim_ids = sorted({claim_id for claim_id, _ in seers})
    existing = _links_of(claim_ids)
    editors_pairs = {link.pair for link in existing if not link.detected}
    seers_of_claim: dict[int, list[Key]] = {}
    for key in seers:
        seers_of_claim.setdefault(key[0], []).append(key)
    changed_set = None if changed_claims is None else set(changed_claims)
    reasons = Reasons(tolerance)
    stale: list[int] = []
    gone: dict[Pair, str] = {}
    rebits: list[ClaimLink] = []
    renoted: dict[int, str] = {}
    linked: set[Pair] = set()
    for link in existing:
        if not link.detected:
            continue
        pair = link.pair
        linked.add(pair)
        clear = 0
        for claim_id in pair:
            for key in seers_of_claim.get(claim_id, ()):
                clear |= owned_bits(key, pair)
        holds = (link.holds & ~clear) | wanted.get(pair, 0)
        if holds == 0 or pair in editors_pairs:
            stale.append(link.pk)
            gone[pair] = link.note
            continue
        if holds != link.holds:
            rebits.append(ClaimLink(pk=link.pk, holds=holds))
        if (
            holds != link.holds
            or changed_set is None
            or pair[0] in changed_set
            or pair[1] in changed_set
        ):
            reason = reasons.reason(pair, holds, found.figures)
            if reason is not None and reason != link.note:
                renoted[link.pk] = reason
    if rebits:
        ClaimLink.objects.bulk_update(rebits, ["holds"], batch_size=_BATCH)
    if renoted:
        # Reasons are what readers see: changed with a history row each.
        links = list(ClaimLink.objects.filter(pk__in=list(renoted)).order_by("pk"))
        for changed_link in links:
            changed_link.note = renoted[changed_link.pk]
        bulk_update_with_history(links, ClaimLink, ["note"], batch_size=_BATCH)
    for batch in _batches(stale):
        ClaimLink.objects.filter(pk__in=batch).delete()
    new_links = []
    for pair, holds in sorted(wanted.items()):
        if pair in linked or pair in editors_pairs:
            continue
        reason = reasons.reason(pair, holds, found.figures)
        new_links.append(
            ClaimLink(
                from_claim_id=pair[0],
                to_claim_id=pair[1],
                relation=_CONTRADICTS,
                note=reason or "",
                detected=True,
                holds=holds,
            )
        )
    if new_links:
        bulk_create_with_history(new_links, ClaimLink, batch_size=_BATCH)
    found_pairs = {
        (link.from_claim_id, link.to_claim_id): link.note for link in new_links
    }
    record_claim_events(_conflict_changes(found_pairs, gone))
    return len(new_links), len(stale)


def _conflict_changes(
    found: dict[Pair, str], gone: dict[Pair, str]
) -> list[ClaimChange]:
    """Return the conflict events of the claims with a verdict among the pairs
    whose detected link was made (`found`) or removed (`gone`): one per claim and
    pair, described from that claim's side, with the link's reason."""
    ids = {claim_id for pair in (*found, *gone) for claim_id in pair}
    if not ids:
        return []
    verdicts = set(
        Claim.objects.filter(pk__in=ids, status__in=VERDICTS).values_list(
            "pk", flat=True
        )
    )
    changes = []
    for pairs, kind, words in (
        (found, "claim.conflict.detected", "Conflicts with"),
        (gone, "claim.conflict.resolved", "No longer conflicts with"),
    ):
        for pair, note in sorted(pairs.items()):
            for claim_id, other in (pair, pair[::-1]):
                if claim_id in verdicts:
                    changes.append(
                        ClaimChange(
                            claim_id,
                            kind,
                            f"{words} claim {other}" + (f": {note}" if note else "."),
                            detail={"conflict": {"claim": other, "reason": note}},
                        )
                    )
    return changes


def _links_of(claim_ids: list[int]) -> list[_StoredLink]:
    """Return the contradicts links from or to these claims, locked, by id."""
    if not claim_ids:
        return []
    found: dict[int, _StoredLink] = {}
    contradicts = (
        ClaimLink.objects.filter(relation=_CONTRADICTS)
        .order_by("id")
        .select_for_update()
    )
    columns = ("id", "from_claim_id", "to_claim_id", "holds", "note", "detected")
    for batch in _batches(claim_ids):
        # Each side through its own index (an OR across both scans every link).
        for side in ("from_claim_id__in", "to_claim_id__in"):
            rows = contradicts.filter(**{side: batch}).values_list(*columns)
            for pk, from_id, to_id, holds, note, detected in rows:
                pair = (min(from_id, to_id), max(from_id, to_id))
                found[pk] = _StoredLink(pk, pair, holds, note, detected)
    return [found[pk] for pk in sorted(found)]


def _sync_flags(flags: dict[int, str]) -> int:
    """Set the comparison flags of these claims ("" clears one); return how many set."""
    if not flags:
        return 0
    changed = []
    stored = Claim.objects.filter(pk__in=list(flags)).values_list(
        "id", "comparison_flag"
    )
    for claim_id, flag in stored:
        if flag != flags[claim_id]:
            changed.append(Claim(pk=claim_id, comparison_flag=flags[claim_id]))
    if changed:
        # A derived field: no new version, no history row, no updated_at bump.
        Claim.objects.bulk_update(changed, ["comparison_flag"], batch_size=_BATCH)
    return sum(1 for flag in flags.values() if flag)


def _mark_checked(claims: Iterable[Claim]) -> None:
    """Record that detection has seen these claims at their current version."""
    for claim in claims:
        Claim.objects.filter(pk=claim.pk, version=claim.version).update(
            conflicts_checked_version=claim.version
        )


def _batches(items: list[int]) -> Iterator[list[int]]:
    for first in range(0, len(items), _BATCH):
        yield items[first : first + _BATCH]
