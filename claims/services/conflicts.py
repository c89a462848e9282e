"""Keep the detected `contradicts` links and the comparison flags in step.

The rules live in claims.figures.comparison (pure); this module reads a metric's
figures, compares them and writes what changed, one metric per transaction.
"""

from dataclasses import dataclass

from django.db import connection, transaction
from psycopg import sql
from simple_history.utils import bulk_create_with_history, bulk_update_with_history
from tqdm import tqdm

from factcheck.db import lift_statement_timeout

from ..conf import tolerance_setting
from ..figures.comparison import Conflict, compare_figures
from ..figures.intervals import FigureRow
from ..models import Claim, ClaimLink, Metric

_CONTRADICTS = ClaimLink.Relation.CONTRADICTS
_DELETE_BATCH = 500


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


def rows_for_metric(metric_id: int) -> list[FigureRow]:
    """Return the figures stated about `metric_id`, in claim order, in one query."""
    rows = (
        Claim.objects.filter(metric_id=metric_id, value__isnull=False)
        .order_by("id")
        .values_list(
            "id",
            "unit",
            "value",
            "value_upper",
            "comparator",
            "period_start",
            "period_end",
            "change_percent",
            "change_comparator",
        )
    )
    return [FigureRow(*row) for row in rows]


def detect_metric_conflicts(metric_id: int) -> DetectionSummary:
    """Compare the figures about a metric and bring its detected links up to date.

    Creates a detected `contradicts` link (lower id -> higher id, the reason as its
    note) for each new conflict, unless the pair already has a `contradicts` link
    either way; deletes the detected links that no longer hold; sets or clears the
    claims' comparison flags. Editors' own links (detected=False) are never touched.
    Runs on one metric at a time: the metric row is locked until the end.
    """
    with transaction.atomic():
        # Started by a web request once its write committed, but not what it answers:
        # cut off by the request's statement timeout, the links would stay stale.
        lift_statement_timeout()
        metric = Metric.objects.select_for_update().get(pk=metric_id)
        # Lock its claims too: a claim deleted during the run would get a link to a
        # missing row (a foreign key violation at commit). Edits wait for the run.
        claims = Claim.objects.select_for_update().filter(metric_id=metric.pk)
        list(claims.values_list("pk", flat=True))
        comparison = compare_figures(
            rows_for_metric(metric.pk), kind=metric.kind, tolerance=tolerance_setting()
        )
        created, removed = _sync_links(metric.pk, comparison.conflicts)
        flagged = _sync_flags(metric.pk, comparison.flags)
    return DetectionSummary(created=created, removed=removed, flagged=flagged)


def _sync_links(metric_id: int, conflicts: list[Conflict]) -> tuple[int, int]:
    wanted = {(c.claim_id, c.other_id): c for c in conflicts}
    # Links from the metric's claims, then links to them: each side is read through
    # its own index. (One OR across both joined claims scans every link and claim,
    # once per metric.)
    contradicts = ClaimLink.objects.filter(relation=_CONTRADICTS).order_by()
    metric_claims = Claim.objects.filter(metric_id=metric_id).values("pk")
    links = contradicts.filter(from_claim__in=metric_claims).union(
        contradicts.filter(to_claim__in=metric_claims)
    )
    linked: set[tuple[int, int]] = set()
    stale: list[int] = []
    renoted: list[ClaimLink] = []
    for link in links.order_by("id"):
        pair = tuple(sorted((link.from_claim_id, link.to_claim_id)))
        linked.add(pair)
        if not link.detected:
            continue
        if pair not in wanted:
            stale.append(link.pk)
        elif link.note != wanted[pair].reason:
            link.note = wanted[pair].reason
            renoted.append(link)
    if renoted:
        bulk_update_with_history(renoted, ClaimLink, ["note"], batch_size=500)
    for first in range(0, len(stale), _DELETE_BATCH):
        ClaimLink.objects.filter(pk__in=stale[first : first + _DELETE_BATCH]).delete()
    new_links = [
        ClaimLink(
            from_claim_id=conflict.claim_id,
            to_claim_id=conflict.other_id,
            relation=_CONTRADICTS,
            note=conflict.reason,
            detected=True,
        )
        for pair, conflict in wanted.items()
        if pair not in linked
    ]
    if new_links:
        bulk_create_with_history(new_links, ClaimLink, batch_size=500)
    return len(new_links), len(stale)


def _sync_flags(metric_id: int, flags: dict[int, str]) -> int:
    changed = [
        Claim(pk=claim_id, comparison_flag=flags.get(claim_id, ""))
        for claim_id, flag in Claim.objects.filter(metric_id=metric_id)
        .order_by("id")
        .values_list("id", "comparison_flag")
        if flag != flags.get(claim_id, "")
    ]
    if changed:
        # A derived field: no new version, no history row, no updated_at bump.
        Claim.objects.bulk_update(changed, ["comparison_flag"], batch_size=500)
    return len(flags)


def detect_all_conflicts(progress: bool = False) -> DetectionSummary:
    """Run `detect_metric_conflicts` on every metric that has claims; return totals."""
    metric_ids = list(
        Metric.objects.filter(claims__isnull=False)
        .distinct()
        .order_by("id")
        .values_list("id", flat=True)
    )
    total = DetectionSummary()
    unanalyzed = 0
    for metric_id in tqdm(metric_ids, disable=not progress, unit="metric"):
        summary = detect_metric_conflicts(metric_id)
        total += summary
        unanalyzed += summary.created + summary.removed
        if unanalyzed >= ANALYZE_EVERY_LINKS:
            _analyze_links()
            unanalyzed = 0
    return total


# A first run over a large database writes links by the million; with statistics of
# the empty table, PostgreSQL would read a metric's links by scanning them all.
ANALYZE_EVERY_LINKS = 20_000


def _analyze_links() -> None:
    """Refresh PostgreSQL's statistics of the links table (autovacuum may lag)."""
    if connection.vendor == "postgresql":
        statement = sql.SQL("ANALYZE {}").format(
            sql.Identifier(ClaimLink._meta.db_table)
        )
        with connection.cursor() as cursor:
            cursor.execute(statement.as_string())
