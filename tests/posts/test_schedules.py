"""/api/v1/schedules: listing, pagination, edits and their conflicts."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from tests.api import connect, create_post, error, later
from tests.conftest import Owner


async def test_pagination(client: httpx.AsyncClient, owner: Owner) -> None:
    account = await connect(client, owner)
    ids = [
        (
            await create_post(client, owner, account, f"p{i}", scheduledTime=later(hours=i + 1))
        ).json()["id"]
        for i in range(5)
    ]
    await create_post(client, owner, account, "a draft is not scheduled")

    async def page(limit: int, offset: int) -> dict[str, object]:
        response = await client.get(
            f"/api/v1/schedules?limit={limit}&offset={offset}", headers=owner.headers
        )
        assert response.status_code == 200
        return dict(response.json())

    first = await page(2, 0)
    assert [p["id"] for p in first["scheduledPosts"]] == ids[:2]  # type: ignore[attr-defined]
    assert first["meta"] == {"limit": 2, "offset": 0, "count": 5, "has_more": True}
    last = await page(2, 4)
    assert [p["id"] for p in last["scheduledPosts"]] == ids[4:]  # type: ignore[attr-defined]
    assert last["meta"] == {"limit": 2, "offset": 4, "count": 5, "has_more": False}
    beyond = await page(100, 10)
    assert beyond["scheduledPosts"] == [] and beyond["meta"]["has_more"] is False  # type: ignore[index]
    assert beyond["meta"]["count"] == 5  # type: ignore[index]  # counted though the page is empty
    exact = await page(5, 0)
    assert exact["meta"]["has_more"] is False  # type: ignore[index]
    summary = first["scheduledPosts"][0]  # type: ignore[index]
    assert set(summary) == {
        "id",
        "content_text",
        "target_type",
        "social_account_id",
        "scheduled_time",
        "status",
    }

    for bad in ("limit=101", "limit=0", "offset=-1", "limit=abc"):
        response = await client.get(f"/api/v1/schedules?{bad}", headers=owner.headers)
        assert response.status_code == 400, bad
        assert error(response)["code"] == "validation_error"


async def test_patch_revalidates_and_moves_time(client: httpx.AsyncClient, owner: Owner) -> None:
    account = await connect(client, owner)
    post_id = (await create_post(client, owner, account, scheduledTime=later())).json()["id"]
    new_time = later(days=2)
    response = await client.patch(
        f"/api/v1/schedules/{post_id}", headers=owner.headers,
        json={"content_text": "edited", "scheduled_time": new_time},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["content_text"] == "edited"
    assert response.json()["scheduled_time"][:19] == new_time[:19]
    too_long = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                                  json={"content_text": "x" * 281})  # fmt: skip
    assert too_long.status_code == 400
    past = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                              json={"scheduled_time": "2020-01-01T00:00:00Z"})  # fmt: skip
    assert past.status_code == 400
    forbidden = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                                   json={"status": "published"})  # fmt: skip
    assert forbidden.status_code == 400
    post = (await client.get(f"/api/v1/schedules/{post_id}", headers=owner.headers)).json()
    assert post["content_text"] == "edited" and post["status"] == "scheduled"


async def test_patch_or_delete_published_is_conflict(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    account = await connect(client, owner)
    post_id = (await create_post(client, owner, account, scheduledTime=later())).json()["id"]
    async with app.state.db.transaction() as session:
        await session.execute(
            text("UPDATE posts SET status = 'published' WHERE id = :id"), {"id": post_id}
        )
    response = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                                  json={"content_text": "too late"})  # fmt: skip
    assert response.status_code == 409
    assert error(response)["code"] == "conflict"
    assert (
        await client.delete(f"/api/v1/schedules/{post_id}", headers=owner.headers)
    ).status_code == 409
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["content_text"] == "hello" and post["status"] == "published"


async def test_delete_schedule(client: httpx.AsyncClient, owner: Owner) -> None:
    account = await connect(client, owner)
    post_id = (await create_post(client, owner, account, scheduledTime=later())).json()["id"]
    response = await client.delete(f"/api/v1/schedules/{post_id}", headers=owner.headers)
    assert response.json() == {"deleted": True}
    listed = (await client.get("/api/v1/schedules", headers=owner.headers)).json()
    assert listed["scheduledPosts"] == []
