"""Chaos for the engine tests (PostgreSQL): two real `lowtato worker` processes, SIGKILLed and
restarted, SIGSTOPped and resumed, at random moments."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from fastapi import FastAPI
from tests.conftest import ENC_KEYS, PG_URL, SECRET

LEASE_SECONDS = 6


def start_worker(name: str, log_dir: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    full = {
        **os.environ,
        "LOWTATO_DATABASE_URL": PG_URL,
        "LOWTATO_SECRET_KEY": SECRET,
        "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS,
        "LOWTATO_PUBLIC_URL": "http://testserver",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    log = (log_dir / f"{name}.log").open("ab")
    return subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "lowtato.cli.main", "worker", "--concurrency", "8",
         "--lease-seconds", str(LEASE_SECONDS), "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, env=full,
    )  # fmt: skip


async def count(app: FastAPI, stmt: object) -> int:
    async with app.state.db.sessionmaker() as session:
        return int((await session.execute(stmt)).scalar_one())  # type: ignore[call-overload]


class Chaos:
    """Kills (then restarts) and stops (then resumes) the workers at random moments."""

    def __init__(self, log_dir: Path, env: dict[str, str], seed: int) -> None:
        self.log_dir = log_dir
        self.env = env
        self.procs = {name: start_worker(name, log_dir, env) for name in ("w1", "w2")}
        self.kills = 0
        self.stops = 0
        self.rng = random.Random(seed)

    async def run(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        resumes: list[asyncio.Task[None]] = []
        n = 0
        while loop.time() < end:
            await asyncio.sleep(self.rng.uniform(0.8, 2.8))
            if not self.procs:  # both are stopped right now
                continue
            name = self.rng.choice(sorted(self.procs))
            n += 1
            if n % 6 == 3:  # every sixth event: a stop long enough for its leases to expire
                self.stops += 1
                proc = self.procs.pop(name)  # nothing else touches it while it is stopped
                proc.send_signal(signal.SIGSTOP)
                resumes.append(
                    asyncio.create_task(self._resume(name, proc, self.rng.uniform(3, 14)))
                )
            else:
                self.kills += 1
                self.procs[name].send_signal(signal.SIGKILL)
                self.procs[name].wait(10)
                self.procs[name] = start_worker(name, self.log_dir, self.env)
        await asyncio.gather(*resumes)

    async def _resume(self, name: str, proc: subprocess.Popen[bytes], after: float) -> None:
        await asyncio.sleep(after)
        proc.send_signal(signal.SIGCONT)
        self.procs[name] = proc

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
