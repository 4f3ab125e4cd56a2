"""The tools beyond create → publish → get, over streamable HTTP at /mcp with a test key:
webhook deliveries and redelivery, media, per-post analytics, bulk create, post delete,
billing, accounts, and a bad id as a `not_found` tool error."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from fastapi import FastAPI
from mcp import Client
from tests.conftest import OwnerFactory
from tests.fakes.media_files import FILES
from tests.mcp.helpers import data, error_text, mcp_client
from tests.webhooks.conftest import Receiver

Call = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]


@pytest.fixture
async def tools(served: tuple[FastAPI, str], make_owner: OwnerFactory) -> Client:
    """An MCP client of /mcp with a new owner's test key, for ``async with`` in the test
    (its task group must open and close in the test's task)."""
    _, url = served
    owner = await make_owner()
    return mcp_client(url, {"x-api-key": owner.key})


def caller(client: Client) -> Call:
    async def call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return data(await client.call_tool(name, arguments))

    return call


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    """Wait for the embedded worker to do something (it polls every second)."""
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the worker did not get there in time")


async def bluesky(call: Call, user: str = "did:plc:mcp") -> str:
    account = await call(
        "connect_account",
        {"platform": "bluesky", "access_token": "app-password", "platform_user_id": user},
    )
    assert account["platform"] == "bluesky" and account["connected"] is True
    return str(account["id"])


async def test_webhook_deliveries_redeliver_and_secret(tools: Client) -> None:
    async with tools as client:
        call = caller(client)
        receiver = await Receiver().start()
        try:
            hook = await call(
                "create_webhook", {"url": receiver.url, "events": ["account.connected"]}
            )
            assert hook["secret"].startswith("whsec_")
            await bluesky(call)  # account.connected → one delivery

            async def delivered() -> bool:
                log = await call("list_webhook_deliveries", {"webhook_id": hook["id"]})
                return [d["status"] for d in log["deliveries"]] == ["succeeded"]

            await until(delivered)
            log = await call("list_webhook_deliveries", {"webhook_id": hook["id"]})
            [first] = log["deliveries"]
            assert first["event_type"] == "account.connected" and first["attempts"] == 1
            assert first["response_status"] == 200 and first["next_attempt_at"] is None
            assert log["meta"]["count"] == 1 and log["meta"]["has_more"] is False

            again = await call(
                "redeliver_webhook", {"webhook_id": hook["id"], "delivery_id": first["id"]}
            )
            assert again["redelivery_of"] == first["id"] and again["id"] != first["id"]

            async def received_twice() -> bool:
                return len(receiver.received) == 2

            await until(received_twice)
            assert receiver.received[1].body == receiver.received[0].body
            failed = await call(
                "list_webhook_deliveries", {"webhook_id": hook["id"], "status": "failed"}
            )
            assert failed["deliveries"] == []

            rotated = await call("rotate_webhook_secret", {"webhook_id": hook["id"]})
            assert rotated["secret"].startswith("whsec_") and rotated["secret"] != hook["secret"]
            assert rotated["previous_secret_expires_at"]
            test = await call("send_test_webhook", {"webhook_id": hook["id"]})
            assert test["event_type"] == "webhook.test"
            got = await call("get_webhook", {"webhook_id": hook["id"]})
            assert got["url"] == receiver.url and "secret" not in got

            missing = await client.call_tool(
                "redeliver_webhook", {"webhook_id": hook["id"], "delivery_id": "whd_missing"}
            )
            assert error_text(missing).startswith("not_found: ")
        finally:
            await receiver.close()


async def test_media_get_and_delete(tools: Client) -> None:
    async with tools as client:
        call = caller(client)
        _, png = FILES["cat.png"]
        uploaded = await call(
            "upload_media",
            {"base64_data": base64.b64encode(png).decode(), "mime_type": "image/png"},
        )
        got = await call("get_media", {"media_id": uploaded["id"]})
        assert got["id"] == uploaded["id"] and got["kind"] == "image" and got["size"] == len(png)
        account = await bluesky(call)
        post = await call(
            "create_post", {"account_id": account, "text": "cat", "media_urls": [uploaded["url"]]}
        )
        in_use = await client.call_tool("delete_media", {"media_id": uploaded["id"]})
        assert error_text(in_use).startswith("conflict: ") and post["id"] in error_text(in_use)

        assert await call("delete_post", {"post_id": post["id"]}) == {"deleted": True}
        assert await call("delete_media", {"media_id": uploaded["id"]}) == {"deleted": True}
        gone = await client.call_tool("get_media", {"media_id": uploaded["id"]})
        assert error_text(gone).startswith("not_found: ")
        gone_post = await client.call_tool("get_post", {"post_id": post["id"]})
        assert error_text(gone_post).startswith("not_found: ")


async def test_bulk_create_and_post_analytics(tools: Client) -> None:
    async with tools as client:
        call = caller(client)
        account = await bluesky(call)
        bulk = await call(
            "create_posts_bulk",
            {"posts": [{"content": "one", "platforms": ["bluesky"]},
                       {"content": "two", "platforms": ["bluesky"], "account_id": account},
                       {"content": "three", "platforms": ["twitter"]}]},
        )  # fmt: skip
        assert bulk["created"] == 2 and bulk["failed"] == 1
        assert [p["index"] for p in bulk["posts"]] == [0, 1]
        assert bulk["errors"][0]["index"] == 2 and bulk["errors"][0]["platform"] == "twitter"

        post_id = bulk["posts"][0]["id"]
        draft = await call("get_post_analytics", {"post_id": post_id})
        assert draft["published_at"] is None and draft["snapshots"] == []
        published = await call("publish_post", {"post_id": post_id})
        assert published["status"] == "published", published
        stats = await call("get_post_analytics", {"post_id": post_id})
        assert stats["post_id"] == post_id and stats["platform"] == "bluesky"
        assert stats["published_at"] is not None and stats["latest"] is None

        missing = await client.call_tool("get_post_analytics", {"post_id": "post_missing"})
        assert error_text(missing).startswith("not_found: ")
        refused = await client.call_tool("create_posts_bulk", {"posts": []})
        assert refused.is_error  # the tool's schema: at least one item


async def test_billing_tools(tools: Client) -> None:
    async with tools as client:
        call = caller(client)
        billing = await call("get_billing", {})
        assert billing["plan"] == "starter" and billing["configured"] is False
        assert billing["subscription_status"] is None and billing["card_on_file"] is False
        # This server takes no payments: both say so with the API's code.
        checkout = await client.call_tool("start_checkout", {"plan": "creator"})
        assert error_text(checkout).startswith("not_found: ")
        cancel = await client.call_tool("cancel_subscription", {})
        assert error_text(cancel).startswith("not_found: ")
        bad_plan = await client.call_tool("start_checkout", {"plan": "platinum"})
        assert bad_plan.is_error and "platinum" in error_text(bad_plan)
        assert (await call("list_purchases", {}))["count"] == 0


async def test_account_tools(tools: Client) -> None:
    async with tools as client:
        call = caller(client)
        account = await bluesky(call)
        assert (await call("list_subaccounts", {"account_id": account}))["subaccounts"] == []
        link = await call("create_connect_link", {"platform": "linkedin"})
        assert "/sandbox/oauth/linkedin/authorize?" in link["url"] and link["state"]
        assert await call("disconnect_account", {"account_id": account}) == {"deleted": True}
        assert (await call("list_accounts", {}))["accounts"] == []
        again = await client.call_tool("disconnect_account", {"account_id": account})
        assert error_text(again).startswith("not_found: ")
