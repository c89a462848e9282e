"""Periods as windows of days: whether two meet, and the windows around figures.

Pure (no ORM, no settings): conflict detection asks the database for the figures
near these windows (claims.selectors.figures.rows_near).
"""

import datetime
from collections.abc import Iterable

from .comparison import SAME_SPAN_SLACK_DAYS, Figure

# A period as (first day, last day); None for open.
Window = tuple[datetime.date | None, datetime.date | None]


def meet(span: Window, window: Window) -> bool:
    start, end = span
    first, last = window
    return (start is None or last is None or start <= last) and (
        end is None or first is None or end >= first
    )


def windows_around(figures: Iterable[Figure]) -> list[Window]:
    """Return the periods (with the same-span slack) around these figures, merged."""
    slack = datetime.timedelta(days=SAME_SPAN_SLACK_DAYS)
    spans = []
    for figure in figures:
        start = figure.start - slack if figure.start else None
        end = figure.end + slack if figure.end else None
        spans.append((start, end))
    return merged(spans)


def merged(spans: list[Window]) -> list[Window]:
    ordered = sorted(spans, key=lambda span: span[0] or datetime.date.min)
    merged: list[Window] = []
    for start, end in ordered:
        if merged and meet(merged[-1], (start, end)):
            last_start, last_end = merged[-1]
            merged[-1] = (
                last_start,
                None if last_end is None or end is None else max(last_end, end),
            )
        else:
            merged.append((start, end))
    return merged


def overlaps_any(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    slack = SAME_SPAN_SLACK_DAYS
    return any(
        span[0] <= end + slack and start - slack <= span[1] for start, end in spans
    )
