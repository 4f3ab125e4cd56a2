"""A ``lowtato worker`` process told to stop (SIGTERM) in the middle of publishing loses no
post and publishes none twice: with time to spare it finishes the publish; without, it gives
the job back and another worker settles the post (asking the platform before sending again)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from tests.api import connect, create_post
from tests.conftest import (
    ENC_KEYS,
    SECRET,
    AppFactory,
    Owner,
    OwnerFactory,
    client_for,
    empty_database,
)

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, use_clock
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.runtime import build_registry


def _worker_env(database_url: str, data_dir: Path, latency_ms: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTATO_")}
    return {**env, "LOWTATO_DATABASE_URL": database_url, "LOWTATO_SECRET_KEY": SECRET,
            "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS, "LOWTATO_DATA_DIR": str(data_dir),
            "LOWTATO_SANDBOX_LATENCY_MS": str(latency_ms), "LOWTATO_LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1"}  # fmt: skip


async def _statuses(client: httpx.AsyncClient, owner: Owner, ids: list[str]) -> list[str]:
    return [
        (await client.get(f"/api/v1/posts/{i}", headers=owner.headers)).json()["status"]
        for i in ids
    ]


async def _creates(app: FastAPI, ids: list[str]) -> dict[str, int]:
    async with app.state.db.transaction(readonly=True) as session:
        rows = await session.execute(
            select(SandboxPost.request_post_id, func.count())
            .where(SandboxPost.request_post_id.in_(ids))
            .group_by(SandboxPost.request_post_id)
        )
        return {row[0]: row[1] for row in rows.all()}


@pytest.mark.parametrize(
    ("grace", "latency_ms"),
    [(15.0, 2000), (0.0, 6000)],
    ids=["finishes-within-grace", "releases-and-another-worker-settles"],
)
async def test_sigterm_mid_publish_loses_nothing_and_sends_nothing_twice(
    app_factory: AppFactory, make_owner: OwnerFactory, database_url: str, tmp_path: Path,
    grace: float, latency_ms: int,
) -> None:  # fmt: skip
    app = await app_factory(sandbox_settle_seconds=0)
    await empty_database(app.state.db)
    owner = await make_owner()
    async with client_for(app) as client:
        account = await connect(client, owner)
        ids = []
        for n in range(3):
            created = await create_post(client, owner, account, f"shutdown {n}")
            ids.append(created.json()["id"])
            await client.post(f"/api/v1/posts/{ids[-1]}/publish", headers=owner.headers)

        log = tmp_path / "worker.log"
        with log.open("wb") as out:
            worker = subprocess.Popen(  # noqa: S603, ASYNC220 - our own CLI, fixed arguments
                [sys.executable, "-m", "lowtato.cli.main", "worker", "--concurrency", "1",
                 "--shutdown-grace", str(grace)],
                stdout=out, stderr=subprocess.STDOUT,
                env=_worker_env(database_url, tmp_path, latency_ms),
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while "publishing" not in await _statuses(client, owner, ids):
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                await asyncio.sleep(0.05)
            in_flight = (await _statuses(client, owner, ids)).index("publishing")
            worker.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(worker.wait, 60)
        finally:
            if worker.poll() is None:
                worker.kill()
        text = log.read_text()
        assert code == 0, text
        statuses = await _statuses(client, owner, ids)
        if grace:
            assert statuses[in_flight] == "published", text  # finished within the grace
        else:
            assert statuses[in_flight] == "publishing", text  # given back, not finished
            assert "released at shutdown" in text
        assert await _creates(app, ids) == ({ids[in_flight]: 1} if grace else {})
        # Nothing lost: another worker publishes the rest (the given-back one after asking
        # the sandbox whether the interrupted attempt created it).
        other = Worker(app.state.db, build_registry(app.state.services))
        clock = FrozenClock(datetime.now(UTC))
        with use_clock(clock):
            for _ in range(12):
                await other.run_once()
                if set(await _statuses(client, owner, ids)) == {"published"}:
                    break
                clock.advance(timedelta(minutes=3))
        assert await _statuses(client, owner, ids) == ["published"] * 3
        assert await _creates(app, ids) == dict.fromkeys(ids, 1)
