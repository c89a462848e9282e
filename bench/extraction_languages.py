"""Measure candidate extraction on labelled Russian and Persian texts, per language.

    .venv/bin/python bench/extraction_languages.py              # the tuning set
    .venv/bin/python bench/extraction_languages.py --held-out   # the held-out set

The texts (bench/extraction_texts.py, the set the rules were built on, and
bench/extraction_heldout.py, written later and never tuned on) were written for this
benchmark; their figures are illustrative, not real statistics. No database: the
extraction rules (`claims.extraction.rules.propose_candidates`) run on each text with
its language and date.

- Recall: labelled figures that a candidate's quote contains and reads right (the
  labelled value and unit among the quote's figures, or for a change its signed
  percent), over all labelled figures.
- Precision: candidates whose figure (or change) is a labelled one inside the quote,
  over all candidates; a candidate with a wrong value counts against it.

Exits with status 1 when a target is missed. English is measured by bench/extraction.py.
"""

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import extraction_heldout, extraction_texts  # noqa: E402
from claims.extraction.rules import figures_in, propose_candidates  # noqa: E402

RECALL_TARGET = 0.90
PRECISION_TARGET = 0.90


def labelled_spans(text, figures):
    """Return each label with its span, looked for after the one before it."""
    spans, position = [], 0
    for surface, value, unit in figures:
        start = text.find(surface, position)
        if start < 0:
            raise SystemExit(f"Label {surface!r} is not in its text.")
        spans.append((start, start + len(surface), value, unit))
        position = start
    return spans


def reads(proposal, label, language):
    start, end, value, unit = label
    if not (proposal.start <= start and end <= proposal.end):
        return False
    if unit == "change":
        return proposal.change is not None and proposal.change.percent == value
    # The quote's figures as read in its sentence ("против 2,4 млрд" is in the
    # dollars of the clause before it).
    offset = proposal.sentence.find(proposal.quote)
    return any(
        amount.value == value and amount.unit == unit
        for begin, stop, amount in figures_in(proposal.sentence, language)
        if offset <= begin and stop <= offset + len(proposal.quote)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="measure the held-out texts (bench/extraction_heldout.py) instead",
    )
    chosen = extraction_heldout if parser.parse_args().held_out else extraction_texts
    TEXTS = chosen.TEXTS
    print(f"Texts: {chosen.NOTE}.\n")
    totals = defaultdict(lambda: [0, 0, 0, 0])  # figures, recalled, candidates, right
    for number, item in enumerate(TEXTS, 1):
        language, text = item["language"], item["text"]
        labels = labelled_spans(text, item["figures"])
        proposals = propose_candidates(
            text, language=language, reference=item["published_on"]
        )
        recalled = [
            lab for lab in labels if any(reads(p, lab, language) for p in proposals)
        ]
        right = []
        for proposal in proposals:
            inside = [
                lab
                for lab in labels
                if proposal.start <= lab[0] and lab[1] <= proposal.end
            ]
            primary_ok = False
            for lab in inside:
                if lab[3] == "change":
                    primary_ok |= (
                        proposal.change is not None
                        and proposal.change.percent == lab[2]
                    )
                elif proposal.amount is not None:
                    primary_ok |= (proposal.amount.value, proposal.amount.unit) == (
                        lab[2],
                        lab[3],
                    )
            if primary_ok:
                right.append(proposal)
        total = totals[language]
        total[0] += len(labels)
        total[1] += len(recalled)
        total[2] += len(proposals)
        total[3] += len(right)
        print(
            f"{language} text {number} ({item['kind']}): {len(proposals)} candidates, "
            f"{len(right)} right; figures recalled {len(recalled)}/{len(labels)}"
        )
        for lab in labels:
            if lab not in recalled:
                print(f"  missed: {text[lab[0] : lab[1]]!r} ({lab[2]} {lab[3]})")
        for proposal in proposals:
            if proposal not in right:
                amount = proposal.amount
                said = f"{amount.value} {amount.unit}" if amount else "no figure"
                print(f"  wrong or unlabelled: {proposal.quote[:70]!r} ({said})")
    met = True
    print()
    for language, (figures, recalled, candidates, right) in totals.items():
        recall = recalled / figures if figures else 0.0
        precision = right / candidates if candidates else 0.0
        met &= recall >= RECALL_TARGET and precision >= PRECISION_TARGET
        print(
            f"{language}: recall {recalled}/{figures} = {recall:.1%}, precision "
            f"{right}/{candidates} = {precision:.1%} (targets >= {RECALL_TARGET:.0%} "
            f"and >= {PRECISION_TARGET:.0%})"
        )
    print("Targets met." if met else "Targets NOT met.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
