"""Which figures each figure sees as its nearest disagreeing neighbours ("holds").

Pure: no database, no settings. The conflict rules (claims.figures.comparison) turn
claims into `Point`s: a figure with a comparison class, a span in that class and the
interval of values it allows. Two points are *related* when they may be compared:

- classes "span" and "year": same class and unit, and their class spans overlap
  (the "year" class compares cores, so overlapping cores mean half a year shared);
- class "same": same class and unit, and both ends within SAME_SPAN_SLACK days;

and never two implied points, nor two points of one claim. A point *holds* the
MAX_HELD related points wholly above its interval with the lowest lows, and the
MAX_HELD wholly below with the highest highs. Links between claims are the union of
holds, so the result for a point depends only on the points related to it: a change
to one claim changes the holds of the points related to its old and new figures and
nothing else. That locality is what lets detection work incrementally.

`holds(seers, pool)` computes the holds of `seers` among `pool`, which must hold
every point related to a seer (it may hold more). Over a whole metric (pool = seers
= every point) it costs O(n log^2 n): points containing a seer's first day come from
a sweep over running points in sorted lists; points starting inside its span from a
merge-sort tree over the points sorted by first day; each gives its nearest
candidates by bisection.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right, insort
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

MAX_HELD = 3
SAME_SPAN_SLACK = 3

# Klasses of comparison.
SPAN = "span"
YEAR = "year"
SAME = "same"

# A point's identity: (claim id, implied).
Key = tuple[int, bool]
# Sort keys: the low end (value, 0 closed / 1 open) and the high end (value, 0 open /
# 1 closed), then the key, so that "nearest" is a plain minimum or maximum.
LowKey = tuple[Decimal, int, int, bool]
HighKey = tuple[Decimal, int, int, bool]
_AFTER_EVERY_KEY = float("inf")


@dataclass(frozen=True, slots=True)
class Point:
    """A figure as comparison sees it."""

    claim_id: int
    implied: bool
    unit: str
    klass: str
    first: int  # class span, in days (ordinals), inclusive
    last: int
    low: Decimal
    low_open: bool
    high: Decimal
    high_open: bool

    @property
    def key(self) -> Key:
        return (self.claim_id, self.implied)

    @property
    def low_key(self) -> LowKey:
        return (self.low, int(self.low_open), self.claim_id, self.implied)

    @property
    def high_key(self) -> HighKey:
        return (self.high, int(not self.high_open), self.claim_id, self.implied)

    def above_threshold(self) -> tuple[Decimal, int] | tuple[Decimal, int, float]:
        """Low keys greater than this are of points wholly above this one."""
        if self.high_open:
            return (self.high, -1)
        return (self.high, 0, _AFTER_EVERY_KEY)

    def below_threshold(self) -> tuple[Decimal, int]:
        """High keys less than this are of points wholly below this one."""
        return (self.low, 2) if self.low_open else (self.low, 1)


@dataclass(frozen=True, slots=True)
class Held:
    """The points a point holds: nearest above first, nearest below first."""

    above: tuple[Key, ...] = ()
    below: tuple[Key, ...] = ()

    def keys(self) -> tuple[Key, ...]:
        return self.above + self.below


def related(one: Point, other: Point) -> bool:
    """Return whether two points may be compared (see the module docstring)."""
    if (
        one.klass != other.klass
        or one.unit != other.unit
        or one.claim_id == other.claim_id
        or (one.implied and other.implied)
    ):
        return False
    if one.klass == SAME:
        return (
            abs(one.first - other.first) <= SAME_SPAN_SLACK
            and abs(one.last - other.last) <= SAME_SPAN_SLACK
        )
    return one.first <= other.last and other.first <= one.last


def holds_by_brute_force(
    seers: Iterable[Point], pool: Sequence[Point]
) -> dict[Key, Held]:
    """Return the holds of `seers` by comparing each with every point of `pool`.

    The definition, written plainly: the tests hold `holds` to it.
    """
    result = {}
    for seer in seers:
        near = [point for point in pool if related(seer, point)]
        above = sorted(
            point.low_key for point in near if point.low_key > seer.above_threshold()
        )
        below = sorted(
            (
                point.high_key
                for point in near
                if point.high_key < seer.below_threshold()
            ),
            reverse=True,
        )
        result[seer.key] = Held(
            tuple(key[2:] for key in above[:MAX_HELD]),
            tuple(key[2:] for key in below[:MAX_HELD]),
        )
    return result


def holds(seers: Iterable[Point], pool: Sequence[Point]) -> dict[Key, Held]:
    """Return what each seer holds among the points of `pool` related to it."""
    groups: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for point in pool:
        groups[(point.unit, point.klass)].append(point)
    wanted: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for seer in seers:
        wanted[(seer.unit, seer.klass)].append(seer)
    result: dict[Key, Held] = {}
    for group_key, group_seers in wanted.items():
        group = _Group(groups.get(group_key, []))
        if group_key[1] == SAME:
            _same_span_candidates(group, group_seers)
        else:
            _overlap_candidates(group, group_seers)
        for seer in group_seers:
            result[seer.key] = group.held(seer)
    return result


class _Group:
    """The points of one unit and class, their ends ranked into integer keys.

    key = rank of the end * count + the point's index in (claim, implied) order, so
    that integer order is the order of ends, then of claims: nearest is min or max.
    """

    def __init__(self, members: list[Point]):
        self.members = sorted(members, key=lambda point: point.key)
        self.count = max(len(self.members), 1)
        self.low_ends = sorted({(p.low, int(p.low_open)) for p in self.members})
        self.high_ends = sorted({(p.high, int(not p.high_open)) for p in self.members})
        low_rank = {end: rank for rank, end in enumerate(self.low_ends)}
        high_rank = {end: rank for rank, end in enumerate(self.high_ends)}
        self.low_keys = [
            low_rank[(p.low, int(p.low_open))] * self.count + index
            for index, p in enumerate(self.members)
        ]
        self.high_keys = [
            high_rank[(p.high, int(not p.high_open))] * self.count + index
            for index, p in enumerate(self.members)
        ]
        self.claims = [point.claim_id for point in self.members]
        self.keys = [point.key for point in self.members]
        self.asks: dict[Key, _Ask] = {}

    def ask(self, seer: Point) -> _Ask:
        """Return the seer's question to this group, made once."""
        found = self.asks.get(seer.key)
        if found is None:
            found = self.asks[seer.key] = _Ask(
                claim=seer.claim_id,
                above_from=bisect_right(self.low_ends, seer.above_threshold())
                * self.count,
                below_to=bisect_left(self.high_ends, seer.below_threshold())
                * self.count,
            )
        return found

    def held(self, seer: Point) -> Held:
        ask = self.asks.get(seer.key)
        if ask is None:
            return Held()
        keys, count = self.keys, self.count
        above = heapq.nsmallest(MAX_HELD, set(ask.above))
        below = heapq.nlargest(MAX_HELD, set(ask.below))
        return Held(
            tuple(keys[key % count] for key in above),
            tuple(keys[key % count] for key in below),
        )


