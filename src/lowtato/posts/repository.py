"""SQL for posts, scoped to one owner and mode."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select

from lowtato.kit.repository import OwnedRepository
from lowtato.posts.models import Post


class PostRepository(OwnedRepository[Post]):
    model = Post
    noun = "post"

    def filtered(
        self,
        *,
        statuses: Sequence[str] | None = None,
        account_id: str | None = None,
        time_from: datetime | None = None,
        time_to: datetime | None = None,
    ) -> Select[Post]:
        stmt = self.scoped()
        if statuses:
            stmt = stmt.where(Post.status.in_(list(statuses)))
        if account_id:
            stmt = stmt.where(Post.account_id == account_id)
        if time_from:
            stmt = stmt.where(Post.scheduled_time >= time_from)
        if time_to:
            stmt = stmt.where(Post.scheduled_time < time_to)
        return stmt

    async def page(
        self, stmt: Select[Post], *, limit: int, offset: int, by_schedule: bool = False
    ) -> tuple[list[Post], int]:
        order = (
            (Post.scheduled_time.asc(), Post.id.asc())
            if by_schedule
            else (Post.created_at.desc(), Post.id.desc())
        )
        rows = await self.session.execute(stmt.order_by(*order).limit(limit).offset(offset))
        return list(rows.scalars()), await self.count(stmt)

    async def scheduled_times(self, account_id: str) -> list[datetime]:
        """Times already taken by this account's scheduled posts (for useNextFreeSlot)."""
        stmt = self.filtered(statuses=["scheduled", "publishing"], account_id=account_id)
        return [
            p.scheduled_time
            for p in (await self.session.execute(stmt)).scalars()
            if p.scheduled_time
        ]

    async def for_account(self, account_id: str, statuses: Sequence[str]) -> list[Post]:
        stmt = self.filtered(statuses=statuses, account_id=account_id)
        return list((await self.session.execute(stmt)).scalars())
