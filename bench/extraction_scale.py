"""Time candidate extraction on news-like text of 1 MB and 5 MB: is it linear?

    .venv/bin/python bench/extraction_scale.py
    .venv/bin/python bench/extraction_scale.py --sizes 70000,140000,280000

The text is the seed documents (../shared/seeds) and tests/data/third_text.txt,
repeated paragraph by paragraph in a shuffled order with the last digit of every
number varied (a fixed random seed, so every run times the same text). Three pure
functions are timed on it, no database: `split_sentences`, `find_amounts` over the
whole text, and `propose_candidates`; then the ratio of the largest size to the
smallest, which is the size ratio when the work is linear (5 for 1 MB and 5 MB) and its
square when it is quadratic. Last, the three on one "sentence" of 136 KB without a
sentence end, in two kinds: the prose paragraphs of that text with every sentence end
turned into a comma and every line break into a space, and a run of clauses dense
with years, ranges and changes ("in 2011 exports rose from $5 billion to $7
billion, ..."), the kind that took find_amounts 66 s before issue 14; and
`split_sentences` on a run of 20,000 full stops with no space after it. Each time is
the best of --repeat runs, in CPU seconds of this process (the ratio to read: other
work on a shared machine does not count in it) and in wall-clock seconds. Figures
only: it is not a test.
"""

import argparse
import gc
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings.test")

import django  # noqa: E402

django.setup()

from claims.extraction.rules import propose_candidates  # noqa: E402
from claims.extraction.sentences import split_sentences  # noqa: E402
from claims.figures.quantities import find_amounts  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
THIRD_TEXT = ROOT / "tests" / "data" / "third_text.txt"
MB = 1_000_000
SINGLE_SENTENCE = 136_000
LINEAR_TARGET = 6  # time(5 MB) / time(1 MB)


