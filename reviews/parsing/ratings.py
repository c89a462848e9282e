"""The crosswalk from ratings as fact-checkers publish them to our statuses.

DEFAULT_CROSSWALK ships with the app (migration 0002 loads it into RatingMapping,
where an editor extends it per publisher); a label in none of them stays unmapped
and is listed for an editor, never guessed. Statuses are claims.ratings.Status
values, written out so this module needs no Django.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

VERIFIED = "verified"
MISLEADING = "misleading"
FALSE = "false"
DISPUTED = "disputed"
UNVERIFIABLE = "unverifiable"
STATUSES = (VERIFIED, MISLEADING, FALSE, DISPUTED, UNVERIFIABLE)

# Labels as published, by the status they mean; matched after normalise_label.
# "Mostly false" (PolitiFact: "an element of truth but ignores critical facts")
# and "Half true" read as misleading, as ClaimsKG's MIXTURE does.
_LABELS: dict[str, tuple[str, ...]] = {
    VERIFIED: (
        "true",
        "correct",
        "accurate",
        "mostly true",
        "mostly correct",
        "verdadero",
        "verdadeiro",
        "vero",
        "vrai",
        "richtig",
        "wahr",
        "stimmt",
        "правда",
        "верно",
        "درست",
        "صحيح",
    ),
    MISLEADING: (
        "misleading",
        "half true",
        "half-true",
        "mostly false",
        "mixture",
        "partly false",
        "partly true",
        "partially false",
        "partially true",
        "missing context",
        "needs context",
        "lacks context",
        "exaggerated",
        "out of context",
        "cherry picks",
        "spin",
        "distorts the facts",
        "engañoso",
        "enganoso",
        "engañosa",
        "ingannevole",
        "fuorviante",
        "trompeur",
        "trompeuse",
        "irreführend",
        "teilweise falsch",
        "вводит в заблуждение",
        "манипуляция",
        "полуправда",
        "отчасти правда",
        "گمراه کننده",
        "نیمه درست",
        "مضلل",
    ),
    FALSE: (
        "false",
        "pants on fire",
        "pants on fire!",
        "fake",
        "incorrect",
        "wrong",
        "fabricated",
        "hoax",
        "scam",
        "four pinocchios",
        "falso",
        "falsa",
        "faux",
        "fausse",
        "falsch",
        "fake news",
        "неправда",
        "ложь",
        "фейк",
        "ложно",
        "не соответствует действительности",
        "نادرست",
        "غلط",
        "خطأ",
        "كاذب",
        "زائف",
    ),
    DISPUTED: ("disputed", "contested", "controversial", "debated"),
    UNVERIFIABLE: (
        "unproven",
        "unverifiable",
        "unverified",
        "unsupported",
        "no evidence",
        "not enough information",
        "cannot be verified",
        "sin evidencia",
        "sin pruebas",
        "non verificabile",
        "invérifiable",
        "unbelegt",
        "не доказано",
        "невозможно проверить",
        "غیرقابل تایید",
    ),
}

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = " .!?:;\"'«»“”„()[]"
# Above (or below) these points of a numeric scale a rating is true (or false).
TRUE_FROM = Decimal("0.8")
FALSE_UNTIL = Decimal("0.2")


def normalise_label(label: str) -> str:
    """Return a label as the crosswalk keys it: NFKC, case-folded, one space."""
    # Persian writes a zero-width non-joiner inside words, or a space, or nothing.
    text = unicodedata.normalize("NFKC", label).replace("\u200c", " ")
    text = text.replace("ي", "ی").replace("ك", "ک") if _persian(text) else text
    return _SPACES.sub(" ", text.casefold()).strip(_EDGE_PUNCTUATION).strip()


def _persian(text: str) -> bool:
    return any(char in text for char in "پچژگکی")


DEFAULT_CROSSWALK: dict[str, str] = {
    normalise_label(label): status
    for status, labels in _LABELS.items()
    for label in labels
}


def numeric_status(
    value: Decimal | None, best: Decimal | None, worst: Decimal | None
) -> str | None:
    """Return the status a numeric rating on its own scale means, if it is usable.

    Only a value within a scale whose best is above its worst: the top fifth is
    verified, the bottom fifth false, between them misleading.
    """
    if value is None or best is None or worst is None or best <= worst:
        return None
    if not worst <= value <= best:
        return None
    position = (value - worst) / (best - worst)
    if position >= TRUE_FROM:
        return VERIFIED
    if position <= FALSE_UNTIL:
        return FALSE
    return MISLEADING


def map_rating(
    label: str,
    *,
    value: Decimal | None = None,
    best: Decimal | None = None,
    worst: Decimal | None = None,
    publisher_crosswalk: dict[str, str] | None = None,
    crosswalk: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Return (status, how) for a published rating; ("", "") when unmapped.

    The label as published decides first, by the publisher's own entries, then the
    shared crosswalk (DEFAULT_CROSSWALK unless given); a label in neither is read
    by its numeric rating on its scale, where one is given.
    """
    key = normalise_label(label)
    if key and publisher_crosswalk and key in publisher_crosswalk:
        return publisher_crosswalk[key], "publisher"
    shared = DEFAULT_CROSSWALK if crosswalk is None else crosswalk
    if key and key in shared:
        return shared[key], "crosswalk"
    status = numeric_status(value, best, worst)
    if status:
        return status, "numeric"
    return "", ""
