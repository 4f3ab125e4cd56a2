"""SQL for dashboard passwords, sessions and sign-in links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.dashboard.models import DashboardPassword, DashboardSession, SignInLink


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def password(self, user_id: str) -> DashboardPassword | None:
        return await self.session.get(DashboardPassword, user_id)

    async def session_row(self, token_hash: str) -> DashboardSession | None:
        return await self.session.get(DashboardSession, token_hash)

    async def link(self, token_hash: str, *, for_update: bool = False) -> SignInLink | None:
        return await self.session.get(SignInLink, token_hash, with_for_update=for_update)

    async def add(self, row: DashboardPassword | DashboardSession | SignInLink) -> None:
        self.session.add(row)
        await self.session.flush()

    async def end_session(self, token_hash: str) -> None:
        await self.session.execute(
            delete(DashboardSession).where(DashboardSession.token_hash == token_hash)
        )

    async def end_sessions_of(self, user_id: str) -> None:
        await self.session.execute(
            delete(DashboardSession).where(DashboardSession.user_id == user_id)
        )

    async def sweep(self, now: datetime) -> None:
        """Expired sessions go when someone signs in: the table keeps only live ones."""
        expired = DashboardSession.expires_at < now
        await self.session.execute(delete(DashboardSession).where(expired))

    async def sweep_links(self, now: datetime) -> None:
        """Links past their expiry go when a new one is made (used ones expire too)."""
        await self.session.execute(delete(SignInLink).where(SignInLink.expires_at < now))
