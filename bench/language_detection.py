"""Compare our language detection with lingua-language-detector, per language.

    .venv/bin/python bench/language_detection.py            # ours only
    /path/to/venv-with-lingua/bin/python bench/language_detection.py

The texts (bench/language_texts.py, 80 of them) were written for this benchmark: for
each of en, ru, uk, bg, fa, ar, ur, de, fr, es a headline, four sentences and three
paragraphs. Ours is `sources.languages.detect_document_language` (script, then word
lists; "und" counts as wrong). lingua runs when it is installed: with the twelve
languages ours tells apart, and with all it knows (high and low accuracy modes).
Prints the accuracy per language, short and long texts apart, and the time per text
(the mean over REPEATS passes; lingua's models are loaded before timing, and the
load is printed apart). No database, no settings.
"""

import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.language_texts import NOTE, SHORT, TEXTS  # noqa: E402
from sources.languages import detect_document_language  # noqa: E402

REPEATS = 5
# The languages sources.languages tells apart.
OURS = ["en", "fr", "de", "es", "tr", "it", "ru", "uk", "bg", "fa", "ar", "ur"]


def lingua_detectors() -> dict[str, Callable[[str], str]]:
    """Return lingua's detectors by name, or none when lingua is not installed."""
    try:
        from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
    except ImportError:
        print("lingua-language-detector is not installed: ours only.\n")
        return {}
    ours = [
        Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper()))
        for code in OURS
    ]
    builders = {
        "lingua, our 12 languages": LanguageDetectorBuilder.from_languages(*ours),
        "lingua, all 75 languages": LanguageDetectorBuilder.from_all_languages(),
        "lingua, all, low accuracy": (
            LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode()
        ),
    }
    detectors = {}
    for name, builder in builders.items():
        started = time.perf_counter()
        detector = builder.with_preloaded_language_models().build()
        print(f"{name}: models loaded in {time.perf_counter() - started:.2f} s")
        detectors[name] = _coded(detector)
    print()
    return detectors


def _coded(detector) -> Callable[[str], str]:
    def detect(text: str) -> str:
        language = detector.detect_language_of(text)
        return "und" if language is None else language.iso_code_639_1.name.lower()

    return detect


def measure(name: str, detect: Callable[[str], str]) -> tuple[int, int]:
    """Print one detector's accuracy per language and its time; return right, all."""
    right = {"short": 0, "long": 0}
    total = {"short": 0, "long": 0}
    rows, wrong = [], []
    for language, texts in TEXTS.items():
        hits = 0
        for number, text in enumerate(texts):
            length = "short" if number < SHORT else "long"
            found = detect(text)
            total[length] += 1
            if found == language:
                hits += 1
                right[length] += 1
            else:
                wrong.append(f"{language} read as {found}: {text[:50]!r}")
        rows.append(f"{language} {hits}/{len(texts)}")
    samples = [text for texts in TEXTS.values() for text in texts]
    started = time.perf_counter()
    for _ in range(REPEATS):
        for text in samples:
            detect(text)
    per_text = (time.perf_counter() - started) / (REPEATS * len(samples))
    hits, count = sum(right.values()), sum(total.values())
    print(f"{name}: {hits}/{count} = {hits / count:.1%}")
    print(
        f"  short {right['short']}/{total['short']}, long "
        f"{right['long']}/{total['long']}; {per_text * 1e6:.0f} µs per text"
    )
    print("  " + ", ".join(rows))
    for said in wrong:
        print(f"  wrong: {said}")
    return hits, count


def main() -> int:
    count = sum(len(texts) for texts in TEXTS.values())
    print(f"{count} texts in {len(TEXTS)} languages, {NOTE}.\n")
    detectors = {"ours (script + word lists)": detect_document_language}
    detectors.update(lingua_detectors())
    for name, detect in detectors.items():
        measure(name, detect)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
