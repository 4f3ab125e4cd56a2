"""The claim's plan: walk the due-time index in order and stop at the limit, whatever the
database believes about the table.

A burst changes the jobs table faster than statistics follow: posts scheduled for days sit
``pending`` in the future, then all fall due at once, or the table was analysed when nearly
every job was ``done``. On such statistics PostgreSQL estimated one due row and chose to read
every due job, test each for being its account's head, and sort them: one claim over a
100,000-post backlog took 650 ms, and a worker published 130 posts/s instead of 900
(docs/performance.md). The test makes the statistics stale the same way and reads the plan
of the claim's candidate query as the claim runs it (same connection, same transaction).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, insert, text, update

from lowtato.jobs import Job, Registry, Worker
from lowtato.kit import clock
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id

KEYS = 30
DUE = 20_000


def _rows(status: str, count: int, *, due_in: timedelta) -> list[dict[str, Any]]:
    now = clock.now()
    return [
        {
            "id": new_id("job"),
            "kind": "publish",
            "key": f"publish:{i}",
            "payload": {},
            "run_at": now + due_in,
            "status": status,
            "attempts": 0,
            "lease_token": 0,
            "serial_key": f"acc_{i % KEYS}",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]


async def _stale_statistics(db: Database) -> None:
    """Statistics taken while a burst was scheduled for next year; then it is moved to now
    (as "publish now" on many posts does, or an agent moving its schedule)."""
    async with db.transaction() as session:
        await session.execute(insert(Job), _rows("pending", DUE, due_in=timedelta(days=365)))
    if db.engine.dialect.name == "postgresql":
        async with db.engine.connect() as conn:
            auto = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await auto.execute(text("ANALYZE jobs"))
    async with db.transaction() as session:
        await session.execute(update(Job).values(run_at=clock.now() - timedelta(minutes=1)))


async def test_a_claim_walks_the_due_index_in_order_on_stale_statistics(
    db: Database, registry: Registry
) -> None:
    registry.register("publish")(lambda ctx: None)
    await _stale_statistics(db)
    postgres = db.engine.dialect.name == "postgresql"
    plans: list[str] = []

    def explain(conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.startswith("SELECT jobs.id, jobs.serial_key"):
            return
        cursor = conn.connection.cursor()
        prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
        cursor.execute(prefix + statement, parameters)
        plans.append("\n".join(str(row[-1]) for row in cursor.fetchall()))
        cursor.close()

    event.listen(db.engine.sync_engine, "after_cursor_execute", explain)
    try:
        claimed = await Worker(db, registry, worker_id="w1").claim(8)
    finally:
        event.remove(db.engine.sync_engine, "after_cursor_execute", explain)
    assert len(claimed) == 8
    [plan] = plans
    assert "ix_jobs_status_run_at" in plan, plan
    # An ordered walk needs no sort (SQLite's is a temporary B-tree); a bitmap scan reads
    # every due row before the limit applies; the head test probes an index per candidate.
    for node in ("Sort", "Bitmap", "TEMP B-TREE", "Seq Scan on jobs", "SCAN jobs"):
        assert node not in plan, plan
