"""Dashboard sign-in: passwords (argon2id), server-side sessions, one-time sign-in links and
optional self sign-up. Tokens are random and stored only as their sha256."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth import service as auth
from lowtato.auth.models import User
from lowtato.dashboard.models import DashboardPassword, DashboardSession, SignInLink
from lowtato.dashboard.repository import DashboardRepository
from lowtato.errors import NotFound, ValidationFailed
from lowtato.kit import clock
from lowtato.kit.principal import Principal
from lowtato.plans import PlanName

MIN_PASSWORD = 10
LINK_LIFETIME = timedelta(minutes=15)
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified when the email is unknown, so an unknown email costs as long as a wrong
    password (made at first use: hashing is deliberately slow, start-up should not be)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed.field("password", f"at least {MIN_PASSWORD} characters")
    return password


async def set_password(session: AsyncSession, email: str, password: str) -> User:
    """Set (or replace) an owner's password; their open sessions end."""
    user = await auth.get_user_by_email(session, email)
    if user is None:
        raise NotFound.of("user", email.strip().lower())
    repo = DashboardRepository(session)
    # Deliberately slow (argon2): off the event loop, so other requests keep flowing.
    hashed = await asyncio.to_thread(_HASHER.hash, check_password(password))
    row = await repo.password(user.id)
    if row is None:
        await repo.add(
            DashboardPassword(user_id=user.id, password_hash=hashed, updated_at=clock.now())
        )
    else:
        row.password_hash, row.updated_at = hashed, clock.now()
        await repo.end_sessions_of(user.id)
    return user


async def verify(session: AsyncSession, email: str, password: str) -> User | None:
    """The owner whose email and password these are; None otherwise (no hint which was wrong)."""
    user = await auth.get_user_by_email(session, email)
    row = await DashboardRepository(session).password(user.id) if user else None
    stored = row.password_hash if row else await asyncio.to_thread(_dummy_hash)
    try:
        await asyncio.to_thread(_HASHER.verify, stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if row else None


async def sign_up(session: AsyncSession, email: str, password: str) -> User:
    """A new owner on the free plan (only when the operator enabled sign-up)."""
    check_password(password)
    user = await auth.create_user(session, email=email, plan=PlanName.free)
    await set_password(session, user.email, password)
    return user


@dataclass(frozen=True)
class Opened:
    token: str  # the cookie's value, never stored
    row: DashboardSession


async def open_session(session: AsyncSession, user: User, lifetime: timedelta) -> Opened:
    repo = DashboardRepository(session)
    now = clock.now()
    await repo.sweep(now)
    token = secrets.token_urlsafe(32)
    row = DashboardSession(
        token_hash=_digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        livemode=False,  # test mode first: nothing real is published by accident
        created_at=now,
        expires_at=now + lifetime,
    )
    await repo.add(row)
    return Opened(token, row)


@dataclass(frozen=True)
class Viewer:
    """A signed-in owner, as plain values: pages run their own transactions after this one."""

    user_id: str
    email: str
    display_name: str
    plan: str
    token_hash: str
    csrf_token: str
    livemode: bool

    @property
    def principal(self) -> Principal:
        # No key: a session acts with full scopes, in the mode the owner switched to.
        return Principal(
            user_id=self.user_id,
            key_id="dashboard",
            livemode=self.livemode,
            scopes=frozenset(),
            plan=self.plan,
        )

    @property
    def mode(self) -> str:
        return "live" if self.livemode else "test"


async def load_session(session: AsyncSession, token: str | None) -> Viewer | None:
    """The session's owner; None when the token is unknown, ended or expired."""
    if not token:
        return None
    row = await DashboardRepository(session).session_row(_digest(token))
    if row is None or row.expires_at <= clock.now():
        return None
    user = await auth.get_user(session, row.user_id)
    if user is None:
        return None
    return Viewer(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        plan=user.plan,
        token_hash=row.token_hash,
        csrf_token=row.csrf_token,
        livemode=row.livemode,
    )


async def switch_mode(session: AsyncSession, viewer: Viewer, livemode: bool) -> None:
    row = await DashboardRepository(session).session_row(viewer.token_hash)
    if row is not None:
        row.livemode = livemode


async def close_session(session: AsyncSession, viewer: Viewer) -> None:
    await DashboardRepository(session).end_session(viewer.token_hash)


async def create_link(session: AsyncSession, user_id: str) -> str:
    """A one-time sign-in token (15 minutes)."""
    token = secrets.token_urlsafe(32)
    repo = DashboardRepository(session)
    await repo.sweep_links(clock.now())
    await repo.add(
        SignInLink(
            token_hash=_digest(token),
            user_id=user_id,
            expires_at=clock.now() + LINK_LIFETIME,
            used_at=None,
        )
    )
    return token


async def redeem_link(session: AsyncSession, token: str) -> User | None:
    """The link's owner, once: a used or expired link is None."""
    link = await DashboardRepository(session).link(_digest(token), for_update=True)
    now = clock.now()
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    link.used_at = now
    return await auth.get_user(session, link.user_id)
