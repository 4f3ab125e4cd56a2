"""Account tools: connected accounts and how to connect one, the profile, the brand kit,
onboarding and the platform catalogue."""

from __future__ import annotations

from typing import Annotated

from mcp.types import CallToolResult as Answer
from pydantic import Field

from lowtato.mcp._api import Ctx, ToolSet, tool
from lowtato.mcp._args import Id, Platform, Short, Url

Secret = Annotated[str, Field(min_length=1, max_length=4096)]


class AccountTools(ToolSet):
    @tool(read_only=True)
    async def list_accounts(self, ctx: Ctx) -> Answer:
        """List connected social accounts: {accounts: [{id, platform, username, is_active,
        sandbox, ...}]}. Use an account's id in create_post."""
        return await self.api.run(ctx, lambda lt: lt.accounts.list())

    @tool(read_only=True)
    async def list_subaccounts(self, ctx: Ctx, account_id: Id) -> Answer:
        """An account's Facebook Pages, LinkedIn organizations or Pinterest boards:
        {subaccounts: [{id, external_id, name, type}]}; pass an id as create_post
        subaccount_id. not_found if no such account for this key."""
        return await self.api.run(ctx, lambda lt: lt.accounts.subaccounts(account_id))

    @tool()
    async def connect_account(
        self,
        ctx: Ctx,
        *,
        platform: Platform,
        access_token: Secret,
        platform_user_id: Annotated[str | None, Field(max_length=255)] = None,
        platform_username: Annotated[str | None, Field(max_length=255)] = None,
        refresh_token: Secret | None = None,
        expires_in: Annotated[int | None, Field(ge=1)] = None,
        service_url: Url | None = None,
    ) -> Answer:
        """Connect an account with tokens the agent already holds (Bluesky: username + app
        password as access_token): {id, platform, username, connected}. Without tokens use
        create_connect_link. Errors: validation_error (a live key's token refused by the
        platform; the message says why), payment_required (plan's account limit),
        platform_unavailable (no live publishing to it on this server)."""
        return await self.api.run(
            ctx,
            lambda lt: lt.accounts.connect(
                platform,
                access_token,
                platform_user_id=platform_user_id,
                platform_username=platform_username,
                refresh_token=refresh_token,
                expires_in=expires_in,
                service_url=service_url,
            ),
        )

    @tool()
    async def create_connect_link(
        self, ctx: Ctx, platform: Platform, redirect_uri: Url | None = None
    ) -> Answer:
        """A one-time OAuth link that a HUMAN must open in a browser to approve the account:
        {url, state, expires_at} (15 minutes). Once approved, the account appears in
        list_accounts. platform_unavailable if the operator has not configured the
        platform's app."""
        return await self.api.run(
            ctx, lambda lt: lt.accounts.connect_link(platform, redirect_uri=redirect_uri)
        )

    @tool(destructive=True)
    async def disconnect_account(self, ctx: Ctx, account_id: Id) -> Answer:
        """Disconnect an account and forget its tokens: {deleted: true}. Its scheduled posts
        fail with error_code account_disconnected. not_found if no such account."""
        return await self.api.run(ctx, lambda lt: lt.accounts.delete(account_id))

    @tool(read_only=True)
    async def get_profile(self, ctx: Ctx) -> Answer:
        """The owner's profile: plan, timezone, credits, onboarding_completed, ..."""
        return await self.api.run(ctx, lambda lt: lt.profile.get())

    @tool(destructive=True)
    async def update_profile(
        self,
        ctx: Ctx,
        *,
        display_name: Short | None = None,
        timezone: Annotated[
            str | None, Field(max_length=64, description="IANA name, e.g. Europe/Paris")
        ] = None,
        notification_preferences: dict[str, bool] | None = None,
    ) -> Answer:
        """Change the display name, timezone (slots follow it) or notifications:
        {updated: true}. validation_error for an unknown timezone."""
        return await self.api.run(
            ctx,
            lambda lt: lt.profile.update(
                display_name=display_name,
                timezone=timezone,
                notification_preferences=notification_preferences,
            ),
        )

    @tool(read_only=True)
    async def get_brand_kit(self, ctx: Ctx) -> Answer:
        """The brand kit generate_post writes with: name, tone, topics, colour, ..."""
        return await self.api.run(ctx, lambda lt: lt.brand_kit.get())

    @tool(destructive=True)
    async def update_brand_kit(
        self,
        ctx: Ctx,
        *,
        brand_name: Short | None = None,
        brand_color: Short | None = None,
        tone: Short | None = None,
        topics: list[Short] | None = None,
        website: Url | None = None,
        what_do_you_do: Short | None = None,
        who_do_you_help: Short | None = None,
        language: Short | None = None,
    ) -> Answer:
        """Set brand fields (the ones given; others keep their value): {updated: true}."""
        fields = {
            "brand_name": brand_name,
            "brand_color": brand_color,
            "tone": tone,
            "topics": topics,
            "website": website,
            "what_do_you_do": what_do_you_do,
            "who_do_you_help": who_do_you_help,
            "language": language,
        }
        given = {k: v for k, v in fields.items() if v is not None}
        return await self.api.run(ctx, lambda lt: lt.brand_kit.update(**given))

    @tool()
    async def complete_onboarding(
        self,
        ctx: Ctx,
        *,
        brand_name: Annotated[str, Field(min_length=1, max_length=500)],
        platforms: Annotated[list[Platform], Field(min_length=1)],
        timezone: Annotated[str | None, Field(max_length=64)] = None,
        posting_frequency: Short | None = None,
        topics: list[Short] | None = None,
        what_do_you_do: Short | None = None,
        who_do_you_help: Short | None = None,
    ) -> Answer:
        """Brand, platforms and a posting schedule in one call: {completed,
        schedule_slots_created, slots, ...}."""
        extra = {
            "timezone": timezone,
            "posting_frequency": posting_frequency,
            "topics": topics,
            "what_do_you_do": what_do_you_do,
            "who_do_you_help": who_do_you_help,
        }
        given = {k: v for k, v in extra.items() if v is not None}
        return await self.api.run(
            ctx, lambda lt: lt.onboarding.complete(brand_name, platforms, **given)
        )

    @tool(read_only=True)
    async def list_platforms(self, ctx: Ctx) -> Answer:
        """Each platform's text limits, media rules and options schema."""
        return await self.api.run(ctx, lambda lt: lt.platforms.list())
