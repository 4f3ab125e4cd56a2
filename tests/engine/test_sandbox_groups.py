"""The sandbox accepts creates that arrive together in one transaction (kit.batch), and each
create still gets the answer it would have had alone."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI
from sqlalchemy import event
from tests.engine.conftest import sandbox_creates

from lowtato.platforms.base import PublishRequest
from lowtato.platforms.sandbox.network import SandboxNetwork


def request(post_id: str, text: str = "hello") -> PublishRequest:
    return PublishRequest(post_id=post_id, text=text, media=[], options={}, attempt=1)


async def create_all(sandbox: SandboxNetwork, *post_ids: str, keyed: bool = False) -> list[str]:
    published = await asyncio.gather(
        *(sandbox.create("bluesky", "did:plc:a", "alice", request(p), keyed=keyed)
          for p in post_ids)
    )  # fmt: skip
    return [p.platform_post_id for p in published]


async def test_creates_arriving_together_are_stored_in_one_transaction(app: FastAPI) -> None:
    sandbox: SandboxNetwork = app.state.services.sandbox
    commits = [0]

    def count(_conn: object) -> None:
        commits[0] += 1

    event.listen(app.state.db.engine.sync_engine, "commit", count)
    try:
        ids = await create_all(sandbox, *(f"post_group_{i}" for i in range(20)))
    finally:
        event.remove(app.state.db.engine.sync_engine, "commit", count)
    assert len(set(ids)) == 20
    assert commits[0] < 20  # one transaction for the first, one for the 19 that waited
    for i, platform_id in enumerate(ids):
        stored = await sandbox.get("bluesky", platform_id)
        assert stored is not None and stored.request_post_id == f"post_group_{i}"


async def test_two_creates_of_one_post_together_are_two_posts_as_if_one_after_the_other(
    app: FastAPI,
) -> None:
    sandbox: SandboxNetwork = app.state.services.sandbox
    first, second = await create_all(sandbox, "post_twice", "post_twice")
    assert first != second  # what a platform without a client key does: a duplicate
    assert await sandbox_creates(app, "post_twice") == 2


async def test_two_keyed_creates_of_one_post_together_are_one_post(app: FastAPI) -> None:
    sandbox: SandboxNetwork = app.state.services.sandbox
    first, second = await create_all(sandbox, "post_keyed", "post_keyed", keyed=True)
    assert first == second
    assert await sandbox_creates(app, "post_keyed") == 1
