"""Slot → instant conversion across DST (docs/reference/reliability.md T27a) and the occurrence iterator."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lowtato.slots.timemath import (
    SlotSpec,
    contract_day,
    iter_occurrences,
    next_free_occurrence,
    slot_instant,
    validate_timezone,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tz", "local_date", "hour", "minute", "expected"),
    [
        # New York spring forward: 02:00 EST → 03:00 EDT.
        (NEW_YORK, date(2026, 3, 8), 9, 0, utc(2026, 3, 8, 13, 0)),
        (NEW_YORK, date(2026, 3, 8), 2, 30, utc(2026, 3, 8, 7, 30)),  # gap → 03:30 EDT
        (NEW_YORK, date(2026, 3, 8), 1, 30, utc(2026, 3, 8, 6, 30)),
        # New York fall back: 02:00 EDT → 01:00 EST, 01:xx happens twice.
        (NEW_YORK, date(2026, 11, 1), 9, 0, utc(2026, 11, 1, 14, 0)),
        (NEW_YORK, date(2026, 11, 1), 2, 30, utc(2026, 11, 1, 7, 30)),
        (NEW_YORK, date(2026, 11, 1), 1, 30, utc(2026, 11, 1, 5, 30)),  # first reading (EDT)
        # Berlin spring forward: 02:00 CET → 03:00 CEST.
        (BERLIN, date(2026, 3, 29), 9, 0, utc(2026, 3, 29, 7, 0)),
        (BERLIN, date(2026, 3, 29), 2, 30, utc(2026, 3, 29, 1, 30)),  # gap → 03:30 CEST
        (BERLIN, date(2026, 3, 29), 1, 30, utc(2026, 3, 29, 0, 30)),
        # Berlin fall back: 03:00 CEST → 02:00 CET, 02:xx happens twice.
        (BERLIN, date(2026, 10, 25), 9, 0, utc(2026, 10, 25, 8, 0)),
        (BERLIN, date(2026, 10, 25), 2, 30, utc(2026, 10, 25, 0, 30)),  # first reading (CEST)
        (BERLIN, date(2026, 10, 25), 1, 30, utc(2026, 10, 24, 23, 30)),
    ],
)
def test_slot_instant_on_2026_dst_days(
    tz: ZoneInfo, local_date: date, hour: int, minute: int, expected: datetime
) -> None:
    instant = slot_instant(local_date, hour, minute, tz)
    assert instant == expected
    assert instant.tzinfo is UTC


def test_gap_time_moves_forward_by_the_gap() -> None:
    local = slot_instant(date(2026, 3, 8), 2, 30, NEW_YORK).astimezone(NEW_YORK)
    assert (local.hour, local.minute) == (3, 30)
    assert local.utcoffset() == timedelta(hours=-4)


def test_slot_instant_rejects_impossible_wall_time() -> None:
    with pytest.raises(ValueError, match="hour"):
        slot_instant(date(2026, 1, 1), 24, 0, NEW_YORK)


def test_contract_day_numbers_sunday_zero() -> None:
    assert contract_day(date(2026, 3, 8)) == 0  # a Sunday
    assert contract_day(date(2026, 3, 14)) == 6  # a Saturday
    assert contract_day(date(2026, 3, 9)) == 1  # a Monday


def daily(label: str, hour: int, minute: int) -> list[SlotSpec]:
    return [SlotSpec(f"{label}-{day}", day, hour, minute) for day in range(7)]


@pytest.mark.parametrize("tz", [NEW_YORK, BERLIN], ids=str)
def test_full_2026_simulation_fires_each_daily_slot_once_per_day(tz: ZoneInfo) -> None:
    slots = daily("0900", 9, 0) + daily("0230", 2, 30) + daily("0130", 1, 30)
    start = datetime(2025, 12, 31, 12, 0, tzinfo=tz)
    year = [date(2026, 1, 1) + timedelta(days=offset) for offset in range(365)]

    fired: list[tuple[datetime, SlotSpec, date]] = []
    for instant, slot in iter_occurrences(slots, start, tz):
        local_date = instant.astimezone(tz).date()
        if local_date.year > 2026:
            break
        fired.append((instant, slot, local_date))

    keys = [(slot.id.split("-")[0], local_date) for _, slot, local_date in fired]
    assert len(keys) == len(set(keys)), "a slot fired twice on one local date"
    per_label = Counter(label for label, _ in keys)
    assert per_label == {"0900": 365, "0230": 365, "0130": 365}
    for label in per_label:
        assert sorted(d for lab, d in keys if lab == label) == year, f"{label} skipped a day"
    for _, slot, local_date in fired:
        assert contract_day(local_date) == slot.day
    order = [(instant, slot.id) for instant, slot, _ in fired]
    assert order == sorted(order), "occurrences are not in (instant, slot id) order"

    nine = [instant.astimezone(tz) for instant, slot, _ in fired if slot.id.startswith("0900")]
    assert {(moment.hour, moment.minute) for moment in nine} == {(9, 0)}


def test_2026_new_york_transition_days_fire_once_at_the_documented_instants() -> None:
    slots = daily("0230", 2, 30) + daily("0130", 1, 30)
    start = datetime(2026, 1, 1, tzinfo=NEW_YORK)
    fired = [
        (instant, slot.id.split("-")[0])
        for instant, slot in iter_occurrences(slots, start, NEW_YORK)
        if instant.astimezone(NEW_YORK).date() in (date(2026, 3, 8), date(2026, 11, 1))
    ]
    assert fired == [
        (utc(2026, 3, 8, 6, 30), "0130"),
        (utc(2026, 3, 8, 7, 30), "0230"),  # gap day: once, shifted to 03:30 EDT
        (utc(2026, 11, 1, 5, 30), "0130"),  # fold day: once, never again at 06:30Z
        (utc(2026, 11, 1, 7, 30), "0230"),
    ]


def test_slots_meeting_in_the_gap_are_both_yielded_with_equal_instants() -> None:
    slots = [SlotSpec("b-0330", 0, 3, 30), SlotSpec("a-0230", 0, 2, 30)]
    after = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    first_two = list(iter_occurrences(slots, after, NEW_YORK))[:2]
    assert first_two == [
        (utc(2026, 3, 8, 7, 30), slots[1]),
        (utc(2026, 3, 8, 7, 30), slots[0]),
    ]


def test_a_skipped_calendar_day_still_fires_in_instant_order() -> None:
    # Samoa jumped from 2011-12-29 to 2011-12-31: Friday 10:00 does not exist and moves forward
    # by the 24 h gap, landing after Saturday 09:00.
    apia = ZoneInfo("Pacific/Apia")
    friday, saturday = SlotSpec("fri", 5, 10, 0), SlotSpec("sat", 6, 9, 0)
    occurrences = iter_occurrences([friday, saturday], utc(2011, 12, 28), apia)
    assert [next(occurrences) for _ in range(2)] == [
        (utc(2011, 12, 30, 19, 0), saturday),
        (utc(2011, 12, 30, 20, 0), friday),
    ]
    # Asked from Saturday 09:30 local, the shifted Friday occurrence is still ahead.
    later = iter_occurrences([friday, saturday], utc(2011, 12, 30, 19, 30), apia)
    assert next(later) == (utc(2011, 12, 30, 20, 0), friday)


def test_saturday_late_evening_rolls_over_to_the_sunday_slot() -> None:
    sunday = SlotSpec("sun", 0, 9, 0)
    saturday = SlotSpec("sat", 6, 23, 0)
    after = datetime(2026, 1, 3, 23, 30, tzinfo=NEW_YORK)  # Saturday, after the 23:00 slot
    occurrences = iter_occurrences([saturday, sunday], after, NEW_YORK)
    assert next(occurrences) == (utc(2026, 1, 4, 14, 0), sunday)
    assert next(occurrences) == (utc(2026, 1, 11, 4, 0), saturday)  # next Saturday 23:00 EST


def test_occurrences_are_strictly_after() -> None:
    slot = SlotSpec("mon", 1, 9, 0)
    exactly = slot_instant(date(2026, 1, 5), 9, 0, BERLIN)
    instant, _ = next(iter_occurrences([slot], exactly, BERLIN))
    assert instant == exactly + timedelta(days=7)


def test_after_in_another_zone_is_read_as_an_instant() -> None:
    slot = SlotSpec("sun", 0, 1, 0)
    # 2026-01-04 00:30Z is still Saturday 19:30 in New York, so Sunday 01:00 local comes next.
    instant, _ = next(iter_occurrences([slot], utc(2026, 1, 4, 0, 30), NEW_YORK))
    assert instant == utc(2026, 1, 4, 6, 0)


def test_horizon_bounds_the_iteration() -> None:
    slot = SlotSpec("wed", 3, 12, 0)
    after = datetime(2026, 1, 1, tzinfo=BERLIN)
    assert len(list(iter_occurrences([slot], after, BERLIN, horizon_days=14))) == 2
    assert len(list(iter_occurrences([slot], after, BERLIN))) == 53


def test_iter_occurrences_rejects_bad_input() -> None:
    slot = SlotSpec("x", 1, 9, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        list(iter_occurrences([slot], datetime(2026, 1, 1), NEW_YORK))
    with pytest.raises(ValueError, match="unique"):
        list(iter_occurrences([slot, SlotSpec("x", 2, 9, 0)], utc(2026, 1, 1), NEW_YORK))
    assert list(iter_occurrences([], utc(2026, 1, 1), NEW_YORK)) == []


@pytest.mark.parametrize(("day", "hour", "minute"), [(7, 9, 0), (-1, 9, 0), (0, 24, 0), (0, 9, 60)])
def test_slot_spec_validates_its_fields(day: int, hour: int, minute: int) -> None:
    with pytest.raises(ValueError, match="slot"):
        SlotSpec("x", day, hour, minute)


def test_next_free_occurrence_skips_taken_instants() -> None:
    slots = [SlotSpec("mon-9", 1, 9, 0), SlotSpec("mon-14", 1, 14, 0)]
    after = datetime(2026, 1, 1, tzinfo=NEW_YORK)  # Thursday
    monday_9 = utc(2026, 1, 5, 14, 0)
    monday_14 = utc(2026, 1, 5, 19, 0)

    assert next_free_occurrence(slots, after, NEW_YORK, taken=[]) == (monday_9, slots[0])
    # Taken times may arrive in any zone; they are compared as instants.
    taken_ny = [monday_9.astimezone(NEW_YORK)]
    assert next_free_occurrence(slots, after, NEW_YORK, taken_ny) == (monday_14, slots[1])
    both = {monday_9, monday_14}
    assert next_free_occurrence(slots, after, NEW_YORK, both) == (
        monday_9 + timedelta(days=7),
        slots[0],
    )


def test_next_free_occurrence_treats_a_gap_collision_as_one_instant() -> None:
    slots = [SlotSpec("a-0230", 0, 2, 30), SlotSpec("b-0330", 0, 3, 30)]
    after = datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    taken = [utc(2026, 3, 8, 7, 30)]
    assert next_free_occurrence(slots, after, NEW_YORK, taken) == (
        utc(2026, 3, 15, 6, 30),
        slots[0],
    )


def test_next_free_occurrence_without_slots_or_room_is_none() -> None:
    after = utc(2026, 1, 1)
    assert next_free_occurrence([], after, NEW_YORK, taken=[]) is None
    slot = SlotSpec("wed", 3, 12, 0)
    every = [instant for instant, _ in iter_occurrences([slot], after, NEW_YORK)]
    assert next_free_occurrence([slot], after, NEW_YORK, every) is None


def test_next_free_occurrence_rejects_naive_taken_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_free_occurrence(
            [SlotSpec("x", 1, 9, 0)],
            utc(2026, 1, 1),
            NEW_YORK,
            [datetime(2026, 1, 5, 9)],
        )


def test_validate_timezone_accepts_iana_names() -> None:
    assert validate_timezone("America/New_York") == NEW_YORK
    assert validate_timezone("UTC") == ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("america/new_york", "did you mean 'America/New_York'"),
        ("Europe/Berln", "did you mean 'Europe/Berlin'"),
        ("Mars/Olympus_Mons", "IANA name"),
        ("", "IANA name"),
        ("../etc/passwd", "IANA name"),
        ("/etc/localtime", "IANA name"),
        ("localtime", "IANA name"),
        ("x" * 500, "IANA name"),
    ],
)
def test_validate_timezone_rejects_unknown_names_helpfully(name: str, hint: str) -> None:
    with pytest.raises(ValueError, match="unknown timezone") as error:
        validate_timezone(name)
    assert hint in str(error.value)
