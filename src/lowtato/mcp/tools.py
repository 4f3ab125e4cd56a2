"""The MCP tools. Each is one SDK call; its docstring is the description an agent reads
(what it returns, what its errors mean). Arguments are typed and unknown ones refused.
``tests/mcp/test_coverage.py`` names the API operation behind each tool and why the others
have none."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.types import CallToolResult as Answer
from pydantic import BaseModel, ConfigDict, Field

from lowtato.mcp._account_tools import AccountTools
from lowtato.mcp._api import Ctx, tool
from lowtato.mcp._args import (
    Id,
    IdempotencyKey,
    Json,
    Limit,
    Offset,
    Options,
    Platform,
    Url,
    When,
)
from lowtato.mcp._billing_tools import BillingTools
from lowtato.mcp._media_tools import MediaTools
from lowtato.mcp._webhook_tools import WebhookTools


class BulkPost(BaseModel):
    """One item of create_posts_bulk: a post for each of its platforms."""

    model_config = ConfigDict(extra="forbid")
    content: Annotated[str, Field(max_length=100_000)]
    platforms: Annotated[list[Platform], Field(min_length=1, max_length=9)]
    account_id: Id | None = Field(
        default=None, description="Default: your one connected account on each platform."
    )
    scheduled_at: When = None
    media_urls: list[Url] | None = None
    options: Options = None


class Tools(AccountTools, BillingTools, MediaTools, WebhookTools):
    """Every tool: the post, schedule, slot, AI and analytics tools below and the groups it
    inherits."""

    @tool()
    async def create_post(
        self,
        ctx: Ctx,
        *,
        account_id: Id,
        text: Annotated[str, Field(max_length=100_000, description="The post text.")],
        media_urls: list[Url] | None = None,
        scheduled_time: When = None,
        use_next_free_slot: bool | None = None,
        subaccount_id: Id | None = None,
        options: Options = None,
        idempotency_key: IdempotencyKey = None,
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

    @tool()
    async def create_posts_bulk(
        self,
        ctx: Ctx,
        posts: Annotated[list[BulkPost], Field(min_length=1, max_length=50)],
        idempotency_key: IdempotencyKey = None,
    ) -> Answer:
        """Create up to 50 posts at once (one per item and platform): {created, failed,
        posts: [{id, platform, status, index}], errors: [{index, platform, error: {code,
        message}}]}. Each item is checked on its own: a bad one is listed in errors and the
        rest are created. validation_error if more than 50 posts in all."""
        items = [p.model_dump(mode="json", exclude_none=True) for p in posts]
        return await self.api.run(
            ctx, lambda lt: lt.posts.bulk(items, idempotency_key=idempotency_key)
        )

    @tool(destructive=True)
    async def delete_post(self, ctx: Ctx, post_id: Id) -> Answer:
        """Delete a draft, scheduled or failed post (its publish is cancelled): {deleted:
        true}. Errors: conflict (publishing or published), not_found."""
        return await self.api.run(ctx, lambda lt: lt.posts.delete(post_id))

    @tool(read_only=True)
    async def get_post_analytics(self, ctx: Ctx, post_id: Id) -> Answer:
        """A post's metrics: {post_id, platform, published_at, latest: {likes, comments,
        shares, impressions, ...} or null before the first sync, snapshots: [...]}.
        not_found if no such post for this key."""
        return await self.api.run(ctx, lambda lt: lt.analytics.post(post_id))

    @tool(read_only=True)
    async def list_posts(
        self,
        ctx: Ctx,
        *,
        status: Literal["draft", "scheduled", "publishing", "published", "failed"] | None = None,
        account_id: Id | None = None,
        limit: Limit = 20,
        offset: Offset = 0,
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
        limit: Limit = 20,
        offset: Offset = 0,
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
        content_text: Annotated[str | None, Field(max_length=100_000)] = None,
        scheduled_time: When = None,
        media_urls: list[Url] | None = None,
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
        timezone: Annotated[str | None, Field(max_length=64)] = None,
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
        tone: Annotated[str | None, Field(max_length=100)] = None,
        include_hashtags: bool | None = None,
        custom_instructions: Annotated[str | None, Field(max_length=2000)] = None,
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
        size: Annotated[str | None, Field(max_length=40, description="WIDTHxHEIGHT")] = None,
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
        source_type: Annotated[
            str, Field(max_length=40, description="article, pdf, youtube, text, ...")
        ],
        url: Url | None = None,
        text: Annotated[str | None, Field(max_length=100_000)] = None,
        custom_instructions: Annotated[str | None, Field(max_length=2000)] = None,
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
