"""Fault chaos (PostgreSQL): two real `lowtato worker` processes publish to the X and Bluesky
contract fakes with their live adapters while the workers are SIGKILLed and SIGSTOPped at
random, and the fakes, after creating a post, answer too late (accept-then-hang) or cut the
connection mid-answer (accept-then-reset). Every post must end `published` or `failed`, none
twice on the platform, none lost.

`.ci/run` runs 200 posts; `LOWTATO_FAULT_CHAOS_POSTS=1000 ./dev test
tests/engine/test_fault_chaos.py` (with LOWTATO_TEST_DATABASE_URL on PostgreSQL) is the long
form. X posts whose send a kill cut short are published again only after X's settle time (a
lookup miss is conclusive 3 minutes after the send), so a run takes a few minutes.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select, update
from tests.conftest import PG_URL, OwnerFactory, client_for
from tests.engine.chaos import Chaos, count
from tests.fakes import bluesky as bsky
from tests.fakes import x as xfake
from tests.fakes.fixtures import FAKE_PREFIXES, Fakes

from lowtato.jobs.models import Job
from lowtato.posts.models import Post

POSTS = int(os.environ.get("LOWTATO_FAULT_CHAOS_POSTS", "200"))
ACCOUNTS = 20  # per platform: X allows 100 posts per user per 15 minutes
HANG, RESET = 0.05, 0.05  # of creates: the post exists, the answer is lost
CHAOS_SECONDS = 25.0
SEED = int(os.environ.get("LOWTATO_CHAOS_SEED", "20261205"))

pytestmark = pytest.mark.skipif(
    not PG_URL,
    reason="needs PostgreSQL (LOWTATO_TEST_DATABASE_URL): on the embedded SQLite default the "
    "worker runs inside the API process, so there is no separate worker process to kill",
)


async def _connect(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, str]) -> str:
    response = await client.post("/api/v1/accounts/connect", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_faults_kills_and_stops_never_duplicate_or_lose_a_post(
    live_app: FastAPI, make_owner: OwnerFactory, fakes: Fakes, tmp_path: Path
) -> None:
    owner = await make_owner(livemode=True, plan="agency")
    accounts: list[str] = []
    dids: list[str] = []
    async with client_for(live_app) as client:
        for n in range(ACCOUNTS):
            token, _ = xfake.seed_account(fakes.state, f"{1000 + n}", f"chaos_{n}")
            accounts.append(await _connect(client, owner.headers, {
                "platform": "twitter", "access_token": token, "platform_user_id": f"{1000 + n}"}))  # fmt: skip
            seeded = bsky.seed_account(fakes.state, f"chaos{n}.test")
            dids.append(seeded.did)
            accounts.append(await _connect(client, owner.headers, {
                "platform": "bluesky", "access_token": seeded.password,
                "platform_username": seeded.handle, "platform_user_id": seeded.did}))  # fmt: skip
        due = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
        items = [{"content": f"fault chaos post {n}", "account_id": accounts[n % len(accounts)],
                  "platforms": ["twitter" if n % 2 == 0 else "bluesky"], "scheduled_at": due}
                 for n in range(POSTS)]  # fmt: skip
        for batch in range(0, POSTS, 50):
            response = await client.post(
                "/api/v1/posts/bulk",
                headers=owner.headers,
                json={"posts": items[batch : batch + 50]},
            )
            assert response.json()["created"] == len(items[batch : batch + 50]), response.text
    async with live_app.state.db.transaction() as session:  # all due together, now
        now = datetime.now(UTC)
        await session.execute(update(Post).values(scheduled_time=now))
        await session.execute(update(Job).where(Job.kind == "posts.publish").values(run_at=now))

    fakes.state.hang_seconds = 3.0  # longer than the workers' platform timeout
    fakes.state.chaos("x", "/2/tweets", hang=HANG, reset=RESET)
    fakes.state.chaos("bluesky", "com.atproto.repo.createRecord", hang=HANG, reset=RESET)
    env = {
        "LOWTATO_PLATFORM_TIMEOUT_SECONDS": "2",
        "LOWTATO_PLATFORMS__TWITTER__BASE_URL": fakes.url + FAKE_PREFIXES["twitter"],
        "LOWTATO_PLATFORMS__BLUESKY__BASE_URL": fakes.url + FAKE_PREFIXES["bluesky"],
    }
    loop = asyncio.get_running_loop()
    chaos = Chaos(tmp_path, env, SEED)
    settled = select(func.count()).where(Post.status.in_(["published", "failed"]))
    try:
        await chaos.run(CHAOS_SECONDS)
        deadline = loop.time() + 420 + POSTS / 4
        while await count(live_app, settled) < POSTS:
            assert loop.time() < deadline, f"{await count(live_app, settled)} of {POSTS} settled"
            await asyncio.sleep(1.0)
    finally:
        chaos.stop()

    async with live_app.state.db.sessionmaker() as session:
        rows = (await session.execute(select(Post.status, Post.error_code))).all()
        recovered = await session.scalar(select(func.count()).where(Post.recoveries > 0))
    tweets = Counter(t.text for t in xfake.store(fakes.state).tweets.values() if not t.deleted)
    records = Counter(
        str(r["value"]["text"]) for did in dids for r in bsky.records(fakes.state, did)
    )
    statuses = Counter(status for status, _ in rows)
    failed_by_code = Counter(code for status, code in rows if status == "failed")
    duplicates = sum(1 for n in (tweets + records).values() if n > 1)
    lost = POSTS - statuses["published"] - statuses["failed"]
    print(
        f"\nfault chaos: posts={POSTS} kills={chaos.kills} stops={chaos.stops} "
        f"faults={dict(fakes.state.faults_dealt)} published={statuses['published']} "
        f"failed={dict(failed_by_code)} duplicates={duplicates} lost={lost} "
        f"published_again_after_verified_absent={recovered}"
    )
    assert chaos.kills >= 8 and chaos.stops >= 2
    assert sum(fakes.state.faults_dealt.values()) > 0
    assert duplicates == 0
    assert lost == 0
    # every published post is on the platform exactly once
    assert sum(tweets.values()) + sum(records.values()) == statuses["published"]
