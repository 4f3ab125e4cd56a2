"""Webhook tools: endpoints, their delivery log, redelivery, a test event, the secret."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.types import CallToolResult as Answer
from pydantic import Field

from lowtato.mcp._api import Ctx, ToolSet, tool
from lowtato.mcp._args import Event, Id, Limit, Offset, Url


class WebhookTools(ToolSet):
    @tool(read_only=True)
    async def list_webhooks(self, ctx: Ctx) -> Answer:
        """Registered webhook endpoints: {webhooks: [{id, url, events, is_active,
        disabled_reason}]}."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.list())

    @tool(read_only=True)
    async def get_webhook(self, ctx: Ctx, webhook_id: Id) -> Answer:
        """One endpoint without its secret: {id, url, events, is_active, disabled_reason,
        previous_secret_expires_at}. not_found if no such webhook for this key."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.get(webhook_id))

    @tool()
    async def create_webhook(
        self, ctx: Ctx, url: Url, events: Annotated[list[Event], Field(min_length=1)]
    ) -> Answer:
        """Register an endpoint for events: {id, url, events, secret}; the whsec_ secret
        verifies signatures and is shown only here. validation_error if the url is not a
        public https address."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.create(url, events))

    @tool(destructive=True)
    async def update_webhook(
        self,
        ctx: Ctx,
        *,
        webhook_id: Id,
        url: Url | None = None,
        events: list[Event] | None = None,
        is_active: bool | None = None,
    ) -> Answer:
        """Change an endpoint's URL or events, or switch it on/off (off drops its pending
        deliveries; on re-enables a disabled endpoint). Returns the webhook."""
        return await self.api.run(
            ctx,
            lambda lt: lt.webhooks.update(webhook_id, url=url, events=events, is_active=is_active),
        )

    @tool(destructive=True)
    async def delete_webhook(self, ctx: Ctx, webhook_id: Id) -> Answer:
        """Delete a webhook endpoint and its delivery log: {deleted: true}."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.delete(webhook_id))

    @tool(read_only=True)
    async def list_webhook_deliveries(
        self,
        ctx: Ctx,
        *,
        webhook_id: Id,
        status: Literal["pending", "succeeded", "failed"] | None = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> Answer:
        """An endpoint's delivery log, newest first: {deliveries: [{id, event_type, status
        (pending|succeeded|failed), attempts, max_attempts, response_status (the endpoint's
        last HTTP status), error, next_attempt_at (next retry; null when finished),
        attempt_log}], meta: {count, has_more}}. not_found if no such webhook."""
        return await self.api.run(
            ctx,
            lambda lt: lt.webhooks.deliveries(
                webhook_id, status=status, limit=limit, offset=offset
            ),
        )

    @tool()
    async def redeliver_webhook(self, ctx: Ctx, webhook_id: Id, delivery_id: Id) -> Answer:
        """Send a delivery's event again (same body and webhook-id, fresh signature, its own
        retries): the new delivery {id, status: 'pending', redelivery_of, ...}; follow it
        with list_webhook_deliveries. Errors: conflict (the endpoint is disabled; enable it
        with update_webhook), not_found (webhook or delivery)."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.redeliver(webhook_id, delivery_id))

    @tool()
    async def send_test_webhook(self, ctx: Ctx, webhook_id: Id) -> Answer:
        """Queue a webhook.test event to this endpoint only: the delivery {id, status,
        ...}. Errors: conflict (endpoint disabled), not_found."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.send_test(webhook_id))

    @tool(destructive=True)
    async def rotate_webhook_secret(self, ctx: Ctx, webhook_id: Id) -> Answer:
        """A new whsec_ signing secret, shown once: {id, secret, previous_secret_expires_at}.
        Until that time deliveries carry both signatures, so switch the receiver over before
        it. not_found if no such webhook."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.rotate_secret(webhook_id))
