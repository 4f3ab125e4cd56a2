"""The fast read path (lowtato.kit.fastread): the rows it returns are the rows the ORM loads,
on the test database (SQLite file or PostgreSQL) and on the Core fallback (in-memory SQLite),
and its SQLite connection cannot write."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool
from tests.api import connect, later
from tests.conftest import Owner

from lowtato.kit.fastread import FastReads
from lowtato.kit.principal import Principal
from lowtato.posts.models import Post
from lowtato.posts.repository import PostRepository


def _principal(owner: Owner, *, other_mode: bool = False) -> Principal:
    livemode = owner.key.startswith("lt_live_") != other_mode
    return Principal(
        user_id=owner.user_id, key_id=owner.key_id, livemode=livemode,
        scopes=frozenset(), plan="agency",
    )  # fmt: skip


def _columns(row: Any) -> dict[str, Any]:
    return {a.key: getattr(row, a.key) for a in Post.__mapper__.column_attrs}


async def _post(client: httpx.AsyncClient, owner: Owner) -> str:
    account = await connect(client, owner)
    content = {"text": "fast 🚀 read", "mediaUrls": ["https://example.com/a.png"]}
    made = await client.post("/api/v1/posts", headers=owner.headers, json={
        "post": {"accountId": account, "content": content}, "scheduledTime": later(hours=2),
    })  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


async def test_a_fast_read_is_the_row_the_orm_loads(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    post_id = await _post(client, owner)
    db = app.state.db
    fast = await PostRepository.read(db.reads, _principal(owner), post_id)
    async with db.transaction(readonly=True) as session:
        orm = await session.get(Post, post_id)
    assert fast is not None and orm is not None
    assert _columns(fast) == _columns(orm)
    assert fast.scheduled_time.tzinfo is UTC and fast.media_urls == ["https://example.com/a.png"]


async def test_a_fast_read_is_scoped_to_the_owner_and_mode(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, make_owner: Any
) -> None:
    post_id = await _post(client, owner)
    reads = app.state.db.reads
    other = await make_owner()
    assert await PostRepository.read(reads, _principal(other), post_id) is None
    assert await PostRepository.read(reads, _principal(owner, other_mode=True), post_id) is None
    assert await PostRepository.read(reads, _principal(owner), post_id) is not None


async def test_a_fast_read_sees_a_write_committed_just_before(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    post_id = await _post(client, owner)
    for n in range(5):  # each GET right after the PATCH that committed
        patched = await client.patch(
            f"/api/v1/schedules/{post_id}", headers=owner.headers,
            json={"content_text": f"edit {n}"},
        )  # fmt: skip
        assert patched.status_code == 200, patched.text
        got = await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)
        assert got.json()["content_text"] == f"edit {n}"


async def test_the_sqlite_fast_connection_cannot_write(app: FastAPI) -> None:
    db = app.state.db
    if not db.is_sqlite:
        pytest.skip("SQLite only: PostgreSQL reads use their own pool")
    reads: FastReads = db.reads
    conn = reads._sqlite_connection()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        conn.execute("DELETE FROM posts")


async def test_the_core_fallback_returns_the_same_rows() -> None:
    # In-memory SQLite has no file to open beside the engine: reads go through the engine.
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    now = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = {
        "id": "post_1", "owner_id": "usr_1", "livemode": True, "account_id": "acc_1",
        "subaccount_id": None, "platform": "bluesky", "status": "scheduled",
        "publish_state": None, "content_text": "hi", "media_urls": ["https://e.com/x.png"],
        "options": {"k": 1}, "scheduled_time": now, "origin": "api", "result": {},
        "publish_attempts": 0, "created_at": now, "updated_at": now,
    }  # fmt: skip
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Post.__table__.create)
            await conn.execute(insert(Post), [row])
        reads = FastReads("sqlite+aiosqlite://", engine)
        owner = Owner(user_id="usr_1", email="", key="lt_live_x", key_id="key_1")
        fast = await PostRepository.read(reads, _principal(owner), "post_1")
        assert fast is not None
        got = _columns(fast)
        assert {k: got[k] for k in row} == row
        assert await PostRepository.read(reads, _principal(owner), "post_2") is None
    finally:
        await engine.dispose()
