"""The best-times table as data, and auto-configure's slot planning."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations, pairwise

import pytest

from lowtato.slots.autoconfig import PlannedSlot, plan_slots
from lowtato.slots.best_times import BEST_TIMES, PLATFORMS, TimeOfDay, best_times_for

NINE = (
    "twitter",
    "instagram",
    "linkedin",
    "tiktok",
    "facebook",
    "threads",
    "bluesky",
    "youtube",
    "pinterest",
)

# docs/reference/best-times.md §2, transcribed independently of the module: weekday hours best-first,
# weekend "day hour" entries, and the confidence column.
REFERENCE_ROWS = {
    "twitter": ((9, 8, 10, 11, 12, 14), ((6, 12), (6, 13), (0, 15)), "medium"),
    "instagram": ((9, 12, 18, 10, 11, 13), ((6, 10), (6, 18), (0, 10)), "medium"),
    "linkedin": ((10, 11, 9, 8, 12, 17), ((0, 10),), "medium"),
    "tiktok": ((17, 15, 16, 14, 19, 13), ((0, 9), (0, 13), (6, 19)), "low-medium"),
    "facebook": ((9, 10, 8, 11, 12, 15), ((0, 9), (6, 9), (0, 12)), "medium-high"),
    "threads": ((9, 8, 12, 10, 18, 13), ((6, 10), (0, 12)), "low"),
    "bluesky": ((9, 8, 12, 10, 13, 16), ((6, 10), (0, 12)), "low"),
    "youtube": ((15, 16, 14, 17, 18, 12), ((6, 15), (0, 15), (6, 12)), "low-medium"),
    "pinterest": ((15, 14, 20, 21, 12, 13), ((6, 10), (6, 15), (6, 20)), "low"),
}

WEEKDAYS = {1, 2, 3, 4, 5}
ALL_DAYS = set(range(7))


def test_table_covers_the_nine_platforms_in_contract_order() -> None:
    assert PLATFORMS == NINE
    assert tuple(BEST_TIMES) == NINE


@pytest.mark.parametrize("platform", NINE)
def test_table_rows_match_the_reference(platform: str) -> None:
    weekday, weekend, confidence = REFERENCE_ROWS[platform]
    row = best_times_for(platform)
    assert [(t.hour, t.minute) for t in row.weekday_times] == [(h, 0) for h in weekday]
    assert [(t.day, t.hour, t.minute) for t in row.weekend_times] == [(d, h, 0) for d, h in weekend]
    assert row.confidence == confidence
    assert row.low_confidence == confidence.startswith("low")
    assert row.sources, "every row names its sources"
    assert all(source.url.startswith("http") for source in row.sources)
    assert row.justification


def test_table_marks_the_reference_caveats() -> None:
    assert best_times_for("instagram").weekend_confidence == "low"  # "medium / weekend low"
    assert best_times_for("threads").justification.startswith("ASSUMPTION")
    assert best_times_for("threads").frequency is None  # section 3: not found
    recommended = {name for name in NINE if best_times_for(name).weekends_recommended}
    assert recommended == {"youtube", "pinterest"}
    for name in NINE:
        frequency = best_times_for(name).frequency
        if frequency is not None:
            assert 0 < frequency.min_per_day <= frequency.max_per_day
            assert frequency.sources


def test_weekend_day_lists_its_own_hours_first() -> None:
    twitter = best_times_for("twitter")
    assert twitter.times_for_day(6) == (TimeOfDay(12), TimeOfDay(13), TimeOfDay(15))
    assert twitter.times_for_day(0) == (TimeOfDay(15), TimeOfDay(12), TimeOfDay(13))
    # Instagram lists 10:00 for both days; it is not repeated.
    assert best_times_for("instagram").times_for_day(0) == (TimeOfDay(10), TimeOfDay(18))
    assert twitter.times_for_day(3) == twitter.weekday_times


def test_unknown_platform_lookup_lists_the_nine() -> None:
    with pytest.raises(ValueError, match="pinterest") as error:
        best_times_for("myspace")
    assert all(name in str(error.value) for name in NINE)


def minutes(slot: PlannedSlot) -> int:
    return slot.hour * 60 + slot.minute


def by_platform_day(plan: list[PlannedSlot]) -> dict[tuple[str, int], list[int]]:
    grouped: dict[tuple[str, int], list[int]] = defaultdict(list)
    for slot in plan:
        for platform in slot.platforms:
            grouped[platform, slot.day].append(minutes(slot))
    return {key: sorted(times) for key, times in grouped.items()}


def spacing_possible(platform: str, day: int, count: int) -> bool:
    """Brute force: can `count` candidate times for this day be 2 h apart?"""
    table = [t.hour * 60 + t.minute for t in best_times_for(platform).times_for_day(day)]
    pool = set(table)
    if len(table) < count:
        pool |= {hour * 60 for hour in range(7, 22)}
    return any(
        all(b - a >= 120 for a, b in pairwise(chosen))
        for chosen in combinations(sorted(pool), count)
    )


PLATFORM_SETS = [
    ("twitter",),
    ("linkedin", "facebook"),
    ("tiktok", "youtube", "pinterest"),
    ("instagram", "threads", "bluesky", "twitter"),
    NINE,
]


@pytest.mark.parametrize("platforms", PLATFORM_SETS, ids="+".join)
@pytest.mark.parametrize("include_weekends", [False, True], ids=["weekdays", "weekends"])
@pytest.mark.parametrize("posts_per_day", [1, 2, 3, 4, 5])
def test_plan_slots_grid(
    platforms: tuple[str, ...], include_weekends: bool, posts_per_day: int
) -> None:
    plan = plan_slots(platforms, posts_per_day, include_weekends)
    grouped = by_platform_day(plan)
    days = ALL_DAYS if include_weekends else WEEKDAYS

    # Every platform gets exactly posts_per_day distinct times on every planned day, no others.
    assert set(grouped) == {(p, d) for p in platforms for d in days}
    for (platform, day), times in grouped.items():
        assert len(times) == len(set(times)) == posts_per_day
        listed = {t.hour * 60 + t.minute for t in best_times_for(platform).times_for_day(day)}
        if len(listed) >= posts_per_day:
            assert set(times) <= listed, "table times suffice, so no extra hours"
        else:
            assert all(t in listed or 7 * 60 <= t <= 21 * 60 for t in times)
        gaps = [b - a for a, b in pairwise(times)]
        if spacing_possible(platform, day, posts_per_day):
            assert min(gaps, default=120) >= 120, (platform, day, times)

    # Identical times are merged: one slot per (day, time), platforms in contract order.
    keys = [(slot.day, slot.hour, slot.minute) for slot in plan]
    assert keys == sorted(set(keys))
    for slot in plan:
        assert list(slot.platforms) == [p for p in NINE if p in slot.platforms]
        assert 0 <= slot.day <= 6
        assert 0 <= slot.hour <= 23
        assert 0 <= slot.minute <= 59

    # Deterministic, and independent of the order or repetition of the platforms asked for.
    assert plan_slots(platforms, posts_per_day, include_weekends) == plan
    shuffled = [*reversed(platforms), platforms[0]]
    assert plan_slots(shuffled, posts_per_day, include_weekends) == plan


def test_one_post_a_day_uses_each_platforms_best_hour() -> None:
    plan = plan_slots(["twitter", "linkedin"], 1, include_weekends=False)
    assert plan == [
        slot
        for day in sorted(WEEKDAYS)
        for slot in (
            PlannedSlot(day, 9, 0, ("twitter",)),
            PlannedSlot(day, 10, 0, ("linkedin",)),
        )
    ]


def test_identical_times_merge_into_one_slot() -> None:
    plan = plan_slots(["threads", "twitter", "facebook"], 1, include_weekends=False)
    assert len(plan) == 5
    assert {(slot.hour, slot.minute, slot.platforms) for slot in plan} == {
        (9, 0, ("twitter", "facebook", "threads"))
    }


def test_spacing_prefers_best_ranked_times_two_hours_apart() -> None:
    times = by_platform_day(plan_slots(["twitter"], 3, include_weekends=False))
    assert times["twitter", 3] == [9 * 60, 11 * 60, 14 * 60]  # 09 best, 08/10 too close


def test_weekend_slots_come_from_the_weekend_hours() -> None:
    times = by_platform_day(plan_slots(["twitter", "linkedin"], 1, include_weekends=True))
    assert times["twitter", 6] == [12 * 60]  # Sat 12
    assert times["twitter", 0] == [15 * 60]  # Sun 15
    assert times["linkedin", 6] == times["linkedin", 0] == [10 * 60]  # only "Sun 10"


def test_short_table_is_filled_with_spread_hours_in_the_window() -> None:
    times = by_platform_day(plan_slots(["linkedin"], 3, include_weekends=True))
    sunday = times["linkedin", 0]
    assert 10 * 60 in sunday
    assert all(7 * 60 <= t <= 21 * 60 for t in sunday)
    assert min(b - a for a, b in pairwise(sunday)) >= 120


@pytest.mark.parametrize("posts_per_day", [6, 7, 8, 9, 10])
def test_high_frequencies_stay_inside_the_day(posts_per_day: int) -> None:
    grouped = by_platform_day(plan_slots(NINE, posts_per_day, include_weekends=True))
    assert len(grouped) == 9 * 7
    for times in grouped.values():
        assert len(set(times)) == posts_per_day
        assert all(7 * 60 <= t <= 21 * 60 for t in times)
        # Tables list at most six times, so seven or more always add fill hours; with them,
        # up to eight times fit 2 h apart between 07:00 and 21:00.
        if 7 <= posts_per_day <= 8:
            assert min(b - a for a, b in pairwise(times)) >= 120


@pytest.mark.parametrize("posts_per_day", [0, 11, -1])
def test_posts_per_day_outside_range_is_rejected(posts_per_day: int) -> None:
    with pytest.raises(ValueError, match="from 1 to 10"):
        plan_slots(["twitter"], posts_per_day, include_weekends=False)


def test_unknown_platform_is_rejected_with_the_nine_listed() -> None:
    with pytest.raises(ValueError, match="unknown platform") as error:
        plan_slots(["twitter", "mastodon"], 1, include_weekends=False)
    message = str(error.value)
    assert "mastodon" in message
    assert all(name in message for name in NINE)


@pytest.mark.parametrize("platforms", [[], "twitter"])
def test_empty_or_bare_string_platforms_are_rejected(platforms: list[str] | str) -> None:
    with pytest.raises(ValueError, match="platform"):
        plan_slots(platforms, 1, include_weekends=False)
