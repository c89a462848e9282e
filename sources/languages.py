"""Tell which language a document's text is written in: by script, then by word lists.

The script of most letters narrows it (Latin, Cyrillic, Arabic, ...); inside a script,
the language whose most common words occur most often wins ("the", "of" against
"der", "und"; "что", "это" against "що", "та"; "است", "این" against "في", "على"),
with letters only one language of the script uses counting too (Persian "پ", "گ";
Ukrainian "і", "ї"). A text with too few letters, or no clear winner, is "und"
(undetermined). Pure: no database, no settings.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

UNDETERMINED = "und"
# Fewer letters than this say too little to tell the language.
MIN_LETTERS = 20
# Only the first characters are read: a language shows itself in a few paragraphs,
# and the cost stays bounded for a long document.
READ_CHARACTERS = 20_000

_STOPWORDS: dict[str, dict[str, frozenset[str]]] = {
    "latin": {
        "en": frozenset(
            "the of and to in is that for was with on as by are it from at this "
            "has have said were which its be an their".split()
        ),
        "fr": frozenset(
            "le la les de des et est une un du dans que pour sur pas au avec par "
            "qui sont ont".split()
        ),
        "de": frozenset(
            "der die und das ist nicht mit den von zu ein eine im dem des auf für "
            "sich wird wurde".split()
        ),
        "es": frozenset(
            "el la de que y en los las del por un una con para es al se su más".split()
        ),
        "tr": frozenset(
            "ve bir bu için ile da de olarak milyar olan gibi daha çok ise ancak "
            "yılında".split()
        ),
        "it": frozenset(
            "il di che e la per un una del della sono con non le nel alla".split()
        ),
    },
    "cyrillic": {
        "ru": frozenset(
            "и в не что на с по это как был была были года также его для от из "
            "к о при млрд млн который которые".split()
        ),
        "uk": frozenset(
            "і та що у від для це як був була було року також його при який які "
            "з до на".split()
        ),
        "bg": frozenset("и на за се от е са да че по като година със".split()),
    },
    "arabic": {
        "fa": frozenset(
            "است این که را با از به در برای های می شد شده بود کرد خود یک ایران "
            "سال".split()
        ),
        "ar": frozenset(
            "في من على إلى التي الذي أن هذا هذه عن مع كان قد ما بين وقال".split()
        ),
        "ur": frozenset("ہے کے کی میں سے اور کو نے کہ ہیں".split()),
    },
}
# Letters one language of its script uses and its neighbours do not.
_MARKERS = {
    "fa": "پچژگکی",
    "ar": "ةكيى",
    "ur": "ہےںٹڈڑ",
    "uk": "іїєґ",
    "bg": "",
    "ru": "ыэё",
}
_WORD = re.compile(r"[^\W\d_]+")


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    for script in ("LATIN", "CYRILLIC", "ARABIC", "GREEK", "HEBREW", "CJK", "HANGUL"):
        if name.startswith(script) or f" {script} " in f" {name} ":
            return script.lower()
    if name.startswith(("HIRAGANA", "KATAKANA")):
        return "cjk"
    if name.startswith(("DEVANAGARI", "ARMENIAN", "GEORGIAN", "THAI")):
        return name.split()[0].lower()
    return "other"


def detect_document_language(text: str) -> str:
    """Return the ISO 639-1 code of the language `text` is written in, or "und"."""
    sample = text[:READ_CHARACTERS]
    scripts: Counter[str] = Counter(_script(c) for c in sample if c.isalpha())
    letters = sum(scripts.values())
    if letters < MIN_LETTERS:
        return UNDETERMINED
    script, count = scripts.most_common(1)[0]
    if count < letters / 2:
        return UNDETERMINED
    languages = _STOPWORDS.get(script)
    if languages is None:
        return {"greek": "el", "hebrew": "he", "hangul": "ko"}.get(script, UNDETERMINED)
    words = [word.lower() for word in _WORD.findall(sample)]
    scores = {}
    for language, stopwords in languages.items():
        hits = sum(word in stopwords for word in words)
        markers = sum(sample.count(letter) for letter in _MARKERS.get(language, ""))
        scores[language] = hits + markers / 10
    best = max(scores, key=lambda language: scores[language])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == 0 or ranked[0] == ranked[1]:
        return UNDETERMINED
    return best
