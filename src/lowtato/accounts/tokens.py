"""Keeping connections alive: refreshing tokens (at publish time, and ahead of expiry by a
periodic job) and disconnecting an account when, and only when, the platform says its grant is
dead.

How a refresh answer is classified (``platforms.errors``, the same for every adapter):

- success → the access token, a rotated refresh token (if any) and the expiry are stored in
  one transaction, at once (a platform that rotates has just killed the old refresh token);
- ``AuthExpired`` (dead auth: ``invalid_grant``, a revoked/expired code, Meta error 190, a
  refused app password) → the account is disconnected with the platform's reason;
- ``RefreshRefused`` (a 4xx that does not say the grant is dead) → counted; after
  ``MAX_REFRESH_REFUSALS`` in a row the account is disconnected (kind ``refresh_failed``) with
  a reason saying so; before that it stays active and the caller retries;
- anything transient (5xx, timeouts, connection errors, rate limits) → nothing changes on the
  account; the caller retries with backoff.

Only one process refreshes an account at a time: a short claim on the row
(``refresh_claimed_until``) is taken with a conditional UPDATE, so two workers never both
spend a rotating refresh token (the loser would be told the token is dead).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import repository
from lowtato.accounts.models import SocialAccount
from lowtato.accounts.oauth import create_link
from lowtato.accounts.ports import AccountServices
from lowtato.accounts.repository import due_for_refresh
from lowtato.accounts.service import emit_disconnected, token_aad, token_expiry
from lowtato.errors import ValidationFailed
from lowtato.jobs.leases import JobContext
from lowtato.jobs.registry import Registry
from lowtato.kit import clock, metrics
from lowtato.kit.principal import system_principal
from lowtato.platforms.base import Adapter, AdapterContext, Credentials
from lowtato.platforms.capabilities import CAPABILITIES
from lowtato.platforms.errors import AuthExpired, PlatformError, RefreshRefused, Retryable
from lowtato.platforms.names import Platform
from lowtato.platforms.registry import AdapterUnavailable

log = logging.getLogger(__name__)

DisconnectKind = Literal["revoked", "expired", "refresh_failed"]

REFRESH_KIND = "accounts.refresh_tokens"
REFRESH_EVERY = timedelta(minutes=5)
# Publishing refreshes a token that expires within this margin (the post cannot wait).
PUBLISH_REFRESH_MARGIN = timedelta(minutes=5)
# Refusals in a row that do not say the grant is dead, before the account is disconnected.
MAX_REFRESH_REFUSALS = 3
# How long one refresh may hold its claim (longer than a platform request's timeout).
CLAIM = timedelta(seconds=120)
BUSY_RETRY_SECONDS = 15.0
BUSY_WAIT_SECONDS = 10.0  # how long a publish waits for another worker's refresh
BUSY_POLL_SECONDS = 0.2
DUE_BATCH = 200


def refresh_margin(platform: str) -> timedelta:
    """How long before expiry the periodic job refreshes the platform's tokens (capability
    data: ``token_refresh_margin``)."""
    return CAPABILITIES[Platform(platform)].token_refresh_margin


class RefreshBusy(Retryable):
    """Another worker is refreshing this account's token right now; try again shortly."""


@dataclass(frozen=True)
class Fresh:
    access_token: str | None
    refresh_token: str | None
    expires_at: datetime | None


def _due(expires_at: datetime | None, margin: timedelta) -> bool:
    return expires_at is not None and expires_at <= clock.now() + margin


def _stored(services: AccountServices, account: SocialAccount) -> Fresh:
    ring = services.keyring

    def dec(value: str | None, column: str) -> str | None:
        return ring.decrypt(value, aad=token_aad(account.id, column)) if value else None

    return Fresh(
        dec(account.access_token_enc, "access_token"),
        dec(account.refresh_token_enc, "refresh_token"),
        account.token_expires_at,
    )


async def refresh(
    services: AccountServices,
    account_id: str,
    adapter: Adapter,
    actx: AdapterContext,
    creds: Credentials,
    *,
    margin: timedelta,
) -> Fresh:
    """Refresh the account's token if it expires within ``margin``; the tokens to use.

    Raises ``AuthExpired`` when the account was disconnected (now or by an earlier refusal),
    ``RefreshBusy`` while another worker refreshes it, and the platform's transient errors.
    """
    # Another worker's refresh usually takes a moment: wait for it (polling, no transaction
    # held) and use what it stored, rather than putting the post off by BUSY_RETRY_SECONDS.
    give_up = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        now = clock.now()
        async with services.db.transaction() as session:
            account = await session.get(SocialAccount, account_id, populate_existing=True)
            if account is None or not account.is_active or account.deleted_at is not None:
                reason = account.disconnected_reason if account else None
                raise AuthExpired(reason or "the account is disconnected")
            stored = _stored(services, account)
            if not _due(account.token_expires_at, margin):
                return stored  # not due, or another worker just refreshed it
            claimed = await repository.claim_refresh(
                session, account_id, account.token_expires_at, now, now + CLAIM
            )
        if claimed:
            break
        if time.monotonic() >= give_up:
            raise RefreshBusy(
                "another worker is refreshing this account's token", after=BUSY_RETRY_SECONDS
            )
        await asyncio.sleep(BUSY_POLL_SECONDS)
    current = Credentials(
        platform_user_id=creds.platform_user_id,
        username=creds.username,
        access_token=stored.access_token,
        refresh_token=stored.refresh_token,
        expires_at=stored.expires_at,
        meta=creds.meta,
        target_id=creds.target_id,
        target_token=creds.target_token,
    )
    try:
        tokens = await adapter.refresh_token(actx, current)
    except AuthExpired as exc:
        if not current.refresh_token and stored.expires_at and stored.expires_at > clock.now():
            # Nothing to refresh with, but the token still works: use it while it lasts.
            await _release(services, account_id)
            return stored
        await _refused(services, account_id, exc, exc.kind)
        raise
    except RefreshRefused as exc:
        await _refused(services, account_id, exc, "refresh_failed")
        raise
    except BaseException:
        await _release(services, account_id)
        raise
    expires_at = token_expiry(clock.now(), tokens.expires_in)
    async with services.db.transaction() as session:
        account = await session.get(SocialAccount, account_id, populate_existing=True)
        if account is not None:
            ring = services.keyring
            account.access_token_enc = ring.encrypt(
                tokens.access_token, aad=token_aad(account.id, "access_token")
            )
            if tokens.refresh_token:  # rotation: the old refresh token is now dead
                account.refresh_token_enc = ring.encrypt(
                    tokens.refresh_token, aad=token_aad(account.id, "refresh_token")
                )
            account.token_expires_at = expires_at
            account.refresh_failures = 0
            account.refresh_claimed_until = None
            account.updated_at = clock.now()
    return Fresh(tokens.access_token, tokens.refresh_token or current.refresh_token, expires_at)


