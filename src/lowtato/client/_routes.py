"""Every API operation the SDK calls, keyed by the OpenAPI ``operationId``.

Resources build their requests from this table, and ``tests/client`` checks it against the
served ``/openapi.json`` (method, path, whether ``Idempotency-Key`` is accepted, and that no
route is left out), so the SDK and the server cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import NamedTuple


class Route(NamedTuple):
    method: str
    path: str
    sdk: str  # "resource.method" on the client
    idempotency_key: bool = False  # the server stores and replays answers by Idempotency-Key


ROUTES: dict[str, Route] = {
    "health": Route("GET", "/api/health", "health"),
    "platforms": Route("GET", "/api/v1/platforms", "platforms.list"),
    "getProfile": Route("GET", "/api/v1/profile", "profile.get"),
    "updateProfile": Route("PATCH", "/api/v1/profile", "profile.update"),
    "getBrandKit": Route("GET", "/api/v1/brand-kit", "brand_kit.get"),
    "putBrandKit": Route("PUT", "/api/v1/brand-kit", "brand_kit.update"),
    "completeOnboarding": Route("POST", "/api/v1/onboarding", "onboarding.complete"),
    "listAccounts": Route("GET", "/api/v1/accounts", "accounts.list"),
    "listSubaccounts": Route(
        "GET", "/api/v1/accounts/{account_id}/subaccounts", "accounts.subaccounts"
    ),
    "connect": Route("POST", "/api/v1/accounts/connect", "accounts.connect"),
    "connectLink": Route("POST", "/api/v1/accounts/connect-link", "accounts.connect_link"),
    "disconnect": Route("DELETE", "/api/v1/accounts/{account_id}", "accounts.delete"),
    "createPost": Route("POST", "/api/v1/posts", "posts.create", idempotency_key=True),
    "listPosts": Route("GET", "/api/v1/posts", "posts.list"),
    "createBulk": Route("POST", "/api/v1/posts/bulk", "posts.bulk", idempotency_key=True),
    "publishNow": Route("POST", "/api/v1/posts/{post_id}/publish", "posts.publish"),
    "getPost": Route("GET", "/api/v1/posts/{post_id}", "posts.get"),
    "deletePost": Route("DELETE", "/api/v1/posts/{post_id}", "posts.delete"),
    "listSchedules": Route("GET", "/api/v1/schedules", "schedules.list"),
    "getSchedule": Route("GET", "/api/v1/schedules/{schedule_id}", "schedules.get"),
    "updateSchedule": Route("PATCH", "/api/v1/schedules/{schedule_id}", "schedules.update"),
    "deleteSchedule": Route("DELETE", "/api/v1/schedules/{schedule_id}", "schedules.delete"),
    "listSlots": Route("GET", "/api/v1/schedule/slots", "slots.list"),
    "createSlots": Route("POST", "/api/v1/schedule/slots", "slots.create"),
    "deleteSlot": Route("DELETE", "/api/v1/schedule/slots/{slot_id}", "slots.delete"),
    "autoConfigure": Route("POST", "/api/v1/schedule/auto-configure", "slots.auto_configure"),
    "upload": Route("POST", "/api/v1/media/upload", "media.upload", idempotency_key=True),
    "getMedia": Route("GET", "/api/v1/media/{media_id}", "media.get"),
    "deleteMedia": Route("DELETE", "/api/v1/media/{media_id}", "media.delete"),
    "createWebhook": Route("POST", "/api/v1/webhooks", "webhooks.create", idempotency_key=True),
    "listWebhooks": Route("GET", "/api/v1/webhooks", "webhooks.list"),
    "getWebhook": Route("GET", "/api/v1/webhooks/{webhook_id}", "webhooks.get"),
    "updateWebhook": Route("PUT", "/api/v1/webhooks/{webhook_id}", "webhooks.update"),
    "deleteWebhook": Route("DELETE", "/api/v1/webhooks/{webhook_id}", "webhooks.delete"),
    "listDeliveries": Route(
        "GET", "/api/v1/webhooks/{webhook_id}/deliveries", "webhooks.deliveries"
    ),
    "redeliver": Route(
        "POST",
        "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
        "webhooks.redeliver",
    ),
    "sendTest": Route("POST", "/api/v1/webhooks/{webhook_id}/test", "webhooks.send_test"),
    "rotateSecret": Route(
        "POST", "/api/v1/webhooks/{webhook_id}/rotate-secret", "webhooks.rotate_secret"
    ),
    "getCredits": Route("GET", "/api/v1/credits", "credits.get"),
    "getSummary": Route("GET", "/api/v1/analytics/summary", "analytics.summary"),
    "getPostAnalytics": Route("GET", "/api/v1/posts/{post_id}/analytics", "analytics.post"),
    "listMarketplace": Route("GET", "/api/v1/marketplace", "marketplace.list"),
    "purchase": Route("POST", "/api/v1/marketplace/purchase", "marketplace.purchase"),
    "listPurchases": Route("GET", "/api/v1/marketplace/purchases", "marketplace.purchases"),
    "getBilling": Route("GET", "/api/v1/billing", "billing.get"),
    "postCheckout": Route("POST", "/api/v1/billing/checkout", "billing.checkout"),
    "postCancel": Route("POST", "/api/v1/billing/cancel", "billing.cancel"),
    "generate": Route("POST", "/api/v1/ai/generate", "ai.generate"),
    "createImage": Route("POST", "/api/v1/ai/images", "ai.images", idempotency_key=True),
    "createSource": Route("POST", "/api/v1/sources", "sources.create", idempotency_key=True),
    "getSource": Route("GET", "/api/v1/sources/{source_id}", "sources.get"),
}

# Served routes the SDK leaves out on purpose: documents and pages for browsers and crawlers,
# public files, Stripe's own callback, and the contract's body-addressed alias of
# DELETE /webhooks/{id} (``webhooks.delete`` covers it).
NOT_MAPPED: frozenset[str] = frozenset(
    {
        "getLlmsTxt",
        "getAgentCard",
        "getPricing",
        "getSitemap",
        "sandboxPost",
        "mediaFile",
        "stripeWebhook",
        "billingSuccess",
        "billingCancelled",
        "deleteWebhookByBody",
    }
)
