"""Auto-configure: turn the best-times table into a week of recurring slots.

Pure planning: it returns wall-clock ``(day, hour, minute)`` slots in the owner's timezone and
which platforms each slot serves; storing them (``selected_targets``) and converting them to
instants (:mod:`lowtato.slots.timemath`, which owns the DST rules) happen elsewhere.

The reference suggests jittering each slot by ±10 minutes to avoid top-of-hour crowding. That
note is derived, not sourced, and jitter would stop identical times of different platforms from
merging into one slot, so plans stay on the table's exact times.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

from lowtato.slots.best_times import PLATFORMS, WEEKDAYS, TimeOfDay, best_times_for

__all__ = [
    "MAX_POSTS_PER_DAY",
    "MIN_POSTS_PER_DAY",
    "MIN_SPACING_MINUTES",
    "PlannedSlot",
    "plan_slots",
]

MIN_POSTS_PER_DAY = 1
MAX_POSTS_PER_DAY = 10

MIN_SPACING_MINUTES = 120
"""Wanted distance between two slots of one platform on one day, kept whenever possible."""

# Extra hours (when a platform's table is too short) are whole hours inside this local window.
FILL_START_MINUTE = 7 * 60
FILL_END_MINUTE = 21 * 60

_ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class PlannedSlot:
    """One planned weekly slot: contract day (0 = Sunday), local time, platforms it serves."""

    day: int
    hour: int
    minute: int
    platforms: tuple[str, ...]


def plan_slots(
    platforms: Sequence[str],
    posts_per_day: int,
    include_weekends: bool,
    *,
    days: Sequence[int] | None = None,
) -> list[PlannedSlot]:
    """Plan ``posts_per_day`` slots per platform per day from the best-times table.

    Days are Monday-Friday (contract days 1-5), plus Saturday and Sunday when
    ``include_weekends`` is true — whether or not the table recommends weekends for a platform;
    ``days`` (contract days) replaces that choice when given (a posting frequency's days).
    Weekdays draw on the platform's weekday hours; a weekend day draws on that day's listed
    hours, then the other weekend day's (:meth:`BestTimes.times_for_day`).

    For each platform and day, the chosen times are, in order of priority:

    1. at least ``MIN_SPACING_MINUTES`` (2 h) apart whenever any choice allows it — otherwise as
       far apart as the candidates allow;
    2. as many of the table's times as that spacing permits;
    3. the best-ranked of them (the best time is kept unless spacing forbids it);
    4. when the table lists fewer times than requested, and only then, the missing ones are
       extra whole hours inside 07:00-21:00 not already used, placed so that the day's times
       are spread as evenly as possible over that window (smallest sum of squared distances
       between neighbouring times and the window edges).

    Times picked for several platforms on the same day are merged into one slot whose
    ``platforms`` lists them in the contract's platform order. The result is sorted by
    ``(day, hour, minute)`` and depends only on the set of platforms, not their order or
    repeats.

    Raises ValueError when ``posts_per_day`` is outside 1-10, when ``platforms`` is empty (or a
    bare string), or when it names a platform other than the nine supported ones.
    """
    chosen = _validate_platforms(platforms)
    _validate_posts_per_day(posts_per_day)
    if days is None:
        days = _ALL_DAYS if include_weekends else WEEKDAYS
    merged: dict[tuple[int, int], list[str]] = {}
    for day in days:
        for platform in chosen:
            ranked = best_times_for(platform).times_for_day(day)
            for minute_of_day in _pick(ranked, posts_per_day):
                merged.setdefault((day, minute_of_day), []).append(platform)
    return [
        PlannedSlot(day, minute_of_day // 60, minute_of_day % 60, tuple(names))
        for (day, minute_of_day), names in sorted(merged.items())
    ]


def _validate_platforms(platforms: Sequence[str]) -> tuple[str, ...]:
    expected = ", ".join(PLATFORMS)
    if isinstance(platforms, str):
        # A str is a Sequence[str]; "twitter" would otherwise read as seven bad platforms.
        raise ValueError(f"platforms must be a list of platform names ({expected})")
    if not platforms:
        raise ValueError(f"platforms must name at least one of: {expected}")
    unknown = sorted({name for name in platforms if name not in PLATFORMS}, key=str)
    if unknown:
        raise ValueError(
            f"unknown platform(s) {', '.join(map(repr, unknown))}: expected one of {expected}"
        )
    wanted = set(platforms)
    return tuple(name for name in PLATFORMS if name in wanted)


def _validate_posts_per_day(posts_per_day: int) -> None:
    if (
        isinstance(posts_per_day, bool)
        or not isinstance(posts_per_day, int)
        or not MIN_POSTS_PER_DAY <= posts_per_day <= MAX_POSTS_PER_DAY
    ):
        raise ValueError(
            f"posts_per_day must be an integer from {MIN_POSTS_PER_DAY} to "
            f"{MAX_POSTS_PER_DAY}, got {posts_per_day!r}"
        )


# The table is static, so each (ranked times, count) pair is solved once per process.
@functools.lru_cache(maxsize=512)
def _pick(ranked: tuple[TimeOfDay, ...], count: int) -> tuple[int, ...]:
    """Minutes after midnight of the ``count`` times chosen from ``ranked`` (ascending)."""
    table = list(dict.fromkeys(time.hour * 60 + time.minute for time in ranked))
    fills: list[int] = []
    if len(table) < count:
        fills = [
            minute
            for minute in range(FILL_START_MINUTE, FILL_END_MINUTE + 1, 60)
            if minute not in table
        ]
    gap = _widest_gap(sorted({*table, *fills}), count)
    keep = _table_times_to_keep(table, fills, count, gap)
    return _spread(keep, fills, count, gap)


def _widest_gap(candidates: list[int], count: int) -> int:
    """The largest spacing (capped at 2 h) that ``count`` of ``candidates`` can keep."""
    narrower = {b - a for a, b in combinations(candidates, 2) if b - a < MIN_SPACING_MINUTES}
    # The smallest pairwise distance always admits every candidate, and there are at least
    # `count` candidates (the fill window alone has 15 hours; MAX_POSTS_PER_DAY is 10), so
    # this search always finds a spacing.
    return next(
        gap
        for gap in sorted({MIN_SPACING_MINUTES, *narrower}, reverse=True)
        if _capacity(candidates, gap, ()) >= count
    )


def _capacity(candidates: list[int], gap: int, forced: Collection[int]) -> int:
    """How many of the sorted ``candidates`` fit together, ``gap`` apart, including ``forced``.

    ``forced`` must be a subset of ``candidates``. Returns -1 when the forced times are
    themselves closer than ``gap``. Between forced times, taking the earliest time that fits
    is optimal (the classic interval-scheduling greedy).
    """
    fixed = sorted(forced)
    if any(b - a < gap for a, b in pairwise(fixed)):
        return -1
    count = len(fixed)
    last: int | None = None
    upcoming = 0  # index in `fixed` of the next forced time at or after the candidate
    for minute in candidates:
        while upcoming < len(fixed) and fixed[upcoming] < minute:
            upcoming += 1
        if upcoming < len(fixed) and fixed[upcoming] == minute:
            last = minute
            continue
        if last is not None and minute - last < gap:
            continue
        if upcoming < len(fixed) and fixed[upcoming] - minute < gap:
            continue
        count += 1
        last = minute
    return count


def _table_times_to_keep(
    table: list[int], fills: list[int], count: int, gap: int
) -> tuple[int, ...]:
    """The most, then best-ranked, table times that still allow ``count`` times ``gap`` apart."""
    for size in range(min(len(table), count), -1, -1):
        # combinations() yields rank tuples in lexicographic order, so the first feasible one
        # keeps the best-ranked times.
        for ranks in combinations(range(len(table)), size):
            forced = [table[rank] for rank in ranks]
            if _capacity(sorted({*fills, *forced}), gap, forced) >= count:
                return tuple(forced)
    # `gap` came from _widest_gap over the same candidates, so some subset of the table (at
    # worst the empty one) always completes; reaching this line is a bug.
    raise AssertionError("no feasible selection for a feasible spacing")


def _spread(keep: tuple[int, ...], fills: list[int], count: int, gap: int) -> tuple[int, ...]:
    """``keep`` plus fill hours up to ``count`` times, as evenly spread as ``gap`` allows.

    Dynamic programme over the sorted candidates: a state is (last chosen index, how many
    chosen) holding the cheapest (cost, times) prefix; cost is the sum of squared distances
    between neighbours and from the window edges. Keeping the lexicographically smallest
    prefix on equal cost makes ties deterministic (the earlier hours win).
    """
    if len(keep) == count:
        return tuple(sorted(keep))
    candidates = sorted({*fills, *keep})
    forced_at = [index for index, minute in enumerate(candidates) if minute in keep]
    best: dict[tuple[int, int], tuple[int, tuple[int, ...]]] = {}
    for index, minute in enumerate(candidates):
        if all(forced >= index for forced in forced_at):  # nothing forced is left out before it
            best[index, 1] = (max(minute - FILL_START_MINUTE, 0) ** 2, (minute,))
        for previous in range(index):
            step = minute - candidates[previous]
            if step < gap or any(previous < forced < index for forced in forced_at):
                continue
            for chosen in range(1, count):
                prefix = best.get((previous, chosen))
                if prefix is None:
                    continue
                option = (prefix[0] + step**2, (*prefix[1], minute))
                current = best.get((index, chosen + 1))
                if current is None or option < current:
                    best[index, chosen + 1] = option
    complete = [
        (cost + max(FILL_END_MINUTE - candidates[index], 0) ** 2, times)
        for (index, chosen), (cost, times) in best.items()
        if chosen == count and all(forced <= index for forced in forced_at)
    ]
    return min(complete)[1]
