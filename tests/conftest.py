"""Test harness: a real database (SQLite file, or PostgreSQL when LOWTATO_TEST_DATABASE_URL is
set) migrated once per run, emptied before each test; the app driven through its public HTTP
API in-process; Redis used for rate limits when LOWTATO_REDIS_URL is set."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from tests.outbound_guard import OutboundGuard

from lowtato.app import create_app
from lowtato.auth import service
from lowtato.config import Settings, new_key_material
from lowtato.kit.db import Database
from lowtato.kit.migrate import upgrade
from lowtato.models import Base
from lowtato.runtime import subscribe_all

pytest_plugins = ["tests.fakes.fixtures"]

PG_URL = os.environ.get("LOWTATO_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("LOWTATO_REDIS_URL", "")
SECRET = "test-secret-pepper"
ENC_KEYS = f"{new_key_material()},{new_key_material()}"

requires_redis = pytest.mark.skipif(not REDIS_URL, reason="LOWTATO_REDIS_URL not set")
requires_postgres = pytest.mark.skipif(not PG_URL, reason="LOWTATO_TEST_DATABASE_URL not set")


def pytest_sessionstart(session: pytest.Session) -> None:
    """On the PostgreSQL + Redis run, missing or unreachable services fail the run. Domain
    event subscribers are wired as in every Lowtato process, also for tests that call a
    service before any app is built."""
    subscribe_all()
    if os.environ.get("LOWTATO_REQUIRE_SERVICES") and not (PG_URL and REDIS_URL):
        pytest.exit("LOWTATO_TEST_DATABASE_URL and LOWTATO_REDIS_URL must be set", returncode=3)
    if REDIS_URL:
        import redis  # noqa: PLC0415

        try:
            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            pytest.exit(f"Redis at {REDIS_URL} is unreachable: {exc}", returncode=3)


@pytest.fixture(autouse=True)
def outbound_guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[OutboundGuard]:
    """Every test fails if Lowtato calls out while holding a write transaction (see
    tests/outbound_guard.py)."""
    guard = OutboundGuard()
    guard.install(monkeypatch)
    yield guard
    if guard.violations:
        pytest.fail("outbound call inside a database transaction:\n" + "\n".join(guard.violations))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        asyncio.run(_reset_postgres(PG_URL))
        url = PG_URL
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


async def _reset_postgres(url: str) -> None:
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await db.dispose()


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "redis_url": REDIS_URL,
        "secret_key": SECRET,
        "encryption_keys": ENC_KEYS,
        "rate_limit_read": 100_000,
        "rate_limit_write": 100_000,
        "rate_limit_upload": 100_000,
        "allow_private_urls": True,
        "bootstrap_demo": False,
        "public_url": "http://testserver",
        "publish_wait_seconds": 0.0,
        # On in tests so every route sweep reaches it; tests/marketplace checks it off.
        "marketplace_enabled": True,
    }
    values.update(overrides)
    return Settings(**values)


async def empty_database(db: Database) -> None:
    # DELETE, children first, as one script: one call into the driver (on SQLite, one hop to
    # its thread instead of one per table); on PostgreSQL (asyncpg's simple protocol) 40x
    # faster than TRUNCATE on the few rows a test leaves, since TRUNCATE makes new files for
    # every table and waits for their fsync (about 60 ms a test, more on a busy machine).
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    script = "".join(f'DELETE FROM "{n}";' for n in tables)  # noqa: S608 - names from metadata
    async with db.engine.begin() as conn:
        driver: Any = (await conn.get_raw_connection()).driver_connection
        await (driver.executescript(script) if db.is_sqlite else driver.execute(script))


class AppFactory:
    """Builds started apps on the test database; tests needing special settings ask for one."""

    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.database_url = database_url
        self.data_dir = data_dir
        self._stack = AsyncExitStack()

    async def __call__(self, *, worker: bool = False, **overrides: Any) -> FastAPI:
        overrides.setdefault("database_url", self.database_url)
        app = create_app(make_settings(data_dir=self.data_dir, **overrides), worker=worker)
        await self._stack.enter_async_context(app.router.lifespan_context(app))
        return app

    async def close(self) -> None:
        await self._stack.aclose()


@pytest.fixture
async def app_factory(database_url: str, tmp_path: Path) -> AsyncIterator[AppFactory]:
    factory = AppFactory(database_url, tmp_path)
    yield factory
    await factory.close()


@pytest.fixture
async def app(app_factory: AppFactory) -> FastAPI:
    app = await app_factory()
    await empty_database(app.state.db)
    await app.state.limiter.reset()
    return app


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
        base_url="http://testserver",
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as c:
        yield c


@dataclass
class Owner:
    user_id: str
    email: str
    key: str
    key_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.key}


OwnerFactory = Callable[..., Awaitable[Owner]]


@pytest.fixture
def make_owner(app: FastAPI) -> OwnerFactory:
    counter = iter(range(1, 10_000))

    async def make(
        *,
        plan: str = "starter",
        livemode: bool = False,
        scopes: list[str] | None = None,
        email: str | None = None,
    ) -> Owner:
        email = email or f"owner{next(counter)}@example.com"
        async with app.state.db.transaction() as session:
            from lowtato.auth.repository import UserRepository  # noqa: PLC0415

            user = await UserRepository(session).get_by_email(email)
            if user is None:
                user = await service.create_user(session, email=email, plan=plan)
            created = await service.create_key(
                session,
                pepper=SECRET.encode(),
                user=user,
                livemode=livemode,
                scopes=scopes or [],
            )
        return Owner(user.id, email, created.plaintext, created.key.id)

    return make


@pytest.fixture
async def owner(make_owner: OwnerFactory) -> Owner:
    """A test-mode owner: its accounts live on the sandbox network, so no test here depends
    on a platform (live-mode tests use the contract fakes in tests/fakes)."""
    return await make_owner()