async def _release(services: AccountServices, account_id: str) -> None:
    async with services.db.transaction() as session:
        account = await session.get(SocialAccount, account_id, populate_existing=True)
        if account is not None:
            account.refresh_claimed_until = None


async def _refused(
    services: AccountServices, account_id: str, exc: PlatformError, kind: DisconnectKind
) -> None:
    """Record a refused refresh: a dead grant disconnects at once, an unknown refusal only
    after ``MAX_REFRESH_REFUSALS`` in a row (and then ``exc`` becomes ``AuthExpired``)."""
    async with services.db.transaction() as session:
        account = await session.get(SocialAccount, account_id, populate_existing=True)
        if account is None:
            return
        account.refresh_claimed_until = None
        metrics.TOKEN_REFRESH_FAILURES.labels(account.platform, kind).inc()
        if kind != "refresh_failed":
            await disconnect(
                session, services, account, f"token expired or revoked: {exc.reason}", kind=kind
            )
            return
        account.refresh_failures += 1
        if account.refresh_failures < MAX_REFRESH_REFUSALS:
            return
        reason = (
            f"token expired or revoked: the platform refused to refresh the token "
            f"{account.refresh_failures} times in a row ({exc.reason}); reconnect the account"
        )
        await disconnect(session, services, account, reason, kind="refresh_failed")
    raise AuthExpired(reason) from exc


async def disconnect(
    session: AsyncSession,
    services: AccountServices | None,
    account: SocialAccount,
    reason: str,
    *,
    kind: DisconnectKind,
) -> bool:
    """Mark the account inactive and send one ``account.disconnected``; False (and nothing
    sent) when it already was inactive, so repeated failures notify once."""
    if not account.is_active:
        return False
    account.is_active = False
    account.disconnected_reason = reason
    account.refresh_claimed_until = None
    account.updated_at = clock.now()
    url = await reconnect_url(session, services, account) if services else None
    await emit_disconnected(session, account, kind=kind, reconnect_url=url)
    return True


async def reconnect_url(
    session: AsyncSession, services: AccountServices, account: SocialAccount
) -> str | None:
    """A fresh connect link for the account's platform (single use, valid 15 minutes), made
    like ``POST /api/v1/accounts/connect-link``; None where the platform has no OAuth flow
    (Bluesky: connect again with a new app password) or this server has no OAuth app for it."""
    if CAPABILITIES[Platform(account.platform)].connect != "oauth_code":
        return None
    principal = system_principal(account.owner_id, account.livemode)
    try:
        link = await create_link(session, principal, services, account.platform, None)
    except ValidationFailed:
        return None
    return link.url


def identity(account: SocialAccount) -> Credentials:
    """Who the account is on its platform; ``refresh`` reads the stored tokens itself."""
    return Credentials(
        platform_user_id=account.platform_user_id,
        username=account.username,
        access_token=None,
        meta=dict(account.meta or {}),
    )


async def refresh_due_tokens(services: AccountServices) -> int:
    """The periodic job: refresh every active account whose token expires within its
    platform's margin. One account's failure never stops the others; returns how many were
    refreshed."""
    longest = max(caps.token_refresh_margin for caps in CAPABILITIES.values())
    async with services.db.transaction() as session:
        due = [
            (a.id, a.platform, a.token_expires_at)
            for a in await due_for_refresh(session, clock.now() + longest, DUE_BATCH)
        ]
    done = 0
    for account_id, platform, expires_at in due:
        margin = refresh_margin(platform)
        if not _due(expires_at, margin):
            continue
        try:
            adapter, actx = services.adapters.get(platform, sandbox=False)
        except AdapterUnavailable:
            continue
        async with services.db.transaction() as session:
            account = await session.get(SocialAccount, account_id)
            if account is None:
                continue
            creds = identity(account)
        try:
            await refresh(services, account_id, adapter, actx, creds, margin=margin)
        except PlatformError as exc:
            log.info("token refresh of %s did not succeed: %s", account_id, exc.reason)
            continue
        done += 1
    return done


def install(registry: Registry, services: AccountServices) -> None:
    """Register the periodic token refresh (one job per tick, whatever the number of
    workers; each account's refresh is claimed besides)."""

    @registry.register(REFRESH_KIND, max_attempts=1, timeout=600)
    async def refresh_tokens(ctx: JobContext) -> None:
        await refresh_due_tokens(services)

    registry.periodic(REFRESH_KIND, every=REFRESH_EVERY)
