"""A post text longer than any platform could take is refused before it is counted: counting
is CPU work on the server (X's weighted count of a megabyte of short URLs took seconds)."""

from __future__ import annotations

import httpx
from tests.api import connect, create_post, error
from tests.conftest import Owner

from lowtato.posts.service import MAX_TEXT_CHARS


async def test_a_text_over_the_cap_is_400_without_counting(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    account = await connect(client, owner)
    text = "a.co " * (MAX_TEXT_CHARS // 5) + "x"
    response = await create_post(client, owner, account, text)
    assert response.status_code == 400
    detail = error(response)["details"][0]
    assert detail["field"] == "content.text"
    assert detail["message"] == (
        f"text is {len(text)} characters; no platform takes more than {MAX_TEXT_CHARS}"
    )
    listed = await client.get("/api/v1/posts", headers=owner.headers)
    assert listed.json()["meta"]["count"] == 0


async def test_a_long_text_within_the_cap_is_still_counted(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    account = await connect(client, owner, "facebook", "f1")
    ok = await create_post(client, owner, account, "word " * 12_000)
    assert ok.status_code == 201, ok.text[:300]
    too_long = await create_post(client, owner, account, "word " * 13_000)
    assert too_long.status_code == 400
    assert "63206" in error(too_long)["message"]