@dataclass(slots=True)
class _Ask:
    """One seer's thresholds in a group's keys, and the candidates found so far."""

    claim: int
    above_from: int  # low keys from here are wholly above the seer
    below_to: int  # high keys below here are wholly below it
    above: list[int] = field(default_factory=list)
    below: list[int] = field(default_factory=list)


def _add(
    ask: _Ask, claims: list[int], count: int, lows: list[int], highs: list[int]
) -> None:
    """Add the nearest keys above and below the seer from sorted key lists."""
    claim, out = ask.claim, ask.above
    index, take, size = bisect_left(lows, ask.above_from), MAX_HELD, len(lows)
    while take and index < size:
        key = lows[index]
        index += 1
        if claims[key % count] != claim:
            out.append(key)
            take -= 1
    out = ask.below
    index, take = bisect_left(highs, ask.below_to), MAX_HELD
    while take and index > 0:
        index -= 1
        key = highs[index]
        if claims[key % count] != claim:
            out.append(key)
            take -= 1


def _same_span_candidates(group: _Group, seers: list[Point]) -> None:
    """Candidates among points whose both ends lie within the slack of the seer's."""
    by_span: dict[tuple[int, int], dict[bool, tuple[list[int], list[int]]]] = {}
    for index, point in enumerate(group.members):
        lists = by_span.setdefault((point.first, point.last), {})
        lows, highs = lists.setdefault(point.implied, ([], []))
        lows.append(group.low_keys[index])
        highs.append(group.high_keys[index])
    for lists in by_span.values():
        for lows, highs in lists.values():
            lows.sort()
            highs.sort()
    slack = range(-SAME_SPAN_SLACK, SAME_SPAN_SLACK + 1)
    for seer in seers:
        for first_shift in slack:
            for last_shift in slack:
                span = (seer.first + first_shift, seer.last + last_shift)
                for implied, (lows, highs) in by_span.get(span, {}).items():
                    if not (implied and seer.implied):
                        _add(group.ask(seer), group.claims, group.count, lows, highs)


