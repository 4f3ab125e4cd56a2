"""What the MCP tests share: the tool names, a client of /mcp, and the create → publish →
get run."""

from __future__ import annotations

import json
from typing import Any

from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.types import CallToolResult, TextContent

READ_ONLY = {
    "list_accounts", "get_post", "list_posts", "list_scheduled_posts", "list_slots",
    "browse_marketplace", "get_source", "analytics_summary", "get_credits", "get_profile",
    "get_brand_kit", "list_platforms", "list_webhooks", "get_webhook",
    "list_webhook_deliveries", "get_media", "get_post_analytics", "get_billing",
    "list_subaccounts", "list_purchases",
}  # fmt: skip
DESTRUCTIVE = {
    "update_scheduled_post", "delete_scheduled_post", "delete_slot", "auto_configure_schedule",
    "update_profile", "update_brand_kit", "update_webhook", "delete_webhook", "delete_media",
    "delete_post", "rotate_webhook_secret", "disconnect_account", "cancel_subscription",
}  # fmt: skip
OTHERS = {
    "create_post", "publish_post", "purchase_account", "create_slot", "generate_post",
    "generate_image", "submit_source", "upload_media", "complete_onboarding", "create_webhook",
    "create_posts_bulk", "redeliver_webhook", "send_test_webhook", "connect_account",
    "create_connect_link", "start_checkout",
}  # fmt: skip
ALL_TOOLS = READ_ONLY | DESTRUCTIVE | OTHERS


def mcp_client(url: str, headers: dict[str, str]) -> Client:
    """An MCP client of the served app's /mcp endpoint, sending ``headers`` (the key)."""
    http = create_mcp_http_client(headers=headers)
    return Client(streamable_http_client(f"{url}/mcp", http_client=http))


def error_text(result: CallToolResult) -> str:
    assert result.is_error, text(result)
    return text(result)


def text(result: CallToolResult) -> str:
    return "".join(c.text for c in result.content if isinstance(c, TextContent))


def data(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text(result)
    if result.structured_content is not None:
        return dict(result.structured_content)
    return dict(json.loads(text(result)))


async def check_tools(client: Client) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == ALL_TOOLS
    for name, tool in tools.items():
        hints = tool.annotations
        assert hints is not None, name
        assert hints.read_only_hint is (name in READ_ONLY), name
        assert hints.destructive_hint is (name in DESTRUCTIVE), name
        assert tool.input_schema.get("additionalProperties") is False, name
        assert tool.description, name
    assert "post_id" in tools["get_post"].input_schema["properties"]


async def create_publish_get(client: Client, account_id: str) -> dict[str, Any]:
    created = data(await client.call_tool("create_post", {"account_id": account_id,
                                                          "text": "Hello from MCP"}))  # fmt: skip
    assert created["status"] == "draft"
    published = data(await client.call_tool("publish_post", {"post_id": created["id"]}))
    assert published["status"] == "published", published
    return data(await client.call_tool("get_post", {"post_id": created["id"]}))


async def check_errors(client: Client) -> None:
    missing = await client.call_tool("get_post", {"post_id": "post_missing"})
    assert missing.is_error and text(missing).startswith("not_found: "), text(missing)
    extra = await client.call_tool("get_post", {"post_id": "post_x", "colour": "red"})
    assert extra.is_error and "colour" in text(extra)
