"""Scheduler throughput and lag against the sandbox network, with real `lowtato worker`
processes on a fresh database per phase.

* **burst**: N posts (default 10,000) due at the same instant. They are inserted due in 2099,
  the workers start and go idle, and only then one UPDATE makes every post and its publish
  job due a few seconds later, so inserting is never timed. On PostgreSQL a `VACUUM ANALYZE`
  runs in between: the database as it stands after posts waited to fall due, not right
  after 100,000 rows changed. Figure: publishes/s from the due instant to the last sandbox
  create, and the duplicate and lost counts (must be 0).
* Where PostgreSQL's autovacuum is off (these CI machines), the bench runs `VACUUM ANALYZE`
  every 60 s during each phase, as autovacuum would by default.
* **stream**: posts due at a steady rate (default 50/s for 15 s); p50/p99 of the lag between
  a post's `scheduled_time` and the moment the sandbox received its publish call.

Each setup (`--setups`, default SQLite with 1 worker and PostgreSQL with 1, 2 and 4) runs at
each simulated platform latency (`--latency-ms`, default 0 and 100: the sandbox answers after
that long, which concurrency must hide). Ratios are printed against the first row measured in
this run, because absolute figures on these small shared machines mean little on their own. No
assertions on time; exits non-zero only if a post was duplicated, lost, or a setup failed.

    ./dev bench scheduler [--posts 10000] [--rate 50] [--stream-seconds 15]
                          [--setups sqlite:1,pg:1,pg:2,pg:4] [--latency-ms 0,100]
                          [--concurrency 512] [--accounts 50]
                          [--postgres postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from lowtato.accounts.service import store_account
from lowtato.auth import service as auth
from lowtato.config import new_key_material
from lowtato.jobs.models import Job
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id
from lowtato.kit.migrate import upgrade
from lowtato.kit.principal import system_principal
from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.posts.models import Post, PostStatus
from lowtato.posts.publish_job import PUBLISH_KIND, schedule_publish

# One account publishes one post at a time (its serial key), so the burst is spread over
# these; with a platform latency L they cap the rate at ACCOUNTS / L (``--accounts``).
ACCOUNTS = 50
KEYS = f"{new_key_material()}"


@dataclass
class Result:
    name: str
    burst_rate: float
    burst_seconds: float
    duplicates: int
    lost: int
    lag_p50: float
    lag_p99: float


async def _prepare(url: str) -> list[str]:
    db = Database(url)
    async with db.transaction() as session:
        user = await auth.create_user(session, email="bench@example.com", plan="agency")
        principal = system_principal(user.id, livemode=False)
        ring = KeyRing([__import__("base64").urlsafe_b64decode(KEYS + "==")])
        accounts = [
            (await store_account(session, principal, ring, platform="bluesky",
                                 platform_user_id=f"bench{i}", username=f"bench{i}",
                                 access_token=None, sandbox=True)).id
            for i in range(ACCOUNTS)
        ]  # fmt: skip
    await db.dispose()
    return [user.id, *accounts]


async def _schedule(url: str, owner: str, accounts: list[str], times: list[datetime]) -> None:
    db = Database(url)
    now = datetime.now(UTC)
    for start in range(0, len(times), 1000):
        async with db.transaction() as session:
            for i, when in enumerate(times[start : start + 1000], start):
                post = Post(
                    id=new_id("post"), owner_id=owner, livemode=False,
                    account_id=accounts[i % len(accounts)], subaccount_id=None, platform="bluesky",
                    status=PostStatus.scheduled, publish_state=None, content_text=f"bench {i}",
                    media_urls=[], options={}, scheduled_time=when, slot_id=None, origin="api",
                    result={}, publish_attempts=0, created_at=now, updated_at=now,
                )  # fmt: skip
                session.add(post)
                await session.flush()
                await schedule_publish(session, post)
    await db.dispose()


async def _wait_settled(url: str, total: int, limit_seconds: float) -> None:
    db = Database(url)
    deadline = time.monotonic() + limit_seconds
    try:
        while True:
            async with db.transaction(readonly=True) as session:
                done = await session.scalar(
                    select(func.count()).where(Post.status.in_(["published", "failed"]))
                )
            if (done or 0) >= total:
                return
            if time.monotonic() > deadline:
                msg = f"only {done} of {total} posts settled in {limit_seconds:.0f} s"
                raise RuntimeError(msg)
            await asyncio.sleep(0.5)
    finally:
        await db.dispose()


async def _lags(url: str) -> tuple[list[float], int, int, datetime, datetime]:
    db = Database(url)
    async with db.transaction(readonly=True) as session:
        first_create = func.min(SandboxPost.created_at)
        stmt = (
            select(Post.id, Post.scheduled_time, first_create, func.count(SandboxPost.id))
            .join(SandboxPost, SandboxPost.request_post_id == Post.id, isouter=True)
            .group_by(Post.id, Post.scheduled_time)
        )
        rows = (await session.execute(stmt)).all()
    await db.dispose()
    lags = [(sent - due).total_seconds() for _, due, sent, n in rows if sent is not None]
    duplicates = sum(1 for *_, n in rows if n > 1)
    lost = sum(1 for *_, n in rows if n == 0)
    first_due = min(r[1] for r in rows)
    last_sent = max(r[2] for r in rows if r[2] is not None)
    return lags, duplicates, lost, first_due, last_sent


def _workers(
    url: str, count: int, data_dir: Path, *, latency_ms: int, concurrency: int
) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTATO_")}
    env |= {"LOWTATO_DATABASE_URL": url, "LOWTATO_ENCRYPTION_KEYS": KEYS,
            "LOWTATO_SECRET_KEY": "bench", "LOWTATO_DATA_DIR": str(data_dir),
            "LOWTATO_SANDBOX_LATENCY_MS": str(latency_ms),
            "LOWTATO_SANDBOX_SETTLE_SECONDS": "0"}  # fmt: skip
    return [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lowtato.cli.main",
                "worker",
                "--concurrency",
                str(concurrency),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(data_dir / f"worker{i}.log").open("wb"),
        )
        for i in range(count)
    ]


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


async def _connect(url: str) -> Any:
    """A plain asyncpg connection to the database a SQLAlchemy async URL names."""
    import asyncpg  # noqa: PLC0415

    return await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))


async def _reset_postgres(admin_url: str, name: str) -> str:
    conn = await _connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


FAR = datetime(2099, 1, 1, tzinfo=UTC)
AUTOVACUUM_NAPTIME = 60.0  # PostgreSQL's default
IDLE_SECONDS = 3.0  # for the workers to start, claim nothing and go to sleep


async def _release(url: str, count: int) -> None:
    """Make every post, and its publish job, due at once (one transaction), then let
    PostgreSQL settle as it would have while the posts waited to fall due (``_vacuum``)."""
    db = Database(url)
    started = datetime.now(UTC)
    # Enough time for the VACUUM ANALYZE below (about 2 s per 100,000 posts here).
    due = started + timedelta(seconds=2 + count / 20_000)
    async with db.transaction() as session:
        await session.execute(update(Post).values(scheduled_time=due))
        await session.execute(update(Job).where(Job.kind == PUBLISH_KIND).values(run_at=due))
    await db.dispose()
    if not url.startswith("sqlite"):
        await _vacuum(url)
        if datetime.now(UTC) > due:
            print(f"  warning: VACUUM ANALYZE ended after the due time ({due:%H:%M:%S})")


async def _vacuum(url: str) -> None:
    conn = await _connect(url)
    try:
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


async def _autovacuum_stand_in(url: str) -> None:
    """PostgreSQL's autovacuum wakes every minute (``autovacuum_naptime``) to vacuum and
    analyse the tables that changed. The CI machines run with it off, which no production
    server does: without it the burst's dead rows and stale statistics pile up for its whole
    length. So when it is off, this runs what it would, as often as it would by default."""
    conn = await _connect(url)
    try:
        if await conn.fetchval("SHOW autovacuum") == "on":
            return
    finally:
        await conn.close()
    while True:
        await asyncio.sleep(AUTOVACUUM_NAPTIME)
        await _vacuum(url)


async def _phase(
    url: str, times: list[datetime] | None, count: int, data_dir: Path, args: Setup
) -> tuple[list[float], int, int, float]:
    """Publish ``count`` posts: at ``times``, or (None) all released at once once the
    workers are idle. Returns the lags, duplicates, lost, and first-due-to-last-sent span."""
    owner, *accounts = await _prepare(url)
    await _schedule(url, owner, accounts, times or [FAR] * count)
    procs = _workers(url, args.workers, data_dir, latency_ms=args.latency_ms,
                     concurrency=args.concurrency)  # fmt: skip
    vacuum = None
    try:
        if times is None:
            await asyncio.sleep(IDLE_SECONDS)
            if any(p.poll() is not None for p in procs):
                raise RuntimeError(f"a worker exited; see {data_dir}/worker*.log")
            await _release(url, count)
        if not url.startswith("sqlite"):
            vacuum = asyncio.create_task(_autovacuum_stand_in(url))
        await _wait_settled(url, count, args.limit_seconds)
    finally:
        if vacuum is not None:
            vacuum.cancel()
        _stop(procs)
    lags, duplicates, lost, first_due, last_sent = await _lags(url)
    return lags, duplicates, lost, (last_sent - first_due).total_seconds()


@dataclass(frozen=True)
class Setup:
    name: str
    database: str  # "sqlite" or "pg"
    workers: int
    latency_ms: int
    concurrency: int
    posts: int
    rate: float
    stream_seconds: float
    limit_seconds: float


async def run_setup(setup: Setup, url_for: object) -> Result:
    with tempfile.TemporaryDirectory(prefix=f"lt-sched-{setup.database}-") as tmp:
        data_dir = Path(tmp)
        url = await url_for(data_dir, "burst")  # type: ignore[operator]
        await asyncio.to_thread(upgrade, url)
        _, duplicates, lost, span = await _phase(url, None, setup.posts, data_dir, setup)
        burst_rate = setup.posts / max(span, 1e-9)

        url = await url_for(data_dir, "stream")  # type: ignore[operator]
        await asyncio.to_thread(upgrade, url)
        count = int(setup.rate * setup.stream_seconds)
        start = datetime.now(UTC) + timedelta(seconds=8)  # inserting 750 rows takes < 2 s
        times = [start + timedelta(seconds=i / setup.rate) for i in range(count)]
        lags, dup2, lost2, _ = await _phase(url, times, count, data_dir, setup)
    lags.sort()
    return Result(
        setup.name, burst_rate, span, duplicates + dup2, lost + lost2,
        statistics.median(lags), lags[min(len(lags) - 1, int(len(lags) * 0.99))],
    )  # fmt: skip


def _setups(args: argparse.Namespace) -> list[Setup]:
    setups = []
    for latency in (int(v) for v in args.latency_ms.split(",")):
        for spec in args.setups.split(","):
            database, _, workers = spec.partition(":")
            if database not in ("sqlite", "pg"):
                raise SystemExit(f"--setups: {spec!r} is not sqlite:N or pg:N")
            n = int(workers or "1")
            name = f"{'postgres' if database == 'pg' else 'sqlite'} {n}w {latency}ms"
            setups.append(Setup(name, database, n, latency, args.concurrency, args.posts,
                                args.rate, args.stream_seconds,
                                limit_seconds=max(1800.0, args.posts / 5)))  # fmt: skip
    return setups


async def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="stream posts per second")
    parser.add_argument("--stream-seconds", type=float, default=15.0)
    parser.add_argument("--setups", default="sqlite:1,pg:1,pg:2,pg:4")
    parser.add_argument("--latency-ms", default="0,100", help="sandbox latencies to run")
    parser.add_argument("--concurrency", type=int, default=512, help="jobs per worker")
    parser.add_argument("--accounts", type=int, default=50, help="sandbox accounts")
    default_pg = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    parser.add_argument("--postgres", default=os.environ.get("LOWTATO_BENCH_POSTGRES", default_pg))
    args = parser.parse_args()
    global ACCOUNTS  # noqa: PLW0603 - read by _prepare, in this process only
    ACCOUNTS = args.accounts

    async def sqlite_url(data_dir: Path, phase: str) -> str:
        return f"sqlite+aiosqlite:///{data_dir / f'{phase}.db'}"

    async def pg_url(_data_dir: Path, phase: str) -> str:
        return await _reset_postgres(args.postgres, f"lowtato_bench_{phase}")

    results = []
    for setup in _setups(args):
        print(f"running {setup.name} …", flush=True)
        results.append(await run_setup(setup, pg_url if setup.database == "pg" else sqlite_url))
        r = results[-1]
        print(
            f"  burst {args.posts} posts: {r.burst_rate:,.0f} publishes/s "
            f"({r.burst_seconds:.1f} s)  "
            f"stream lag p50 {r.lag_p50 * 1000:.0f} ms p99 {r.lag_p99 * 1000:.0f} ms  "
            f"duplicates {r.duplicates} lost {r.lost}",
            flush=True,
        )
    base = results[0]
    print(
        f"\n{'setup':<24} {'publishes/s':>12} {'vs first':>9} {'lag p50':>9} "
        f"{'lag p99':>9} {'dup':>4} {'lost':>5}"
    )
    for r in results:
        print(
            f"{r.name:<24} {r.burst_rate:>12,.0f} {r.burst_rate / base.burst_rate:>8.2f}x "
            f"{r.lag_p50 * 1000:>7.0f}ms {r.lag_p99 * 1000:>7.0f}ms {r.duplicates:>4} {r.lost:>5}"
        )
    return 1 if any(r.duplicates or r.lost for r in results) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
