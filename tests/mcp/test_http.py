"""MCP over streamable HTTP at /mcp on the served app: tools listed with annotations, a post
created, published and read back with a test key, API errors as tool errors, and no key →
401 before any tool runs."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from tests.conftest import Owner, OwnerFactory
from tests.mcp.helpers import check_errors, check_tools, create_publish_get, data, mcp_client

from lowtato.client import AsyncLowtato


async def test_tools_over_http(served: tuple[FastAPI, str], make_owner: OwnerFactory) -> None:
    _, url = served
    owner = await make_owner()
    async with AsyncLowtato(owner.key, base_url=url) as lt:
        account = await lt.accounts.connect("bluesky", "pw", platform_user_id="did:plc:m")
    async with mcp_client(url, {"x-api-key": owner.key}) as client:
        await check_tools(client)
        post = await create_publish_get(client, account.id)
        assert post["status"] == "published" and "/sandbox/bluesky/" in post["public_url"]
        await check_errors(client)
        listed = data(await client.call_tool("list_accounts", {}))
        assert [a["id"] for a in listed["accounts"]] == [account.id]


async def test_bearer_key_and_scopes_are_the_apis(
    served: tuple[FastAPI, str], make_owner: OwnerFactory
) -> None:
    _, url = served
    reader = await make_owner(scopes=["posts:read"])
    async with mcp_client(url, {"Authorization": f"Bearer {reader.key}"}) as client:
        assert data(await client.call_tool("list_posts", {}))["posts"] == []
        refused = await client.call_tool("list_accounts", {})
        assert refused.is_error
        assert "missing_scope" in str(refused.content)


async def test_no_key_is_401_before_any_tool(served: tuple[FastAPI, str], owner: Owner) -> None:
    _, url = served
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
    accept = {"accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(base_url=url) as http:
        for headers in ({}, {"x-api-key": "lt_test_wrong"}, {"authorization": "Basic abc"}):
            response = await http.post("/mcp", json=call, headers={**accept, **headers})
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthorized"


async def test_concurrent_callers_each_get_their_own_data(
    served: tuple[FastAPI, str], make_owner: OwnerFactory
) -> None:
    _, url = served
    owners = [await make_owner() for _ in range(3)]
    expected = {}
    for n, owner in enumerate(owners):
        async with AsyncLowtato(owner.key, base_url=url) as lt:
            account = await lt.accounts.connect("bluesky", "pw", platform_user_id=f"did:plc:{n}")
            expected[owner.key] = [account.id]

    async def accounts_seen(key: str) -> list[str]:
        async with mcp_client(url, {"x-api-key": key}) as client:
            calls = [client.call_tool("list_accounts", {}) for _ in range(3)]
            answers = [data(r)["accounts"] for r in await asyncio.gather(*calls)]
        assert answers[0] == answers[1] == answers[2]
        return [a["id"] for a in answers[0]]

    seen = await asyncio.gather(*(accounts_seen(o.key) for o in owners))
    assert dict(zip(expected, seen, strict=True)) == expected
