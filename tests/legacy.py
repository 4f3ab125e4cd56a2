"""Live accounts and posts written straight to the database: rows an older build could leave
behind (accounts on platforms without a live adapter, which connect refuses today), and live
accounts a test needs without a platform to check their token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from tests.conftest import Owner

from lowtato.accounts.service import store_account
from lowtato.kit import clock
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.posts import publish_job
from lowtato.posts.models import Post, PostStatus


async def legacy_account(app: FastAPI, owner: Owner, platform: str) -> str:
    """A live account on ``platform``, stored with its token unchecked (and no subaccounts)."""
    principal = Principal(owner.user_id, owner.key_id, True, frozenset(), "starter")
    async with app.state.db.transaction() as session:
        account = await store_account(
            session, principal, app.state.services.keyring, platform=platform,
            platform_user_id="u1", username="legacy", access_token="tok",
        )  # fmt: skip
        return account.id


async def legacy_post(
    app: FastAPI,
    owner: Owner,
    account_id: str,
    platform: str,
    *,
    media: list[str],
    options: dict[str, Any],
    due_in: timedelta = timedelta(hours=2),
) -> str:
    """A scheduled live post on ``platform`` with its publish job."""
    now = clock.now()
    post = Post(
        id=new_id("post"), owner_id=owner.user_id, livemode=True, account_id=account_id,
        subaccount_id=None, platform=platform, status=PostStatus.scheduled,
        content_text="old text", media_urls=media, options=options,
        scheduled_time=now + due_in, origin="api", result={}, publish_attempts=0,
        created_at=now, updated_at=now,
    )  # fmt: skip
    async with app.state.db.transaction() as session:
        session.add(post)
        await session.flush()
        await publish_job.schedule_publish(session, post)
    return post.id
