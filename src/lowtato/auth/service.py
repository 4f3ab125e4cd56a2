"""Owners and API keys: creation, revocation and authentication of a presented key."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth import keys
from lowtato.auth.events import OwnerCreated
from lowtato.auth.models import ApiKey, User
from lowtato.auth.repository import ApiKeyRepository, UserRepository
from lowtato.errors import NotFound, Unauthorized, ValidationFailed
from lowtato.events.bus import BUS
from lowtato.kit import clock
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.plans import PLANS, PlanName

LAST_USED_EVERY = timedelta(minutes=1)


async def get_user(session: AsyncSession, user_id: str) -> User | None:
    """The owner's row (other domains read and change their own fields of it through this)."""
    return await UserRepository(session).get(user_id)


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await UserRepository(session).get_by_email(email.strip())


async def create_user(
    session: AsyncSession, *, email: str, plan: str, display_name: str = ""
) -> User:
    if plan not in PLANS:
        raise ValidationFailed.field("plan", f"unknown plan {plan!r}; one of {', '.join(PLANS)}")
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed.field("email", "not an email address")
    repo = UserRepository(session)
    if await repo.get_by_email(email):
        raise ValidationFailed.field("email", f"a user with email {email} already exists")
    now = clock.now()
    user = await repo.add(
        User(
            id=new_id("usr"),
            email=email,
            display_name=display_name,
            plan=plan,
            credits_balance=PLANS[PlanName(plan)].monthly_credits,
            timezone="UTC",
            language="en",
            notification_preferences={},
            onboarding_completed=False,
            created_at=now,
            updated_at=now,
        )
    )
    # Billing opens the credit ledger with the plan's monthly credits, in this transaction.
    await BUS.publish(session, OwnerCreated(user))
    return user


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    plaintext: str  # shown once, never stored


async def create_key(
    session: AsyncSession,
    *,
    pepper: bytes,
    user: User,
    livemode: bool,
    scopes: list[str],
    name: str = "",
) -> CreatedKey:
    parsed = keys.generate(livemode=livemode)
    row = ApiKey(
        id=new_id("key"),
        user_id=user.id,
        livemode=livemode,
        lookup=parsed.lookup,
        secret_hash=keys.digest(pepper, parsed.raw),
        display=keys.display(parsed),
        name=name,
        scopes=scopes,
        created_at=clock.now(),
        last_used_at=None,
        revoked_at=None,
    )
    await ApiKeyRepository(session).add(row)
    return CreatedKey(row, parsed.raw)


async def list_keys(session: AsyncSession, user_id: str) -> list[ApiKey]:
    """The owner's keys, revoked ones included (oldest first)."""
    return await ApiKeyRepository(session).list_for_user(user_id)


async def revoke_key(session: AsyncSession, key_id: str, *, owner_id: str | None = None) -> ApiKey:
    """Revoke a key; with ``owner_id``, another owner's key is not found (not revoked)."""
    key = await ApiKeyRepository(session).get(key_id)
    if key is None or (owner_id is not None and key.user_id != owner_id):
        raise NotFound.of("API key", key_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
    return key


class Authenticator:
    """Turns a presented key into a Principal, caching the answer briefly.

    The cache makes the hot path one dict lookup; its TTL (``auth_cache_seconds``, default 1 s)
    bounds how long a revoked key keeps working in a process that saw it recently.
    """

    def __init__(self, db: Database, pepper: bytes, cache_seconds: float) -> None:
        self.db = db
        self.pepper = pepper
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._touched: dict[str, float] = {}

    async def authenticate(self, raw: str | None) -> Principal:
        """The key's principal. Uses its own short transactions (a read, and at most once a
        minute a write of ``last_used_at``), never the request's: on SQLite the request's
        write transaction must not be open while these run."""
        parsed = keys.parse(raw) if raw else None
        if parsed is None:  # wrong shape or checksum: refused without a database read
            raise Unauthorized
        digest = keys.digest(self.pepper, parsed.raw)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached and cached[0] > now:
            principal = cached[1]
        else:
            async with self.db.transaction(readonly=True) as session:
                principal = await self._load(session, parsed, digest)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now + self.cache_seconds, principal)
        if now - self._touched.get(principal.key_id, -1e9) >= LAST_USED_EVERY.total_seconds():
            self._touched[principal.key_id] = now
            # Its own short write, so read-only requests stay read-only.
            async with self.db.transaction() as write:
                await ApiKeyRepository(write).touch(
                    principal.key_id, clock.now(), every=LAST_USED_EVERY
                )
        return principal

    async def _load(self, session: AsyncSession, parsed: keys.ParsedKey, digest: str) -> Principal:
        found = await ApiKeyRepository(session).get_active_by_lookup(parsed.lookup)
        if found is None:
            raise Unauthorized
        key, user = found
        if not hmac.compare_digest(key.secret_hash, digest) or key.livemode != parsed.livemode:
            raise Unauthorized
        return Principal(
            user_id=user.id,
            key_id=key.id,
            livemode=key.livemode,
            scopes=frozenset(key.scopes or ()),
            plan=user.plan,
        )
