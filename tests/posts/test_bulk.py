"""POST /api/v1/posts/bulk."""

from __future__ import annotations

import httpx
from tests.api import connect, error, later
from tests.conftest import Owner


async def test_mixed_good_and_bad_items(client: httpx.AsyncClient, owner: Owner) -> None:
    twitter = await connect(client, owner, "twitter", "t1")
    await connect(client, owner, "linkedin", "l1")
    await connect(client, owner, "bluesky", "b1")
    await connect(client, owner, "bluesky", "b2")
    response = await client.post(
        "/api/v1/posts/bulk", headers=owner.headers,
        json={"posts": [
            {"content": "to two platforms", "platforms": ["twitter", "linkedin"], "scheduled_at": later()},
            {"content": "x" * 300, "platforms": ["twitter"]},
            {"content": "ambiguous", "platforms": ["bluesky"]},
            {"content": "nowhere", "platforms": ["myspace"]},
            {"content": "explicit", "platforms": ["twitter"], "account_id": twitter},
            {"content": "no account", "platforms": ["pinterest"]},
        ]},
    )  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 3 and body["failed"] == 4
    assert [(p["index"], p["platform"], p["status"]) for p in body["posts"]] == [
        (0, "twitter", "scheduled"), (0, "linkedin", "scheduled"), (4, "twitter", "draft"),
    ]  # fmt: skip
    errors = {(e["index"], e["platform"]): e["error"] for e in body["errors"]}
    assert set(errors) == {(1, "twitter"), (2, "bluesky"), (3, "myspace"), (5, "pinterest")}
    assert "280" in errors[(1, "twitter")]["message"]
    assert "2 bluesky accounts" in errors[(2, "bluesky")]["message"]
    listed = (await client.get("/api/v1/posts", headers=owner.headers)).json()
    assert listed["meta"]["count"] == 3


async def test_limits(client: httpx.AsyncClient, owner: Owner) -> None:
    await connect(client, owner)
    item = {"content": "x", "platforms": ["twitter"]}
    too_many = await client.post(
        "/api/v1/posts/bulk", headers=owner.headers, json={"posts": [item] * 51}
    )
    assert too_many.status_code == 400
    assert error(too_many)["details"][0]["field"] == "posts"
    ok = await client.post("/api/v1/posts/bulk", headers=owner.headers, json={"posts": [item] * 50})
    assert ok.status_code == 201 and ok.json()["created"] == 50


async def test_bulk_idempotency(client: httpx.AsyncClient, owner: Owner) -> None:
    await connect(client, owner)
    headers = {**owner.headers, "Idempotency-Key": "bulk-1"}
    body = {"posts": [{"content": "x", "platforms": ["twitter"]}]}
    first = await client.post("/api/v1/posts/bulk", headers=headers, json=body)
    again = await client.post("/api/v1/posts/bulk", headers=headers, json=body)
    assert again.status_code == 200 and again.json() == first.json()
    assert (await client.get("/api/v1/posts", headers=owner.headers)).json()["meta"]["count"] == 1
