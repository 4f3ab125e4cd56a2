"""A fresh embedded install: the demo owner's test key can publish in one call."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from tests.conftest import SECRET

from lowtato.cli.demo import bootstrap_demo
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso


async def test_first_start_bootstraps_a_demo_that_publishes(
    app: FastAPI, client: httpx.AsyncClient, worker: Worker, frozen: FrozenClock
) -> None:
    made = await bootstrap_demo(app.state.db, SECRET.encode(), app.state.keyring)
    assert made is not None and made.test_key.startswith("lt_test_")
    assert await bootstrap_demo(app.state.db, SECRET.encode(), app.state.keyring) is None
    headers = {"x-api-key": made.test_key}
    accounts = (await client.get("/api/v1/accounts", headers=headers)).json()["accounts"]
    assert sorted(a["platform"] for a in accounts) == sorted(made.accounts)
    assert len(accounts) == 9 and all(a["sandbox"] for a in accounts)
    boards = (
        await client.get(
            f"/api/v1/accounts/{made.accounts['pinterest']}/subaccounts", headers=headers
        )
    ).json()
    assert boards["subaccounts"][0]["type"] == "pinterest_board"

    # the README quick start: one curl schedules, the worker publishes
    response = await client.post("/api/v1/posts", headers=headers, json={
        "post": {"accountId": made.accounts["bluesky"], "content": {"text": "Hello from Lowtato"}},
        "scheduledTime": iso(frozen.now() + timedelta(minutes=1))})  # fmt: skip
    assert response.status_code == 201
    frozen.advance(timedelta(minutes=1))
    await worker.run_once()
    post = (await client.get(f"/api/v1/posts/{response.json()['id']}", headers=headers)).json()
    assert post["status"] == "published" and "/sandbox/bluesky/" in post["public_url"]
