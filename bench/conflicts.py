"""Time conflict detection (`compare_figures`, no database) at 10k and 100k claims.

    .venv/bin/python bench/conflicts.py

One annual metric, one unit; each claim covers one year (a calendar year, an Iranian
year or a year from a random day) starting somewhere in 20 years; values between $1
and $6 billion, two thirds "approximately", the rest exact, one in twenty with a stated
change. Sorting and sweeping cost about n log n: t(100k) / t(10k) near 11.7, where
comparing every pair would give 100.
"""

import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings.test")

import django

django.setup()

from claims.figures.comparison import (  # noqa: E402
    MAX_LINKS_PER_SIDE,
    compare_figures,
)
from claims.figures.intervals import FigureRow  # noqa: E402
from claims.figures.periods import solar_hijri_year  # noqa: E402

FIRST_YEAR = 2000
YEARS = 20
TOLERANCE = Decimal("0.10")


def synthetic_rows(count: int, seed: int = 2013) -> list[FigureRow]:
    """Return `count` one-year trade figures spread over YEARS years."""
    rng = random.Random(seed)
    iranian_years = [solar_hijri_year(year) for year in range(1378, 1378 + YEARS + 1)]
    rows = []
    for claim_id in range(1, count + 1):
        shape = rng.random()
        if shape < 0.4:
            year = FIRST_YEAR + rng.randrange(YEARS)
            start, end = date(year, 1, 1), date(year, 12, 31)
        elif shape < 0.7:
            period = rng.choice(iranian_years)
            start, end = period.start, period.end
        else:
            start = date(FIRST_YEAR, 1, 1) + timedelta(days=rng.randrange(365 * YEARS))
            end = start + timedelta(days=364)
        value = Decimal(rng.randrange(10, 61)) * 10**8  # $1.0 to $6.0 billion
        comparator = "approximately" if rng.random() < 2 / 3 else "exact"
        change = None
        if rng.random() < 0.05:
            change = Decimal(rng.choice([-40, -25, -10, 15, 30]))
        rows.append(
            FigureRow(
                claim_id=claim_id,
                unit="USD",
                value=value,
                value_upper=None,
                comparator=comparator,
                period_start=start,
                period_end=end,
                change_percent=change,
                change_comparator="approximately",
            )
        )
    return rows


def timed(rows: list[FigureRow]) -> tuple[float, int]:
    best = float("inf")
    conflicts = 0
    for _ in range(3 if len(rows) <= 20_000 else 1):
        began = time.perf_counter()
        comparison = compare_figures(rows, kind="annual", tolerance=TOLERANCE)
        best = min(best, time.perf_counter() - began)
        conflicts = len(comparison.conflicts)
    return best, conflicts


def sort_reference(rows: list[FigureRow]) -> float:
    """Time one sort of the rows by (start, value): this machine's n log n yardstick."""
    keys = [(r.period_start, r.value, r.claim_id) for r in rows]
    began = time.perf_counter()
    sorted(keys)
    return time.perf_counter() - began


def main() -> None:
    print(
        f"compare_figures, annual metric, one-year periods over {YEARS} years, "
        f"MAX_LINKS_PER_SIDE={MAX_LINKS_PER_SIDE}"
    )
    timings, sorts = {}, {}
    for count in (10_000, 100_000):
        rows = synthetic_rows(count)
        seconds, conflicts = timed(rows)
        timings[count] = seconds
        sorts[count] = min(sort_reference(rows) for _ in range(3))
        print(
            f"{count:>7,} claims: {seconds:6.2f} s, {conflicts:,} conflicts "
            f"({conflicts / count:.1f} per claim)"
        )
    ratio = timings[100_000] / timings[10_000]
    print(f"t(100k) / t(10k) = {ratio:.1f}  (n log n: about 11.7; n^2: 100)")
    print(
        "for scale, one plain sort() of the same rows here: "
        f"{sorts[100_000] / sorts[10_000]:.1f} (memory and cache effects on top "
        "of n log n)"
    )


if __name__ == "__main__":
    main()