def _overlap_candidates(group: _Group, seers: list[Point]) -> None:
    """Candidates among points whose spans overlap the seer's.

    A point overlapping the seer either contains the seer's first day (found by a
    sweep) or starts inside the seer's span (found in a merge-sort tree).
    """
    for implied in (False, True):
        indexes = sorted(
            (i for i, point in enumerate(group.members) if point.implied == implied),
            key=lambda i: group.members[i].first,
        )
        if not indexes:
            continue
        asking = [seer for seer in seers if not (implied and seer.implied)]
        _containing_first_day(group, asking, indexes)
        _starting_inside(group, asking, indexes)


def _containing_first_day(
    group: _Group, seers: list[Point], indexes: list[int]
) -> None:
    members = group.members
    lows: list[int] = []
    highs: list[int] = []
    running: list[tuple[int, int]] = []  # (last day, index)
    entered = 0
    for seer in sorted(seers, key=lambda seer: seer.first):
        while entered < len(indexes) and members[indexes[entered]].first <= seer.first:
            index = indexes[entered]
            insort(lows, group.low_keys[index])
            insort(highs, group.high_keys[index])
            heapq.heappush(running, (members[index].last, index))
            entered += 1
        while running and running[0][0] < seer.first:
            _, index = heapq.heappop(running)
            del lows[bisect_left(lows, group.low_keys[index])]
            del highs[bisect_left(highs, group.high_keys[index])]
        _add(group.ask(seer), group.claims, group.count, lows, highs)


# Below this many points a seer's range is scanned directly, not through the tree.
_SCAN_LIMIT = 32


def _scan(group: _Group, ask: _Ask, indexes: list[int]) -> None:
    """Add the candidates among a few points by looking at each."""
    claims = group.claims
    above = [
        key
        for index in indexes
        if (key := group.low_keys[index]) >= ask.above_from
        and claims[index] != ask.claim
    ]
    below = [
        key
        for index in indexes
        if (key := group.high_keys[index]) < ask.below_to and claims[index] != ask.claim
    ]
    ask.above.extend(heapq.nsmallest(MAX_HELD, above))
    ask.below.extend(heapq.nlargest(MAX_HELD, below))


class _MergeSortTree:
    """Points in order of first day; each node keeps its low and high keys sorted."""

    def __init__(self, group: _Group, indexes: list[int]):
        self.size = 1
        while self.size < len(indexes):
            self.size *= 2
        self.lows: list[list[int]] = [[] for _ in range(2 * self.size)]
        self.highs: list[list[int]] = [[] for _ in range(2 * self.size)]
        for position, index in enumerate(indexes):
            self.lows[self.size + position] = [group.low_keys[index]]
            self.highs[self.size + position] = [group.high_keys[index]]
        for node in range(self.size - 1, 0, -1):
            self.lows[node] = sorted(self.lows[2 * node] + self.lows[2 * node + 1])
            self.highs[node] = sorted(self.highs[2 * node] + self.highs[2 * node + 1])

    def nodes(self, start: int, end: int) -> Iterable[int]:
        """Yield the nodes that together cover positions start..end-1."""
        start += self.size
        end += self.size
        while start < end:
            if start & 1:
                yield start
                start += 1
            if end & 1:
                end -= 1
                yield end
            start //= 2
            end //= 2


def _starting_inside(group: _Group, seers: list[Point], indexes: list[int]) -> None:
    members = group.members
    firsts = [members[index].first for index in indexes]
    tree: _MergeSortTree | None = None
    for seer in seers:
        start = bisect_right(firsts, seer.first)
        end = bisect_right(firsts, seer.last)
        if start >= end:
            continue
        if end - start <= _SCAN_LIMIT:
            _scan(group, group.ask(seer), indexes[start:end])
            continue
        if tree is None:
            tree = _MergeSortTree(group, indexes)
        ask, claims, count = group.ask(seer), group.claims, group.count
        for node in tree.nodes(start, end):
            _add(ask, claims, count, tree.lows[node], tree.highs[node])
