"""SIGKILL chaos (PostgreSQL): real worker processes, one killed -9 mid-run and replaced.

Every job's side effect is written in the same fenced transaction that marks it done, so the
check is exact: 200 jobs, 200 effects, none twice, none lost.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from tests.conftest import PG_URL
from tests.jobs.helpers import enqueue

from lowtato.jobs import Job
from lowtato.kit.db import Database

SCRIPT = Path(__file__).with_name("chaos_worker.py")
JOBS = 200

pytestmark = pytest.mark.skipif(
    not PG_URL,
    reason="needs PostgreSQL (LOWTATO_TEST_DATABASE_URL): the embedded SQLite default runs "
    "the worker inside the API process, so there is no second worker process to kill",
)


@pytest.fixture
async def effects(db: Database) -> AsyncIterator[None]:
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE IF EXISTS chaos_effects"))
        await session.execute(
            text(
                "CREATE TABLE chaos_effects (job_key text NOT NULL, worker_id text NOT NULL,"
                " attempt int NOT NULL, rescued boolean NOT NULL)"
            )
        )
    yield
    async with db.transaction() as session:
        await session.execute(text("DROP TABLE chaos_effects"))


def start(url: str, worker_id: str, log_dir: Path) -> subprocess.Popen[bytes]:
    log = (log_dir / f"{worker_id}.log").open("wb")
    return subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(SCRIPT), "--url", url, "--worker-id", worker_id],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def scalar(db: Database, stmt: object) -> int:
    async with db.sessionmaker() as session:
        return int((await session.execute(stmt)).scalar_one())  # type: ignore[call-overload]


async def test_kill_9_a_worker_mid_run_loses_and_duplicates_nothing(
    db: Database, database_url: str, effects: None, tmp_path: Path
) -> None:
    for n in range(JOBS):
        await enqueue(db, "chaos", f"chaos:{n:03d}")
    procs = {name: start(database_url, name, tmp_path) for name in ("w1", "victim")}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    try:
        holding = select(func.count()).where(Job.status == "running", Job.lease_owner == "victim")
        done = select(func.count()).where(Job.status == "done")
        while not (await scalar(db, holding) and await scalar(db, done) >= 20):
            assert loop.time() < deadline, "workers never got going"
            await asyncio.sleep(0.02)
        procs["victim"].send_signal(signal.SIGKILL)
        procs["victim"].wait(10)
        procs["replacement"] = start(database_url, "replacement", tmp_path)

        unsettled = select(func.count()).where(Job.status.in_(["pending", "running"]))
        while await scalar(db, unsettled):
            assert loop.time() < deadline, "jobs still pending/running after 60 s"
            await asyncio.sleep(0.1)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    assert await scalar(db, select(func.count()).where(Job.status == "done")) == JOBS
    assert await scalar(db, text("SELECT count(*) FROM chaos_effects")) == JOBS
    assert await scalar(db, text("SELECT count(DISTINCT job_key) FROM chaos_effects")) == JOBS
    # The killed worker held leases; those jobs were rescued and re-run as such.
    rescued = select(func.count()).where(Job.rescued_at.is_not(None))
    assert await scalar(db, rescued) >= 1
    assert await scalar(db, text("SELECT count(*) FROM chaos_effects WHERE rescued")) >= 1
    assert await scalar(db, text("SELECT count(DISTINCT worker_id) FROM chaos_effects")) == 3
