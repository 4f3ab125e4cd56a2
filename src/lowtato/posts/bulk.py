"""``POST /api/v1/posts/bulk``: each item (for each of its platforms) is created on its own,
inside a savepoint, so one bad item never stops or half-writes the others.

The whole request is one write transaction (on SQLite it holds the database's single write
lock), so the number of posts it may create is capped before anything is written: at most
``MAX_POSTS`` in total over items times platforms, and each platform at most once per item. That
bounds the transaction's time whatever the body holds; one request with a long ``platforms``
list once created thousands of posts and stalled every other owner's writes meanwhile.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts.service import active_on_platform, check_available, check_platform
from lowtato.config import Settings
from lowtato.errors import LowtatoError, ValidationFailed
from lowtato.idempotency import service as idempotency
from lowtato.kit.db import Database
from lowtato.kit.principal import Principal
from lowtato.platforms.names import PLATFORMS
from lowtato.posts.schemas import BulkCreate, BulkError, BulkItem, BulkPost, BulkResult, PostDraft
from lowtato.posts.service import (
    LONG_TEXT_CHARS,
    Content,
    create_post,
    judge,
    post_warnings,
    read_draft,
)

MAX_POSTS = 50


def check_size(body: BulkCreate) -> None:
    """400 naming the field when the request would create more posts than allowed."""
    for index, item in enumerate(body.posts):
        field = f"posts[{index}].platforms"
        if len(item.platforms) > len(PLATFORMS):
            raise ValidationFailed.field(
                field,
                f"{len(item.platforms)} platforms; an item names each of the "
                f"{len(PLATFORMS)} platforms at most once",
            )
        names = [name.strip().lower() for name in item.platforms]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValidationFailed.field(
                field, f"{', '.join(twice)} named more than once; name each platform once"
            )
    total = sum(len(item.platforms) for item in body.posts)
    if total > MAX_POSTS:
        raise ValidationFailed.field(
            "posts",
            f"the request would create {total} posts (one per item and platform); at most "
            f"{MAX_POSTS} per request: split it",
        )


async def _account_for(
    session: AsyncSession, principal: Principal, item: BulkItem, platform: str
) -> str:
    if item.account_id:
        return item.account_id
    accounts = await active_on_platform(session, principal, platform)
    if not accounts:
        raise ValidationFailed.field(
            "account_id", f"no connected {platform} account; connect one or pass account_id"
        )
    if len(accounts) > 1:
        ids = ", ".join(a.id for a in accounts)
        raise ValidationFailed.field(
            "account_id", f"you have {len(accounts)} {platform} accounts ({ids}); pass account_id"
        )
    return accounts[0].id


async def _draft(
    session: AsyncSession, principal: Principal, item: BulkItem, raw_platform: str
) -> PostDraft:
    platform = check_platform(raw_platform, "platforms")
    check_available(principal, platform)
    return PostDraft(
        account_id=await _account_for(session, principal, item, platform),
        platform=platform,
        text=item.content,
        media_urls=item.media_urls or [],
        options=item.options or {},
        scheduled_time=item.scheduled_at,
    )


Refused = dict[tuple[int, str], LowtatoError]


async def precheck(db: Database, principal: Principal, body: BulkCreate) -> Refused:
    """When the request carries much text, every item is checked first: the reads in a
    read-only transaction, the counts after it in a thread (see ``service.precheck``). The
    ones refused are reported without being counted again, on the event loop, while the write
    lock is held; texts that pass are within their platform's limits, so cheap to count.
    Returns the refusals by (item index, platform as sent)."""
    refused: Refused = {}
    if sum(len(item.content) * len(item.platforms) for item in body.posts) <= LONG_TEXT_CHARS:
        return refused
    contents: dict[tuple[int, str], Content] = {}
    async with db.transaction(readonly=True) as session:
        for index, item in enumerate(body.posts):
            for raw_platform in item.platforms:
                try:
                    draft = await _draft(session, principal, item, raw_platform)
                    contents[index, raw_platform] = await read_draft(session, principal, draft)
                except LowtatoError as exc:
                    refused[index, raw_platform] = exc
    for key, content in contents.items():  # no transaction held while counting
        try:
            await judge(content, offload=True)
        except LowtatoError as exc:
            refused[key] = exc
    return refused


async def create_bulk(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    body: BulkCreate,
    refused: Refused | None = None,
) -> BulkResult:
    posts: list[BulkPost] = []
    errors: list[BulkError] = []
    refused = refused or {}
    for index, item in enumerate(body.posts):
        for raw_platform in item.platforms:
            if (earlier := refused.get((index, raw_platform))) is not None:
                errors.append(
                    BulkError(index=index, platform=raw_platform, error=earlier.body()["error"])
                )
                continue
            try:
                async with session.begin_nested():
                    draft = await _draft(session, principal, item, raw_platform)
                    platform = draft.platform or raw_platform
                    post = await create_post(session, principal, draft, origin="bulk")
                warnings = post_warnings(settings, principal, post)
                posts.append(BulkPost(id=post.id, platform=platform, status=post.status,
                                      index=index, warnings=warnings))  # fmt: skip
            except LowtatoError as exc:
                errors.append(
                    BulkError(index=index, platform=raw_platform, error=exc.body()["error"])
                )
    return BulkResult(created=len(posts), failed=len(errors), posts=posts, errors=errors or None)


async def create_bulk_once(
    db: Database,
    settings: Settings,
    principal: Principal,
    body: BulkCreate,
    key: idempotency.Key | None,
) -> idempotency.Outcome:
    """``create_bulk`` in its own transaction, at most once per Idempotency-Key."""
    check_size(body)
    refused = await precheck(db, principal, body)

    async def create(session: AsyncSession) -> idempotency.Result:
        result = await create_bulk(session, settings, principal, body, refused)
        return (201 if result.created else 200), result.model_dump(exclude_none=True)

    return await idempotency.run(db, key, body.model_dump(mode="json"), create)
