"""Fixtures for the job system: a Database on the migrated test database with the job tables
emptied, a frozen clock, and a registry each test fills with its own handlers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from tests.jobs.helpers import T0, clear

from lowtato.jobs import Registry
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.kit.db import Database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await clear(database)
    yield database
    await database.dispose()


@pytest.fixture
def frozen() -> Iterator[FrozenClock]:
    clock = FrozenClock(T0)
    with use_clock(clock):
        yield clock


@pytest.fixture
def registry() -> Registry:
    return Registry()
