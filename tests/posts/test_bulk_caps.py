"""POST /api/v1/posts/bulk caps the posts one request can create: items times platforms ≤ 50 in
total and, per item, at most one entry per platform. Over a cap is a 400 naming the field, and
nothing is created."""

from __future__ import annotations

import httpx
from tests.api import connect, error
from tests.conftest import Owner

from lowtato.platforms.names import PLATFORMS


async def _count(client: httpx.AsyncClient, owner: Owner) -> int:
    listed = await client.get("/api/v1/posts", headers=owner.headers)
    return int(listed.json()["meta"]["count"])


async def _bulk(client: httpx.AsyncClient, owner: Owner, items: list[object]) -> httpx.Response:
    return await client.post("/api/v1/posts/bulk", headers=owner.headers, json={"posts": items})


async def test_items_times_platforms_over_50_is_400(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    await connect(client, owner, "twitter", "t1")
    await connect(client, owner, "linkedin", "l1")
    # 26 items times 2 platforms = 52 posts, though only 26 items.
    item = {"content": "hi", "platforms": ["twitter", "linkedin"]}
    response = await _bulk(client, owner, [item] * 26)
    assert response.status_code == 400, response.text[:300]
    body = error(response)
    assert body["code"] == "validation_error"
    assert body["details"][0]["field"] == "posts"
    assert "52" in body["message"] and "50" in body["message"]
    assert await _count(client, owner) == 0
    ok = await _bulk(client, owner, [item] * 25)
    assert ok.status_code == 201 and ok.json()["created"] == 50


async def test_a_platform_named_twice_in_an_item_is_400(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    await connect(client, owner, "twitter", "t1")
    items = [
        {"content": "fine", "platforms": ["twitter"]},
        {"content": "twice", "platforms": ["twitter", " Twitter"]},
    ]
    response = await _bulk(client, owner, items)
    assert response.status_code == 400, response.text[:300]
    assert error(response)["details"][0]["field"] == "posts[1].platforms"
    assert await _count(client, owner) == 0


async def test_an_item_may_name_at_most_every_platform_once(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    await connect(client, owner, "twitter", "t1")
    names = [*PLATFORMS, "myspace"]
    response = await _bulk(client, owner, [{"content": "hi", "platforms": names}])
    assert response.status_code == 400, response.text[:300]
    detail = error(response)["details"][0]
    assert detail["field"] == "posts[0].platforms"
    assert str(len(PLATFORMS)) in detail["message"]
    assert await _count(client, owner) == 0


async def test_a_huge_platforms_list_is_refused_without_creating_posts(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    await connect(client, owner, "twitter", "t1")
    response = await _bulk(client, owner, [{"content": "hi", "platforms": ["twitter"] * 2000}])
    assert response.status_code == 400, response.text[:300]
    assert error(response)["details"][0]["field"] == "posts[0].platforms"
    assert await _count(client, owner) == 0


async def test_long_texts_are_reported_per_item_as_before(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    await connect(client, owner, "twitter", "t1")
    await connect(client, owner, "facebook", "f1")
    long_text = "word " * 2_000  # long enough to be checked before the write transaction
    items = [
        {"content": "fine", "platforms": ["twitter"]},
        {"content": long_text, "platforms": ["twitter", "facebook"]},
        {"content": long_text, "platforms": ["pinterest"]},
    ]
    response = await _bulk(client, owner, items)
    assert response.status_code == 201, response.text[:300]
    body = response.json()
    assert [(p["index"], p["platform"]) for p in body["posts"]] == [(0, "twitter"), (1, "facebook")]
    errors = {(e["index"], e["platform"]): e["error"] for e in body["errors"]}
    assert set(errors) == {(1, "twitter"), (2, "pinterest")}
    assert "10000 weighted characters" in errors[(1, "twitter")]["message"]
    assert "no connected pinterest account" in errors[(2, "pinterest")]["message"]
    assert await _count(client, owner) == 2
