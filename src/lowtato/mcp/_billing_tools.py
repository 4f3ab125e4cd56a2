"""Money tools: credits, the plan and its Stripe subscription, the account marketplace."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.types import CallToolResult as Answer
from pydantic import Field

from lowtato.mcp._api import Ctx, ToolSet, tool
from lowtato.mcp._args import Id, Platform, Url


class BillingTools(ToolSet):
    @tool(read_only=True)
    async def get_credits(self, ctx: Ctx) -> Answer:
        """Credit balance and usage: {balance, used_this_month, plan_limit, resets_at}."""
        return await self.api.run(ctx, lambda lt: lt.credits.get())

    @tool(read_only=True)
    async def get_billing(self, ctx: Ctx) -> Answer:
        """The plan and how it is paid: {configured (false: this server takes no payments),
        plan, subscription_status (active, past_due, canceled, ... or null), customer,
        card_on_file, card: {brand, last4}}. The API does not report the period's end."""
        return await self.api.run(ctx, lambda lt: lt.billing.get())

    @tool()
    async def start_checkout(
        self,
        ctx: Ctx,
        *,
        plan: Literal["starter", "creator", "agency"] | None = None,
        credits: Annotated[int | None, Field(ge=1)] = None,
        success_url: Url | None = None,
        cancel_url: Url | None = None,
    ) -> Answer:
        """Start paying for a plan or a credit pack (one of the two): {checkout_url,
        session_id}. Nothing is charged here: checkout_url is a Stripe page that a HUMAN
        must open and pay on; the plan or credits apply once Stripe confirms. Errors:
        not_found (billing is not configured on this server), validation_error."""
        return await self.api.run(
            ctx,
            lambda lt: lt.billing.checkout(
                plan=plan, credits=credits, success_url=success_url, cancel_url=cancel_url
            ),
        )

    @tool(destructive=True)
    async def cancel_subscription(self, ctx: Ctx) -> Answer:
        """Cancel the paid plan at the end of the paid period: {plan (kept until then),
        subscription_status, cancel_at_period_end: true}. Errors: not_found (billing not
        configured), conflict (no subscription to cancel)."""
        return await self.api.run(ctx, lambda lt: lt.billing.cancel())

    @tool(read_only=True)
    async def browse_marketplace(self, ctx: Ctx, platform: Platform | None = None) -> Answer:
        """Accounts for sale: {accounts: [{id, platform, username_masked, price_display}],
        count}."""
        return await self.api.run(ctx, lambda lt: lt.marketplace.list(platform=platform))

    @tool()
    async def purchase_account(
        self,
        ctx: Ctx,
        *,
        account_id: Id,
        auto_connect: bool | None = None,
        pay_with: Literal["card", "credits"] | None = None,
    ) -> Answer:
        """Buy a marketplace account (charges the saved card or credits): {purchase_id,
        account (credentials, shown once), connected, ...}. Errors: payment_required (no
        card), insufficient_credits, not_found (sold)."""
        return await self.api.run(
            ctx,
            lambda lt: lt.marketplace.purchase(
                account_id, auto_connect=auto_connect, pay_with=pay_with
            ),
        )

    @tool(read_only=True)
    async def list_purchases(self, ctx: Ctx) -> Answer:
        """Marketplace accounts bought so far: {purchases: [...], count}."""
        return await self.api.run(ctx, lambda lt: lt.marketplace.purchases())
