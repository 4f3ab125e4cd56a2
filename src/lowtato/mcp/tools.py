"""The MCP tools. Each is one SDK call; its docstring is the description an agent reads
(what it returns, what its errors mean). Arguments are typed and unknown ones refused."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any, Literal

import httpx
from mcp.types import CallToolResult as Answer
from pydantic import Field

from lowtato.mcp._api import Api, Ctx, fail, tool

Id = Annotated[str, Field(min_length=1, max_length=100)]
Platform = Literal[
    "twitter", "instagram", "linkedin", "tiktok", "facebook", "threads", "bluesky", "youtube",
    "pinterest",
]  # fmt: skip
Event = Literal[
    "post.published", "post.failed", "post.scheduled", "post.unconfirmed",
    "account.connected", "account.disconnected", "credits.low", "schedule.published",
]  # fmt: skip
Options = Annotated[
    dict[str, Any] | None,
    Field(description="Platform options (see list_platforms), e.g. YouTube title."),
]
When = Annotated[
    datetime | None, Field(description="ISO 8601 time with a timezone, in the future.")
]
Json = dict[str, Any]
MAX_FETCH_BYTES = 50 * 1024 * 1024


class Tools:
    def __init__(self, api: Api) -> None:
        self.api = api

    @tool(read_only=True)
    async def list_accounts(self, ctx: Ctx) -> Answer:
        """List connected social accounts: {accounts: [{id, platform, username, is_active,
        sandbox, ...}]}. Use an account's id in create_post."""
        return await self.api.run(ctx, lambda lt: lt.accounts.list())

    @tool()
    async def create_post(
        self,
        ctx: Ctx,
        *,
        account_id: Id,
        text: Annotated[str, Field(max_length=100_000, description="The post text.")],
        media_urls: list[str] | None = None,
        scheduled_time: When = None,
        use_next_free_slot: bool | None = None,
        subaccount_id: Id | None = None,
        options: Options = None,
        idempotency_key: Annotated[str | None, Field(max_length=255)] = None,
    ) -> Answer:
        """Create a post for one account: a draft (no time), scheduled (scheduled_time), or in
        the next free slot. Returns {id, status, scheduled_time}. Errors: validation_error
        (text or media break the platform's rules; details list each), not_found (account).
        Pass the same idempotency_key to retry safely."""
        return await self.api.run(
            ctx,
            lambda lt: lt.posts.create(
                account_id,
                text,
                media_urls=media_urls,
                scheduled_time=scheduled_time,
                use_next_free_slot=use_next_free_slot,
                subaccount_id=subaccount_id,
                options=options,
                idempotency_key=idempotency_key,
            ),
        )

    @tool()
    async def publish_post(self, ctx: Ctx, post_id: Id) -> Answer:
        """Publish a post now and wait briefly: {id, status, public_url, error_code,
        error_message}. status 'failed' is an answer, not an error (error_code says why and
        whether publishing again is safe); 'publishing' means poll get_post."""
        return await self.api.run(ctx, lambda lt: lt.posts.publish(post_id))

    @tool(read_only=True)
    async def get_post(self, ctx: Ctx, post_id: Id) -> Answer:
        """A post: {id, status (draft|scheduled|publishing|published|failed), public_url,
        error_code, scheduled_time, ...}. not_found if no such post for this key."""
        return await self.api.run(ctx, lambda lt: lt.posts.get(post_id))

    @tool(read_only=True)
    async def list_posts(
        self,
        ctx: Ctx,
        *,
        status: Literal["draft", "scheduled", "publishing", "published", "failed"] | None = None,
        account_id: Id | None = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> Answer:
        """One page of posts, newest first: {posts: [...], meta: {limit, offset, count,
        has_more}}; raise offset while has_more."""
        return await self.api.run(
            ctx,
            lambda lt: lt.posts.list(
                status=status, account_id=account_id, limit=limit, offset=offset
            ),
        )

    @tool(read_only=True)
    async def list_scheduled_posts(
        self,
        ctx: Ctx,
        *,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> Answer:
        """Scheduled posts: {scheduledPosts: [{id, content_text, scheduled_time, ...}],
        meta}."""
        return await self.api.run(ctx, lambda lt: lt.schedules.list(limit=limit, offset=offset))

    @tool(destructive=True)
    async def update_scheduled_post(
        self,
        ctx: Ctx,
        *,
        schedule_id: Id,
        content_text: str | None = None,
        scheduled_time: When = None,
        media_urls: list[str] | None = None,
        options: Options = None,
    ) -> Answer:
        """Change a scheduled post's text, time, media or options; returns the post.
        conflict if it is already publishing or published."""
        return await self.api.run(
            ctx,
            lambda lt: lt.schedules.update(
                schedule_id,
                content_text=content_text,
                scheduled_time=scheduled_time,
                media_urls=media_urls,
                options=options,
            ),
        )

    @tool(destructive=True)
    async def delete_scheduled_post(self, ctx: Ctx, schedule_id: Id) -> Answer:
        """Delete a scheduled post: {deleted: true}."""
        return await self.api.run(ctx, lambda lt: lt.schedules.delete(schedule_id))

    @tool(read_only=True)
    async def list_slots(self, ctx: Ctx) -> Answer:
        """Recurring posting times: {slots: [{id, day (0=Monday), hour, minute,
        platforms}], timezone}."""
        return await self.api.run(ctx, lambda lt: lt.slots.list())

    @tool()
    async def create_slot(
        self,
        ctx: Ctx,
        *,
        day: Annotated[int, Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")],
        hour: Annotated[int, Field(ge=0, le=23)],
        minute: Annotated[int, Field(ge=0, le=59)] = 0,
        selected_targets: list[str] | None = None,
    ) -> Answer:
        """Add a weekly posting time in the profile's timezone: {created, slots}."""
        slot: Json = {"day": day, "hour": hour, "minute": minute}
        if selected_targets is not None:
            slot["selectedTargets"] = selected_targets
        return await self.api.run(ctx, lambda lt: lt.slots.create([slot]))

    @tool(destructive=True)
    async def delete_slot(self, ctx: Ctx, slot_id: Id) -> Answer:
        """Delete a posting time: {deleted: true}."""
        return await self.api.run(ctx, lambda lt: lt.slots.delete(slot_id))

    @tool(destructive=True)
    async def auto_configure_schedule(
        self,
        ctx: Ctx,
        *,
        platforms: Annotated[list[Platform], Field(min_length=1)],
        posts_per_day: Annotated[int | None, Field(ge=1, le=10)] = None,
        timezone: str | None = None,
        include_weekends: bool | None = None,
    ) -> Answer:
        """Replace the posting schedule with each platform's best times: {slots_created,
        timezone, slots, sources}."""
        return await self.api.run(
            ctx,
            lambda lt: lt.slots.auto_configure(
                platforms,
                posts_per_day=posts_per_day,
                timezone=timezone,
                include_weekends=include_weekends,
            ),
        )

    @tool()
    async def generate_post(
        self,
        ctx: Ctx,
        *,
        topic: Annotated[str, Field(min_length=1, max_length=500)],
        platform: Platform,
        tone: str | None = None,
        include_hashtags: bool | None = None,
        custom_instructions: str | None = None,
        source_id: Id | None = None,
    ) -> Answer:
        """Write a post in the brand's voice that fits the platform: {content, hashtags,
        character_count, credits_used}. Costs 0.5 credits (insufficient_credits when short;
        ai_provider_error refunds them)."""
        return await self.api.run(
            ctx,
            lambda lt: lt.ai.generate(
                topic,
                platform,
                tone=tone,
                include_hashtags=include_hashtags,
                custom_instructions=custom_instructions,
                source_id=source_id,
            ),
        )

    @tool()
    async def generate_image(
        self,
        ctx: Ctx,
        *,
        prompt: Annotated[str, Field(min_length=1, max_length=1000)],
        platform: Platform | None = None,
        size: str | None = None,
    ) -> Answer:
        """Make an image stored as media: {id, url, width, height, credits_used}; put the url
        in create_post media_urls. Costs 2.0 credits (insufficient_credits when short)."""
        return await self.api.run(
            ctx, lambda lt: lt.ai.images(prompt, platform=platform, size=size)
        )

    @tool()
    async def submit_source(
        self,
        ctx: Ctx,
        *,
        source_type: Annotated[str, Field(description="article, pdf, youtube, text, ...")],
        url: str | None = None,
        text: str | None = None,
        custom_instructions: str | None = None,
    ) -> Answer:
        """Queue the extraction of a source to write from: {id, status: 'queued'}. Poll
        get_source until 'ready', then pass its id to generate_post as source_id."""
        return await self.api.run(
            ctx,
            lambda lt: lt.sources.create(
                source_type, url=url, text=text, custom_instructions=custom_instructions
            ),
        )

    @tool(read_only=True)
    async def get_source(self, ctx: Ctx, source_id: Id) -> Answer:
        """A source: {id, status (queued|processing|ready|failed), extracted_title,
        extracted_content, error_message}."""
        return await self.api.run(ctx, lambda lt: lt.sources.get(source_id))

    @tool()
    async def upload_media(
        self,
        ctx: Ctx,
        *,
        url: str | None = None,
        base64_data: str | None = None,
        mime_type: str | None = None,
        filename: str | None = None,
    ) -> Answer:
        """Store an image or video from base64 (or a data: URL), or from a url (local
        server only): {id, url, mime_type, kind, size}. Use the url in create_post
        media_urls. Errors: unsupported_media_type, payload_too_large."""
        if (url is None) == (base64_data is None):
            return fail("validation_error", "Pass exactly one of url or base64_data.")
        if url is not None:
            if not self.api.allow_url_fetch:
                message = (
                    "This server does not download URLs; put the URL in create_post "
                    "media_urls (the API fetches it safely) or send base64_data."
                )
                return fail("validation_error", message)
            try:
                base64_data, mime_type = await _download(url, mime_type)
            except Refused as exc:
                return fail("validation_error", str(exc))
        data = base64_data
        return await self.api.run(
            ctx,
            lambda lt: lt.media.upload(base64_data=data, mime_type=mime_type, filename=filename),
        )

    @tool(read_only=True)
    async def analytics_summary(
        self,
        ctx: Ctx,
        *,
        period: Literal["7d", "30d", "90d"] | None = None,
        account_id: Id | None = None,
    ) -> Answer:
        """Totals, engagement trend, best posting time and a per-platform breakdown."""
        return await self.api.run(
            ctx, lambda lt: lt.analytics.summary(period=period, account_id=account_id)
        )

    @tool(read_only=True)
    async def get_credits(self, ctx: Ctx) -> Answer:
        """Credit balance and usage: {balance, used_this_month, plan_limit, resets_at}."""
        return await self.api.run(ctx, lambda lt: lt.credits.get())

    @tool(read_only=True)
    async def get_profile(self, ctx: Ctx) -> Answer:
        """The owner's profile: plan, timezone, credits, onboarding_completed, ..."""
        return await self.api.run(ctx, lambda lt: lt.profile.get())

    @tool(destructive=True)
    async def update_profile(
        self,
        ctx: Ctx,
        *,
        display_name: str | None = None,
        timezone: Annotated[str | None, Field(description="IANA name, e.g. Europe/Paris")] = None,
        notification_preferences: dict[str, bool] | None = None,
    ) -> Answer:
        """Change the display name, timezone (slots follow it) or notifications."""
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
        brand_name: str | None = None,
        brand_color: str | None = None,
        tone: str | None = None,
        topics: list[str] | None = None,
        website: str | None = None,
        what_do_you_do: str | None = None,
        who_do_you_help: str | None = None,
        language: str | None = None,
    ) -> Answer:
        """Set brand fields (the ones given; others keep their value)."""
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
        brand_name: Annotated[str, Field(min_length=1)],
        platforms: Annotated[list[Platform], Field(min_length=1)],
        timezone: str | None = None,
        posting_frequency: str | None = None,
        topics: list[str] | None = None,
        what_do_you_do: str | None = None,
        who_do_you_help: str | None = None,
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
    async def list_webhooks(self, ctx: Ctx) -> Answer:
        """Registered webhook endpoints: {webhooks: [{id, url, events, is_active}]}."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.list())

    @tool()
    async def create_webhook(
        self, ctx: Ctx, url: str, events: Annotated[list[Event], Field(min_length=1)]
    ) -> Answer:
        """Register an endpoint for events: {id, url, events, secret}; the whsec_ secret
        verifies signatures and is shown only here."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.create(url, events))

    @tool(destructive=True)
    async def update_webhook(
        self,
        ctx: Ctx,
        *,
        webhook_id: Id,
        url: str | None = None,
        events: list[Event] | None = None,
        is_active: bool | None = None,
    ) -> Answer:
        """Change an endpoint's URL or events, or switch it on/off."""
        return await self.api.run(
            ctx,
            lambda lt: lt.webhooks.update(webhook_id, url=url, events=events, is_active=is_active),
        )

    @tool(destructive=True)
    async def delete_webhook(self, ctx: Ctx, webhook_id: Id) -> Answer:
        """Delete a webhook endpoint: {deleted: true}."""
        return await self.api.run(ctx, lambda lt: lt.webhooks.delete(webhook_id))


class Refused(Exception):
    """A URL upload_media cannot use; the message says why."""


async def _download(url: str, mime_type: str | None) -> tuple[str, str | None]:
    """The file at ``url`` as base64 (stdio only: the agent's own machine fetches it)."""
    if not url.startswith(("https://", "http://")):
        raise Refused("url must start with https:// or http://.")
    async with httpx.AsyncClient(timeout=30.0, follow_redirects=True) as http:
        try:
            response = await http.get(url)
        except httpx.HTTPError as exc:
            raise Refused(f"Could not download {url}: {exc!r}") from exc
    if response.status_code != 200 or len(response.content) > MAX_FETCH_BYTES:
        message = (
            f"Could not download {url}: HTTP {response.status_code}, {len(response.content)} bytes."
        )
        raise Refused(message)
    kind = mime_type or response.headers.get("content-type", "").split(";")[0] or None
    return base64.b64encode(response.content).decode("ascii"), kind
