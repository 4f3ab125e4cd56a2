"""A worker process for the SIGKILL chaos test (run by test_chaos.py, not collected).

Runs ``chaos`` jobs: sleep a little (the window a kill -9 usually lands in), then, in one
fenced transaction, append the job's key to ``chaos_effects`` and mark the job done. SIGTERM
stops it gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import signal

from sqlalchemy import text

from lowtato.jobs import JobContext, Registry, RetryPolicy, Worker
from lowtato.kit.db import Database


async def main(url: str, worker_id: str, concurrency: int, lease: float) -> None:
    db = Database(url)
    registry = Registry()

    @registry.register("chaos", max_attempts=20, retry=RetryPolicy(base=0.2, jitter=0))
    async def chaos(ctx: JobContext) -> None:
        await asyncio.sleep(random.uniform(0.05, 0.15))
        async with ctx.fenced(done=True) as session:
            await session.execute(
                text(
                    "INSERT INTO chaos_effects (job_key, worker_id, attempt, rescued)"
                    " VALUES (:key, :worker, :attempt, :rescued)"
                ),
                {"key": ctx.key, "worker": worker_id, "attempt": ctx.attempt,
                 "rescued": ctx.rescued},
            )  # fmt: skip
            await asyncio.sleep(0.01)  # kills also land inside the transaction

    worker = Worker(
        db, registry, worker_id=worker_id, concurrency=concurrency, lease_seconds=lease,
        poll_interval=0.2,
    )  # fmt: skip
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(worker.stop(grace=5)))
    try:
        await worker.run()
    finally:
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease", type=float, default=2.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(args.url, args.worker_id, args.concurrency, args.lease))
