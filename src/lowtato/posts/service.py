"""Creating, reading, editing and deleting posts. Publishing itself lives in posts/flows.py."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.events import AccountRemoved
from lowtato.accounts.models import SocialAccount
from lowtato.accounts.service import (
    allowed_options,
    check_available,
    check_platform,
    find_account,
    find_subaccount,
    get_account,
    hosted_media_warnings,
)
from lowtato.config import Settings
from lowtato.errors import Conflict, NotFound, ValidationFailed
from lowtato.events.service import EventType, emit
from lowtato.idempotency import service as idempotency
from lowtato.kit import clock
from lowtato.kit.db import Database
from lowtato.kit.fastread import FastReads, Row
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.kit.schemas import ListMeta
from lowtato.media.service import hosted, resolve_for_post
from lowtato.platforms.names import Platform
from lowtato.platforms.rules import Allowed, option_problems
from lowtato.platforms.validation import MediaRef, validate_content
from lowtato.posts import publish_job
from lowtato.posts.models import Post, PostFilter, PostStatus
from lowtato.posts.repository import PostRepository
from lowtato.posts.schemas import PostCreated, PostDraft, PostOut, PostUpdated, ScheduleUpdate
from lowtato.posts.slotting import next_free_slot

EDITABLE = (PostStatus.draft, PostStatus.scheduled, PostStatus.failed)
# No platform takes a longer text (Facebook's 63,206 is the most). Counting is CPU work (X's
# weighted count runs URL and entity regexes: a megabyte of short URLs took 10 s), so a text
# past this is refused before it is counted, and a long one within it (LONG_TEXT_CHARS) is
# counted in a worker thread so the event loop keeps serving other requests meanwhile, and
# first outside the write transaction (``precheck``): on SQLite a write transaction holds the
# database's one write lock, which no other owner's write may wait on for an attacker's
# count. Texts a platform accepts are cheap to count; the costly ones are those refused.
MAX_TEXT_CHARS = 100_000
LONG_TEXT_CHARS = 4_096


def _late_by(post: Post) -> int | None:
    if post.status != PostStatus.published or not (post.published_at and post.scheduled_time):
        return None
    return max(0, int((post.published_at - post.scheduled_time).total_seconds()))


def post_out(post: Post) -> PostOut:
    return PostOut(
        id=post.id,
        status=post.status,
        publish_state=post.publish_state,
        content_text=post.content_text,
        target_type=post.platform,
        social_account_id=post.account_id,
        subaccount_id=post.subaccount_id,
        media_urls=list(post.media_urls or []),
        options=dict(post.options or {}),
        public_url=post.public_url,
        platform_post_id=post.platform_post_id,
        error_code=post.error_code,
        error_message=post.error_message,
        # Keys starting with "_" are the engine's own bookkeeping.
        result={k: v for k, v in (post.result or {}).items() if not k.startswith("_")},
        scheduled_time=clock.iso(post.scheduled_time),
        published_at=clock.iso(post.published_at),
        late_by_seconds=_late_by(post),
        created_at=clock.iso(post.created_at) or "",
        updated_at=clock.iso(post.updated_at) or "",
    )


def post_warnings(settings: Settings, principal: Principal, post: Post) -> list[str]:
    """What will fail when ``post`` is published though it was accepted: media uploaded here
    that its platform must download and cannot reach (``hosted_media_warnings``)."""
    media = hosted(post.media_urls or [])
    return hosted_media_warnings(settings, principal, post.platform, media)


@dataclass(frozen=True, slots=True)
class Content:
    """What a content check needs from the database, read; judging it needs none (so a long
    count can run with no transaction or connection held)."""

    platform: str
    text: str
    media: list[MediaRef]
    options: dict[str, Any]
    prefix: str = ""
    # The option values the platform last said the account may use, and the day it said so
    # (``accounts.service.allowed_options``).
    allowed: Allowed = field(default_factory=dict)
    since: str = ""


async def read_content(
    session: AsyncSession,
    principal: Principal,
    *,
    platform: str,
    text: str,
    media_urls: Sequence[str],
    options: dict[str, Any],
    prefix: str = "",
    account: SocialAccount | None = None,
) -> Content:
    """Media uploaded here come with their real type, size and duration (another owner's or
    mode's is 404); the account's options are checked against what its platform last said
    it may use (TikTok's privacy levels)."""
    media = await resolve_for_post(session, principal, media_urls)
    # Nothing known yet (an account stored before this was kept): the publish asks the
    # platform and refuses then, naming the allowed values; it also stores them for later.
    allowed, since = allowed_options(account) if account is not None else ({}, "")
    return Content(platform, text, list(media), options, prefix, allowed, since)


async def judge(content: Content, *, offload: bool = False) -> list[str]:
    """400 with every reason the platform would refuse this content; counted in a thread when
    the text is long, or when ``offload``. Returns the media list to store: an uploaded file's
    id becomes its URL."""
    prefix, text = content.prefix, content.text
    problems = [
        {
            "field": f"{prefix}content.mediaUrls[{i}]",
            "message": "must be an http(s) URL or the id of an uploaded file (med_…)",
        }
        for i, ref in enumerate(content.media)
        if not ref.url.lower().startswith(("http://", "https://"))
    ]
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationFailed.field(
            f"{prefix}content.text",
            f"text is {len(text)} characters; no platform takes more than {MAX_TEXT_CHARS}",
        )
    args = (content.platform, text, content.media, content.options)
    if offload or len(text) > LONG_TEXT_CHARS:
        result = await asyncio.to_thread(validate_content, *args)
    else:
        result = validate_content(*args)
    known = option_problems(Platform(content.platform), content.allowed, content.options,
                            since=content.since)  # fmt: skip
    # Said with the allowed values, rather than as the options model words it.
    said = {p.field for p in known}
    problems += [
        {"field": f"{prefix}{p.field}", "message": p.message}
        for p in [*(p for p in result.problems if p.field not in said), *known]
    ]
    if problems:
        raise ValidationFailed.fields(problems)
    return [ref.url for ref in content.media]


async def check_content(
    session: AsyncSession,
    principal: Principal,
    *,
    platform: str,
    text: str,
    media_urls: Sequence[str],
    options: dict[str, Any],
    prefix: str = "",
    account: SocialAccount | None = None,
) -> list[str]:
    """``read_content`` then ``judge``."""
    content = await read_content(
        session, principal, platform=platform, text=text, media_urls=media_urls,
        options=options, prefix=prefix, account=account,
    )  # fmt: skip
    return await judge(content)


def check_future(when: datetime, field: str) -> None:
    now = clock.now()
    if when <= now:
        raise ValidationFailed.field(
            field,
            f"{clock.iso(when)} is in the past (now is {clock.iso(now)}); send a future time, "
            "or create a draft and POST /api/v1/posts/{id}/publish to publish now",
        )


async def _target(
    session: AsyncSession, principal: Principal, draft: PostDraft, prefix: str
) -> tuple[SocialAccount, str]:
    account = await get_account(session, principal, draft.account_id)
    platform = account.platform
    check_available(principal, platform)
    if draft.platform is not None:
        wanted = check_platform(draft.platform, f"{prefix}post.target.targetType")
        if wanted != account.platform:
            raise ValidationFailed.field(
                f"{prefix}post.target.targetType",
                f"account {account.id} is a {account.platform} account; it cannot post to "
                f"{wanted}. Omit the target to use the account's platform.",
            )
    if not account.is_active:
        raise ValidationFailed.field(
            f"{prefix}post.accountId",
            f"account {account.id} is disconnected ({account.disconnected_reason}); reconnect it",
        )
    if draft.subaccount_id is not None:
        sub = await find_subaccount(session, principal, draft.subaccount_id)
        if sub is None or sub.account_id != account.id:
            raise NotFound.of("subaccount", draft.subaccount_id)
    return account, platform


async def read_draft(
    session: AsyncSession, principal: Principal, draft: PostDraft, *, prefix: str = ""
) -> Content:
    """The checks ``create_post`` makes of the account, and the content to judge."""
    account, platform = await _target(session, principal, draft, prefix)
    return await read_content(
        session, principal, platform=platform, text=draft.text, media_urls=draft.media_urls,
        options=draft.options, prefix=prefix, account=account,
    )  # fmt: skip


async def precheck(
    db: Database, principal: Principal, draft: PostDraft, *, prefix: str = ""
) -> None:
    """The checks ``create_post`` makes, when the text is long, before any write transaction
    begins: the reads in a read-only transaction, the count after it in a thread."""
    if len(draft.text) <= LONG_TEXT_CHARS:
        return
    async with db.transaction(readonly=True) as session:
        content = await read_draft(session, principal, draft, prefix=prefix)
    await judge(content, offload=True)


async def create_post(
    session: AsyncSession,
    principal: Principal,
    draft: PostDraft,
    *,
    origin: str = "api",
    prefix: str = "",
) -> Post:
    account, platform = await _target(session, principal, draft, prefix)
    media_urls = await check_content(
        session,
        principal,
        platform=platform,
        text=draft.text,
        media_urls=draft.media_urls,
        options=draft.options,
        prefix=prefix,
        account=account,
    )
    slot_id = None
    when = draft.scheduled_time
    if when is not None:
        check_future(when, f"{prefix}scheduledTime")
    elif draft.use_next_free_slot:
        when, slot_id = await next_free_slot(session, principal, account)
    now = clock.now()
    repo = PostRepository(session, principal)
    post = await repo.add(
        Post(
            id=new_id("post"),
            **repo.owned_fields(),
            account_id=account.id,
            subaccount_id=draft.subaccount_id,
            platform=platform,
            status=PostStatus.scheduled if when else PostStatus.draft,
            content_text=draft.text,
            media_urls=media_urls,
            options=draft.options,
            scheduled_time=when,
            slot_id=slot_id,
            origin=origin,
            result={},
            publish_attempts=0,
            created_at=now,
            updated_at=now,
        )
    )
    if when is not None:
        await _scheduled(session, post)
    return post


async def create_post_once(
    db: Database,
    settings: Settings,
    principal: Principal,
    draft: PostDraft,
    key: idempotency.Key | None,
) -> idempotency.Outcome:
    """``create_post`` in its own transaction, at most once per Idempotency-Key."""
    await precheck(db, principal, draft)

    async def create(session: AsyncSession) -> idempotency.Result:
        post = await create_post(session, principal, draft)
        out = PostCreated(
            id=post.id, status=post.status, scheduled_time=post_out(post).scheduled_time,
            warnings=post_warnings(settings, principal, post),
        )  # fmt: skip
        return 201, out.model_dump()

    # The Idempotency-Key claim commits on its own before the create's transaction begins.
    return await idempotency.run(db, key, draft.model_dump(mode="json"), create)


async def _scheduled(session: AsyncSession, post: Post) -> None:
    await publish_job.schedule_publish(session, post)
    await emit(
        session,
        owner_id=post.owner_id,
        livemode=post.livemode,
        type=EventType.post_scheduled,
        data=post_out(post).model_dump(),
    )


async def read_post(reads: FastReads, principal: Principal, post_id: str) -> Row:
    """The post to show, read on the fast path: a row of its columns (for ``post_out``), not
    a session's object."""
    return await PostRepository.read_required(reads, principal, post_id)


async def get_post(
    session: AsyncSession, principal: Principal, post_id: str, *, for_update: bool = False
) -> Post:
    return await PostRepository(session, principal).require(post_id, for_update=for_update)


async def list_posts(
    reads: FastReads,
    principal: Principal,
    matching: PostFilter,
    *,
    limit: int,
    offset: int,
    by_schedule: bool = False,
) -> tuple[list[Row], ListMeta]:
    """A page of posts (fast read path: rows with the posts' columns, for ``post_out``)."""
    posts, total = await PostRepository.read_page(
        reads, principal, matching, limit=limit, offset=offset, by_schedule=by_schedule
    )
    meta = ListMeta(limit=limit, offset=offset, count=total, has_more=offset + len(posts) < total)
    return posts, meta


def _refuse_if_locked(post: Post, action: str) -> None:
    if post.status not in EDITABLE:
        raise Conflict(
            f"Post {post.id} is {post.status}; only draft, scheduled or failed posts can be "
            f"{action}.",
            details={"status": post.status},
        )


async def precheck_update(
    db: Database, principal: Principal, post_id: str, data: ScheduleUpdate
) -> None:
    """``update_schedule``'s content check in a read-only transaction when the new text is
    long (see ``precheck``)."""
    if data.content_text is None or len(data.content_text) <= LONG_TEXT_CHARS:
        return
    async with db.transaction(readonly=True) as session:
        post = await get_post(session, principal, post_id)
        content = await _read_update(session, principal, post, data)
    await judge(content, offload=True)


async def _read_update(
    session: AsyncSession, principal: Principal, post: Post, data: ScheduleUpdate
) -> Content:
    _refuse_if_locked(post, "edited")
    check_available(principal, post.platform)
    text = data.content_text if data.content_text is not None else post.content_text
    media = data.media_urls if data.media_urls is not None else list(post.media_urls or [])
    options = data.options if data.options is not None else dict(post.options or {})
    account = await find_account(session, principal, post.account_id)
    return await read_content(
        session, principal, platform=post.platform, text=text, media_urls=media,
        options=options, account=account,
    )  # fmt: skip


async def update_schedule(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    post_id: str,
    data: ScheduleUpdate,
) -> PostUpdated:
    """Edit text/media/options/time; the result is revalidated and the publish job moved in
    the same transaction. The answer says what will still fail at publish time."""
    post = await get_post(session, principal, post_id, for_update=True)
    content = await _read_update(session, principal, post, data)
    text, media, options = content.text, await judge(content), content.options
    post.content_text, post.media_urls, post.options = text, media, options
    if data.scheduled_time is not None:
        check_future(data.scheduled_time, "scheduled_time")
        post.scheduled_time = data.scheduled_time
        post.slot_id = None
        post.status = PostStatus.scheduled
        post.error_code = post.error_message = None
    post.updated_at = clock.now()
    await session.flush()
    if post.status == PostStatus.scheduled:
        await publish_job.schedule_publish(session, post)
    return PostUpdated(
        **post_out(post).model_dump(), warnings=post_warnings(settings, principal, post)
    )


async def delete_post(session: AsyncSession, principal: Principal, post_id: str) -> None:
    post = await get_post(session, principal, post_id, for_update=True)
    _refuse_if_locked(post, "deleted")
    await publish_job.cancel_publish(session, post)
    await PostRepository(session, principal).remove(post)


async def on_account_removed(session: AsyncSession, removed: AccountRemoved) -> None:
    """A removed account publishes nothing more: its scheduled posts fail, each with a
    ``post.failed`` event (subscribed to ``AccountRemoved`` by the composition)."""
    await fail_account_posts(
        session, removed.principal, removed.account_id, "account_disconnected",
        "The account was disconnected before this post was published. Reconnect it and "
        "schedule the post again.",
    )  # fmt: skip


async def fail_account_posts(
    session: AsyncSession, principal: Principal, account_id: str, code: str, message: str
) -> None:
    for post in await PostRepository(session, principal).for_account(
        account_id, [PostStatus.scheduled]
    ):
        await publish_job.cancel_publish(session, post)
        post.status = PostStatus.failed
        post.error_code, post.error_message = code, message
        post.updated_at = clock.now()
        await emit(
            session,
            owner_id=post.owner_id,
            livemode=post.livemode,
            type=EventType.post_failed,
            data=post_out(post).model_dump(),
        )


async def publish_now(session: AsyncSession, principal: Principal, post_id: str) -> Post:
    """Queue a draft, scheduled or failed post to publish immediately (revalidated first).
    A post already publishing or published is returned as it is."""
    post = await get_post(session, principal, post_id, for_update=True)
    if post.status in (PostStatus.publishing, PostStatus.published):
        return post
    account, _platform = await _target(
        session,
        principal,
        PostDraft(account_id=post.account_id, subaccount_id=post.subaccount_id),
        "",
    )
    post.media_urls = await check_content(
        session,
        principal,
        platform=post.platform,
        text=post.content_text,
        media_urls=list(post.media_urls or []),
        options=dict(post.options or {}),
        account=account,
    )
    now = clock.now()
    post.status = PostStatus.scheduled
    post.scheduled_time = now
    post.publish_state = None
    post.error_code = post.error_message = None
    post.updated_at = now
    await session.flush()
    await publish_job.schedule_publish(session, post, now=True)
    return post


async def wait_for_outcome(
    db: Database, principal: Principal, post_id: str, seconds: float
) -> Post:
    """Poll the post until it is published/failed or ``seconds`` pass (the worker publishes;
    an embedded worker is woken by the commit, so this is usually short). Each look is its
    own read-only transaction, so it sees the worker's commits and never blocks its writes."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        async with db.transaction(readonly=True) as session:
            post = await get_post(session, principal, post_id)
        settled = post.status in (PostStatus.published, PostStatus.failed)
        if settled or asyncio.get_running_loop().time() >= deadline:
            return post
        await asyncio.sleep(0.1)


async def publish_and_wait(
    db: Database, principal: Principal, post_id: str, seconds: float
) -> Post:
    """``publish_now``, then ``wait_for_outcome``. Two transactions: the queued publish must be
    committed (and, on SQLite, the write lock released) before the worker can act on it while
    we wait."""
    async with db.transaction() as session:
        post = await publish_now(session, principal, post_id)
    return await wait_for_outcome(db, principal, post.id, seconds)
