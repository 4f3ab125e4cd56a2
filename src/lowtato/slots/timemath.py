"""Recurring wall-clock slots turned into UTC instants.

A slot is a weekly wall-clock time ``(day, hour, minute)`` in the owner's IANA timezone, with
``day`` numbered as the API contract does: 0 = Sunday … 6 = Saturday. Every conversion from a
slot to an instant goes through :func:`slot_instant`, so ``useNextFreeSlot``, auto-configure and
the publisher agree on the same DST rules (docs/design.md "Time", docs/reference/reliability.md
§7.2 item 6):

* a local time that does not exist (spring-forward gap) moves forward by the gap:
  02:30 on 2026-03-08 in America/New_York is 03:30 EDT = 07:30Z;
* an ambiguous local time (fall-back fold) takes its first occurrence (PEP 495 ``fold=0``):
  01:30 on 2026-11-01 in America/New_York is 05:30Z, never also 06:30Z;
* a daily 09:00 slot stays 09:00 local across transitions — occurrences are computed per local
  date, never by adding 24 h to the previous one.

Everything here is pure: no clock, no database. Callers pass ``after`` from the injectable clock.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from lowtato.kit.tz import validate_timezone

__all__ = [
    "SlotSpec",
    "contract_day",
    "iter_occurrences",
    "next_free_occurrence",
    "slot_instant",
    "validate_timezone",
]

DEFAULT_HORIZON_DAYS = 370
"""A year and a week: every weekly slot occurs at least 52 times inside it."""


def contract_day(local_date: date) -> int:
    """The contract's day number of ``local_date``: 0 = Sunday … 6 = Saturday."""
    # isoweekday() is Monday=1 … Sunday=7, so Sunday wraps to 0.
    return local_date.isoweekday() % 7


@dataclass(frozen=True)
class SlotSpec:
    """One stored slot: its id and its weekly wall-clock time (contract day numbering)."""

    id: str
    day: int
    hour: int
    minute: int

    def __post_init__(self) -> None:
        if not 0 <= self.day <= 6:
            raise ValueError(f"slot day must be 0 (Sunday) … 6 (Saturday), got {self.day}")
        if not 0 <= self.hour <= 23:
            raise ValueError(f"slot hour must be 0 … 23, got {self.hour}")
        if not 0 <= self.minute <= 59:
            raise ValueError(f"slot minute must be 0 … 59, got {self.minute}")


def slot_instant(local_date: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock ``hour:minute`` on ``local_date`` in ``tz``.

    Returns an aware datetime in UTC. A wall time inside a spring-forward gap is moved forward
    by the length of the gap (NY 2026-03-08 02:30 → 07:30Z, Berlin 2026-03-29 02:30 → 01:30Z);
    a wall time inside a fall-back fold resolves to its first occurrence (NY 2026-11-01 01:30 →
    05:30Z, Berlin 2026-10-25 02:30 → 00:30Z). Raises ValueError for an invalid hour or minute.
    """
    wall = datetime.combine(local_date, time(hour, minute), tzinfo=tz)
    # PEP 495 gives both rules with fold=0: in a fold it selects the earlier reading; in a gap it
    # applies the offset in force *before* the transition, which lands exactly "gap" minutes
    # later than the wall time asked for (02:30 EST is 03:30 EDT). Stating fold=0 explicitly
    # keeps the rule visible instead of relying on the constructor default.
    return wall.replace(fold=0).astimezone(UTC)


def iter_occurrences(
    slots: Sequence[SlotSpec],
    after: datetime,
    tz: ZoneInfo,
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> Iterator[tuple[datetime, SlotSpec]]:
    """Yield ``(instant, slot)`` for every occurrence strictly after ``after``, in time order.

    Contract:

    * ``after`` must be timezone-aware (ValueError otherwise); instants are aware UTC;
    * each slot occurs once on every local date whose weekday is its ``day`` — a (slot, local
      date) pair is never yielded twice (fall-back) and never skipped (spring-forward);
    * order is by instant, then slot id;
    * occurrences are generated for local dates up to ``horizon_days`` after the local date of
      ``after``, so the iterator always ends (a caller looking for a free slot cannot loop);
    * two *different* slots can share an instant: 02:30 and 03:30 on a spring-forward day both
      land on 03:30 local. Both are yielded (they are distinct slots) with equal instants; the
      caller decides what that means (``next_free_occurrence`` treats the instant, not the
      slot, as what gets taken).

    Slot ids must be unique (ValueError otherwise) because they order equal instants.
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("after must be a timezone-aware datetime")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    ids = [slot.id for slot in slots]
    if len(set(ids)) != len(ids):
        raise ValueError("slot ids must be unique")
    by_day: dict[int, list[SlotSpec]] = {}
    for slot in slots:
        by_day.setdefault(slot.day, []).append(slot)
    if not by_day:
        return

    after_utc = after.astimezone(UTC)
    first_date = after_utc.astimezone(tz).date()
    # Start one local date early: in a zone that skips a whole calendar day (Pacific/Apia,
    # 2011-12-30) an occurrence of the previous date can land after `after`.
    current = first_date - timedelta(days=1)
    last_date = first_date + timedelta(days=horizon_days)

    # Occurrences are produced date by date but released through a heap, so the output is in
    # (instant, slot id) order even where a transition pushes one date's instants past the next
    # date's. Python bounds every UTC offset strictly inside ±24 h, so an occurrence on a local
    # date D' > D is later than midnight UTC at the start of D; anything at or before that
    # watermark can be released once date D has been generated.
    pending: list[tuple[datetime, str, int, SlotSpec]] = []
    sequence = 0  # final tiebreak so the heap never compares SlotSpec objects
    while current <= last_date:
        for slot in by_day.get(contract_day(current), ()):
            instant = slot_instant(current, slot.hour, slot.minute, tz)
            if instant > after_utc:
                heapq.heappush(pending, (instant, slot.id, sequence, slot))
                sequence += 1
        watermark = datetime.combine(current, time(), tzinfo=UTC)
        while pending and pending[0][0] <= watermark:
            instant, _, _, slot = heapq.heappop(pending)
            yield instant, slot
        current += timedelta(days=1)
    while pending:
        instant, _, _, slot = heapq.heappop(pending)
        yield instant, slot


def next_free_occurrence(
    slots: Sequence[SlotSpec],
    after: datetime,
    tz: ZoneInfo,
    taken: Collection[datetime],
    *,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> tuple[datetime, SlotSpec] | None:
    """The earliest occurrence after ``after`` whose instant is not in ``taken``.

    ``taken`` holds the account's already scheduled post times (aware datetimes in any zone;
    compared as instants, to the microsecond — a post scheduled by hand at 09:00:30 does not
    occupy the 09:00 slot). Returns None when there are no slots or when every occurrence
    within ``horizon_days`` is taken.
    """
    if any(moment.tzinfo is None or moment.utcoffset() is None for moment in taken):
        raise ValueError("taken must contain timezone-aware datetimes")
    # Normalising to UTC makes membership a plain instant comparison; mixing zones in a set
    # of aware datetimes is otherwise subject to PEP 495's inter-zone fold exceptions.
    occupied = {moment.astimezone(UTC) for moment in taken}
    for instant, slot in iter_occurrences(slots, after, tz, horizon_days=horizon_days):
        if instant not in occupied:
            return instant, slot
    return None