def paragraphs() -> list[str]:
    """Return the paragraphs of the seed texts and the third text."""
    texts = [path.read_text() for path in sorted(SEEDS.glob("*.txt"))]
    texts.append(THIRD_TEXT.read_text())
    found = []
    for text in texts:
        found += [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return found


def news_text(size: int, seed: int = 14) -> str:
    """Return at least `size` characters of news-like text, the same for each seed."""
    rng = random.Random(seed)
    source = paragraphs()
    parts: list[str] = []
    length = 0
    while length < size:
        order = source[:]
        rng.shuffle(order)
        for paragraph in order:
            varied = re.sub(
                r"\d(?!\d)", lambda _: str(rng.randrange(10)), paragraph
            )  # 2013 -> 2017, 5.3 -> 5.8: same shapes, other figures
            parts.append(varied)
            length += len(varied) + 2
            if length >= size:
                break
    return "\n\n".join(parts)[:size]


def prose_sentence(size: int, seed: int = 14) -> str:
    """Return `size` characters of prose with no sentence end and no line break."""
    # Prose paragraphs only: a contact or copyright line would make it all furniture.
    prose = [
        paragraph
        for paragraph in paragraphs()
        if len(paragraph) >= 200
        and not re.search(r"(?i)copyright|to cite this|\btel:", paragraph)
    ]
    rng = random.Random(seed)
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        paragraph = rng.choice(prose)
        parts.append(re.sub(r"\d(?!\d)", lambda _: str(rng.randrange(10)), paragraph))
    text = re.sub(r"[.!?…]+(?=[\s\"'”’)\]]|$)", ",", " ".join(parts))
    return re.sub(r"\s+", " ", text)[:size]


def figures_sentence(size: int, seed: int = 14) -> str:
    """Return `size` characters of clauses full of figures, with no sentence end."""
    rng = random.Random(seed)
    clauses = []
    while sum(map(len, clauses)) < size:
        year = rng.randrange(1990, 2025)
        low = rng.randrange(2, 9)
        clauses.append(
            rng.choice(
                [
                    f"in {year} exports rose from ${low} billion to ${low + 2} billion",
                    f"between {year} and {year + 1} there were {low},{low}00 cars",
                    f"on {low + 10}.04.{year} some {low * 20} delegations came",
                    f"about {low} to {low + 3} percent of {year * 3} workers",
                    f"sales fell {low * 7} percent in {year}",
                    f"since {year} the port has handled {low}.{low} million tonnes",
                ]
            )
        )
    return ", ".join(clauses)[:size]


def timed(function, text: str, repeat: int) -> tuple[float, float, int]:
    """Return the best CPU and wall-clock seconds of `repeat` calls, and the count."""
    cpu = wall = float("inf")
    for _ in range(repeat):
        gc.collect()  # not the garbage of what ran before
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        result = function(text)
        cpu = min(cpu, time.process_time() - cpu_started)
        wall = min(wall, time.perf_counter() - wall_started)
    return cpu, wall, len(result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=f"{MB},{5 * MB}",
        help="text sizes in characters, comma-separated (default: 1 MB and 5 MB)",
    )
    parser.add_argument(
        "--single",
        type=int,
        default=SINGLE_SENTENCE,
        help="size of the one-sentence texts (0: skip them)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time each case this many times and keep the best (default 3)",
    )
    options = parser.parse_args()
    sizes = [int(size) for size in options.sizes.split(",") if size]
    if not SEEDS.is_dir():
        print(f"No seed texts at {SEEDS}; nothing to measure.")
        return 2
    # Warm-up: quantulum3's tables and inflect load on first use, once per process.
    propose_candidates(news_text(20_000))
    steps = {
        "split_sentences": split_sentences,
        "find_amounts": find_amounts,
        "propose_candidates": propose_candidates,
    }
    print(f"seconds: the best of {options.repeat} runs, CPU time of this process")
    print("and wall-clock time")
    print(f"{'function':<20}{'size':>12}{'cpu s':>9}{'wall s':>9}{'found':>9}")
    cpu_times: dict[str, list[float]] = {name: [] for name in steps}
    wall_times: dict[str, list[float]] = {name: [] for name in steps}
    for size in sizes:
        text = news_text(size)
        for name, function in steps.items():
            cpu, wall, found = timed(function, text, options.repeat)
            cpu_times[name].append(cpu)
            wall_times[name].append(wall)
            print(f"{name:<20}{len(text):>12,}{cpu:>9.2f}{wall:>9.2f}{found:>9,}")
    if len(sizes) > 1:
        size_ratio = sizes[-1] / sizes[0]
        print(
            f"\nratio time({sizes[-1]:,}) / time({sizes[0]:,}); sizes {size_ratio:g}x "
            f"(linear: about {size_ratio:g}, quadratic: {size_ratio**2:g}; "
            f"target <= {LINEAR_TARGET} for 1 MB and 5 MB)"
        )
        print(f"  {'':<20}{'cpu':>8}{'wall':>8}")
        for name in steps:
            cpu_ratio = cpu_times[name][-1] / cpu_times[name][0]
            wall_ratio = wall_times[name][-1] / wall_times[name][0]
            print(f"  {name:<20}{cpu_ratio:>8.2f}{wall_ratio:>8.2f}")
    if options.single:
        for kind, sentence in [
            ("prose", prose_sentence(options.single)),
            ("figures", figures_sentence(options.single)),
        ]:
            print(f"\none sentence of {len(sentence):,} characters, {kind}:")
            print(f"  {'':<20}{'cpu s':>8}{'wall s':>9}{'found':>9}")
            for name, function in steps.items():
                cpu, wall, found = timed(function, sentence, options.repeat)
                print(f"  {name:<20}{cpu:>8.2f}{wall:>9.2f}{found:>9,}")
        dots = f"Wait{'.' * 20_000}x. Then it ended."
        cpu, wall, found = timed(split_sentences, dots, options.repeat)
        print("\n20,000 full stops with no space after them:")
        print(f"  {'':<20}{'cpu s':>8}{'wall s':>9}{'found':>9}")
        print(f"  {'split_sentences':<20}{cpu:>8.2f}{wall:>9.2f}{found:>9,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
