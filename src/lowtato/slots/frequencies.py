"""Posting frequencies onboarding accepts, as data: how many slots a day, on which days.
Times come from the best-times table (``slots.autoconfig``), like auto-configure's."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PostingFrequency(StrEnum):
    daily = "daily"
    twice_daily = "twice_daily"
    three_times_daily = "three_times_daily"
    weekdays = "weekdays"
    three_per_week = "three_per_week"
    weekly = "weekly"


@dataclass(frozen=True)
class Frequency:
    posts_per_day: int
    days: tuple[int, ...]  # contract days: 0 = Sunday … 6 = Saturday
    meaning: str


EVERY_DAY = (0, 1, 2, 3, 4, 5, 6)

FREQUENCIES: dict[PostingFrequency, Frequency] = {
    PostingFrequency.daily: Frequency(1, EVERY_DAY, "one post a day, every day"),
    PostingFrequency.twice_daily: Frequency(2, EVERY_DAY, "two posts a day, every day"),
    PostingFrequency.three_times_daily: Frequency(3, EVERY_DAY, "three posts a day, every day"),
    PostingFrequency.weekdays: Frequency(1, (1, 2, 3, 4, 5), "one post a day, Monday-Friday"),
    PostingFrequency.three_per_week: Frequency(1, (1, 3, 5), "Monday, Wednesday and Friday"),
    # Mid-week is the one day every platform's best-times table ranks well.
    PostingFrequency.weekly: Frequency(1, (3,), "one post a week, on Wednesday"),
}


def describe() -> str:
    """For the OpenAPI description: each value and what it plans."""
    return "; ".join(f"`{name}` = {f.meaning}" for name, f in FREQUENCIES.items())
