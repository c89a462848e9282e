"""Measure candidate extraction on the two seed documents against the fixture claims.

    .venv/bin/python bench/extraction.py

Builds a throwaway SQLite database (/tmp/extraction_bench.sqlite3, whatever
DATABASE_URL says), loads the seed fixtures, attaches the seed texts
(../shared/seeds) to their documents, which anchors every fixture claim's quote, and
runs the extraction rules (`claims.extraction.rules.propose_candidates`) on each text.

- Recall: fixture claims with a figure (value set) that some candidate's span
  overlaps, over all fixture claims with a figure.
- Precision: candidates that overlap any fixture claim's quote (figure or not), over
  all candidates.

The rules are measured before the "skip what a claim already covers" step of
`extract_candidates`, which would otherwise hide every fixture claim; that step's
effect is printed last. Exits with status 1 when a target is missed.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = Path("/tmp/extraction_bench.sqlite3")
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "factcheck.settings.test"
# Always a throwaway database: the bench migrates and loads fixtures into it.
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"

import django  # noqa: E402

DATABASE.unlink(missing_ok=True)
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from claims.extraction.rules import MIN_SCORE, propose_candidates  # noqa: E402
from claims.models import Metric  # noqa: E402
from claims.services.candidates import extract_candidates  # noqa: E402
from sources.ingest import ingest_document  # noqa: E402
from sources.models import Document  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
# Fixture document pk -> its seed text.
SEED_FILES = {1: "000_*.txt", 2: "004_*.txt"}
RECALL_TARGET = 0.90
PRECISION_TARGET = 0.70


def overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def main() -> int:
    if not SEEDS.is_dir():
        print(f"No seed texts at {SEEDS}; nothing to measure.")
        return 2
    call_command("migrate", verbosity=0)
    call_command("loaddata", "seed", verbosity=0)
    for pk, pattern in SEED_FILES.items():
        (path,) = SEEDS.glob(pattern)
        result = ingest_document(
            content=path.read_bytes(), filename=path.name, attach_to=pk
        )
        print(f"{path.name} -> document {pk}: {result.message}")
    metrics = list(Metric.objects.all())
    print(f"\nRules: claims.extraction, minimum score {MIN_SCORE}\n")
    figures = recalled = candidates = relevant = 0
    metric_right = metric_wrong = metric_none = 0
    missed, unmatched = [], []
    for pk in SEED_FILES:
        document = Document.objects.get(pk=pk)
        claims = list(document.claims.order_by("pk"))
        unanchored = [claim.pk for claim in claims if claim.quote_start is None]
        if unanchored:
            print(f"Document {pk}: claims not anchored: {unanchored}")
        proposals = propose_candidates(document.text, metrics=metrics)
        spans = [(p.start, p.end) for p in proposals]
        doc_figures = [c for c in claims if c.value is not None]
        doc_recalled = [
            c
            for c in doc_figures
            if any(overlaps(s, e, c.quote_start, c.quote_end) for s, e in spans)
        ]
        doc_relevant = [
            p
            for p in proposals
            if any(
                overlaps(p.start, p.end, c.quote_start, c.quote_end)
                for c in claims
                if c.quote_start is not None
            )
        ]
        for claim in doc_recalled:
            if claim.metric_id is None:
                continue
            suggested = {
                p.metric.pk
                for p in proposals
                if p.metric
                and overlaps(p.start, p.end, claim.quote_start, claim.quote_end)
            }
            if not suggested:
                metric_none += 1
            elif claim.metric_id in suggested:
                metric_right += 1
            else:
                metric_wrong += 1
        missed += [c for c in doc_figures if c not in doc_recalled]
        unmatched += [p for p in proposals if p not in doc_relevant]
        figures += len(doc_figures)
        recalled += len(doc_recalled)
        candidates += len(proposals)
        relevant += len(doc_relevant)
        print(
            f"Document {pk} ({document.title}): {len(proposals)} candidates, "
            f"{len(doc_relevant)} on a fixture claim; fixture figures recalled "
            f"{len(doc_recalled)}/{len(doc_figures)}"
        )
    recall = recalled / figures if figures else 0.0
    precision = relevant / candidates if candidates else 0.0
    print(
        f"\nRecall of fixture figures: {recalled}/{figures} = {recall:.1%} "
        f"(target >= {RECALL_TARGET:.0%})"
    )
    print(
        f"Precision: {relevant}/{candidates} = {precision:.1%} "
        f"(target >= {PRECISION_TARGET:.0%})"
    )
    print(
        "Suggested metric on recalled figures that have one: "
        f"{metric_right} right, {metric_wrong} wrong, {metric_none} none"
    )
    for claim in missed:
        print(f"  missed figure: claim {claim.pk} {claim.quote[:70]!r}")
    for proposal in unmatched:
        print(f"  on no fixture claim: {proposal.score:.2f} {proposal.quote[:70]!r}")
    with transaction.atomic():
        stored = [extract_candidates(document_id=pk) for pk in SEED_FILES]
        print(
            "\nextract_candidates with the fixture claims in place: "
            f"{sum(r.created for r in stored)} created, "
            f"{sum(r.skipped_existing for r in stored)} skipped as already claimed"
        )
        transaction.set_rollback(True)
    met = recall >= RECALL_TARGET and precision >= PRECISION_TARGET
    print("Targets met." if met else "Targets NOT met.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
