"""Shared by the platform adapter tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lowtato.kit.clock import FrozenClock, use_clock


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    """Lowtato's clock (and so the fakes') stopped at the real current second: the fakes
    stamp posts with real time."""
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    with use_clock(clock):
        yield clock
