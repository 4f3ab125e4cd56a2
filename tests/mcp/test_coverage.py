"""Every route the app serves is either an MCP tool or listed here with the reason it is not
one, so a new API-key route without a tool fails this test."""

from __future__ import annotations

from fastapi import FastAPI
from tests.dashboard.helpers import dashboard_routes

from lowtato.kit.openapi import api_routes, operation_id
from lowtato.mcp.server import build_server

# operationId → the tool that calls it.
TOOL_FOR: dict[str, str] = {
    "platforms": "list_platforms",
    "getProfile": "get_profile",
    "updateProfile": "update_profile",
    "getBrandKit": "get_brand_kit",
    "putBrandKit": "update_brand_kit",
    "completeOnboarding": "complete_onboarding",
    "listAccounts": "list_accounts",
    "listSubaccounts": "list_subaccounts",
    "connect": "connect_account",
    "connectLink": "create_connect_link",
    "disconnect": "disconnect_account",
    "createPost": "create_post",
    "createBulk": "create_posts_bulk",
    "publishNow": "publish_post",
    "listPosts": "list_posts",
    "getPost": "get_post",
    "deletePost": "delete_post",
    "listSchedules": "list_scheduled_posts",
    "updateSchedule": "update_scheduled_post",
    "deleteSchedule": "delete_scheduled_post",
    "listSlots": "list_slots",
    "createSlots": "create_slot",
    "deleteSlot": "delete_slot",
    "autoConfigure": "auto_configure_schedule",
    "upload": "upload_media",
    "getMedia": "get_media",
    "deleteMedia": "delete_media",
    "createWebhook": "create_webhook",
    "listWebhooks": "list_webhooks",
    "getWebhook": "get_webhook",
    "updateWebhook": "update_webhook",
    "deleteWebhook": "delete_webhook",
    "listDeliveries": "list_webhook_deliveries",
    "redeliver": "redeliver_webhook",
    "sendTest": "send_test_webhook",
    "rotateSecret": "rotate_webhook_secret",
    "createSource": "submit_source",
    "getSource": "get_source",
    "getCredits": "get_credits",
    "getSummary": "analytics_summary",
    "getPostAnalytics": "get_post_analytics",
    "listMarketplace": "browse_marketplace",
    "purchase": "purchase_account",
    "listPurchases": "list_purchases",
    "getBilling": "get_billing",
    "postCheckout": "start_checkout",
    "postCancel": "cancel_subscription",
    "generate": "generate_post",
    "createImage": "generate_image",
}

# operationId → why no tool calls it.
NOT_A_TOOL: dict[str, str] = {
    "metricsEndpoint": "Prometheus scrape target for the operator, off by default and behind its "
    "own token (not an API key); nothing an agent acts on",
    "health": "server health for load balancers and monitors, no API key; an MCP client that "
    "lists tools already knows the server answers",
    "getLlmsTxt": "discovery document an agent reads before it connects (no key)",
    "getAgentCard": "discovery document an agent reads before it connects (no key)",
    "getPricing": "discovery document an agent reads before it connects (no key)",
    "getSitemap": "for crawlers",
    "getSchedule": "the same answer as get_post: a scheduled post's id is its post id",
    "deleteWebhookByBody": "the body-addressed alias of deleteWebhook (delete_webhook)",
    "sandboxPost": "the sandbox network's public HTML page of a post, for browsers",
    "mediaFile": "a public file's bytes, fetched by platforms without a key",
    "stripeWebhook": "called by Stripe, signed with the Stripe secret, not by API keys",
    "billingSuccess": "the browser page Stripe Checkout returns to",
    "billingCancelled": "the browser page Stripe Checkout returns to",
    "callback": "the OAuth callback the platform redirects a browser to",
    "sandboxAuthorize": "the sandbox consent page a human opens from create_connect_link",
}


async def test_every_route_is_a_tool_or_says_why_not(app: FastAPI) -> None:
    dashboard = dashboard_routes()  # a person's pages and forms (session), never a tool
    served = {
        operation_id(route)
        for path, route in api_routes(app)
        if not {(m, path) for m in route.methods or ()} <= dashboard
    }
    assert not set(TOOL_FOR) & set(NOT_A_TOOL)
    unlisted = served - set(TOOL_FOR) - set(NOT_A_TOOL)
    assert not unlisted, f"routes with no MCP tool and no reason in NOT_A_TOOL: {unlisted}"
    stale = (set(TOOL_FOR) | set(NOT_A_TOOL)) - served
    assert not stale, f"listed operations the app no longer serves: {stale}"

    tools = {t.name for t in await build_server(_no_client).list_tools()}
    assert set(TOOL_FOR.values()) == tools  # every tool calls one listed operation
    assert len(TOOL_FOR) == len(tools)  # and no two operations share a tool


def _no_client(_ctx: object) -> object:
    raise AssertionError("listing tools calls no API")
