"""The OAuth connect flow (beyond the contract): a link the user opens, and the callback.

``connect-link`` stores a one-time ``state`` (hashed) and a PKCE verifier (encrypted), and
returns the platform's authorize URL. The callback checks the state (unknown, used, expired or
for another platform → refused) and burns it, exchanges the code, asks the platform who the
token belongs to, stores the account and its pages/organizations, and sends the browser on; no
database transaction is open while the platform is being asked. Test-mode links
go to the sandbox network's own approval page, so agents can rehearse the flow.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import repository
from lowtato.accounts.models import SocialAccount
from lowtato.accounts.oauth_models import OAuthState
from lowtato.accounts.ports import AccountServices
from lowtato.accounts.service import (
    add_sandbox_subaccounts,
    add_subaccounts,
    check_available,
    check_platform,
    learned_meta,
    reach_warnings,
    store_account,
)
from lowtato.errors import ValidationFailed
from lowtato.kit import clock
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal, system_principal
from lowtato.platforms.base import Credentials, Identity, OAuthApp, SubAccountInfo, TokenSet
from lowtato.platforms.capabilities import CAPABILITIES
from lowtato.platforms.errors import PlatformError
from lowtato.platforms.names import Platform
from lowtato.platforms.registry import AdapterUnavailable
from lowtato.platforms.sandbox.adapter import sandbox_learned

STATE_TTL = timedelta(minutes=15)
SANDBOX_APP = OAuthApp(
    client_id="sandbox", client_secret=""
)  # app passwords instead of an OAuth code flow


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def callback_url(services: AccountServices, platform: str) -> str:
    return f"{services.settings.public_url.rstrip('/')}/oauth/{platform}/callback"


@dataclass(frozen=True)
class ConnectLink:
    url: str
    state: str
    expires_at: str


async def create_link(
    session: AsyncSession,
    principal: Principal,
    services: AccountServices,
    platform: str,
    redirect_uri: str | None,
) -> ConnectLink:
    platform = check_platform(platform)
    check_available(principal, platform)
    caps = CAPABILITIES[Platform(platform)]
    if caps.connect != "oauth_code":
        raise ValidationFailed.field("platform", caps.connect_advice)
    if redirect_uri is not None and not redirect_uri.lower().startswith(("https://", "http://")):
        raise ValidationFailed.field("redirect_uri", "must be an http(s) URL")
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    )
    row_id = new_id("oauth")
    now = clock.now()
    callback = callback_url(services, platform)
    # Test mode: the sandbox network's consent page, needing no app registration.
    app = services.adapters.oauth_app(platform) if principal.livemode else SANDBOX_APP
    if app is None:
        raise ValidationFailed.field(
            "platform",
            f"no OAuth app is configured for {platform} on this server; the operator sets "
            f"LOWTATO_PLATFORMS__{platform.upper()}__CLIENT_ID and __CLIENT_SECRET",
        )
    try:
        adapter, ctx = services.adapters.get(platform, sandbox=not principal.livemode)
    except AdapterUnavailable as exc:
        raise ValidationFailed.field("platform", str(exc)) from exc
    url = adapter.authorize_url(
        ctx, app, redirect_uri=callback, state=state, code_challenge=challenge
    )
    session.add(
        OAuthState(
            id=row_id,
            state_hash=_hash(state),
            owner_id=principal.user_id,
            livemode=principal.livemode,
            platform=platform,
            redirect_uri=redirect_uri,
            code_verifier_enc=services.keyring.encrypt(verifier, aad=f"oauth_states:{row_id}"),
            created_at=now,
            expires_at=now + STATE_TTL,
            used_at=None,
        )
    )
    return ConnectLink(url=url, state=state, expires_at=clock.iso(now + STATE_TTL) or "")


class CallbackError(Exception):
    """The callback cannot complete; ``message`` says why and what to do."""

    def __init__(self, message: str, redirect_uri: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.redirect_uri = redirect_uri


@dataclass(frozen=True)
class Connected:
    account: SocialAccount
    redirect_uri: str | None
    # What will not work yet (``reach_warnings``), for the redirect or the page to say.
    warnings: list[str]


@dataclass(frozen=True)
class _Claim:
    """A burnt state: who asked for the link, and what the platform needs for the exchange."""

    row_id: str
    principal: Principal
    redirect_uri: str | None
    code_verifier_enc: str


@dataclass(frozen=True)
class _Grant:
    tokens: TokenSet
    who: Identity
    subs: list[SubAccountInfo]
    learned: dict[str, Any]  # AdapterContext.learned


async def complete(
    db: Database,
    services: AccountServices,
    platform: str,
    *,
    code: str | None,
    state: str | None,
    error: str | None,
) -> Connected:
    """Three steps, so no transaction waits on the platform: burn the state (committed on its
    own, so a link works once even if the rest fails), exchange the code and ask who the
    token belongs to (no transaction), store the account (a short transaction)."""
    async with db.transaction() as session:
        claim = await _burn(session, platform, state)
    if error or not code:
        raise CallbackError(
            f"The platform did not grant access ({error or 'no code'}).", claim.redirect_uri
        )
    grant = await _exchange(services, platform, claim, code) if claim.principal.livemode else None
    warnings = reach_warnings(services, claim.principal, platform)
    async with db.transaction() as session:
        if grant is None:
            account = await _sandbox_account(session, services, claim.principal, platform)
        else:
            account = await _store(
                session, services, platform, claim.principal, grant, warnings=warnings
            )
    return Connected(account, claim.redirect_uri, warnings)


async def _burn(session: AsyncSession, platform: str, state: str | None) -> _Claim:
    row = None
    if state:
        row = await repository.oauth_state_for_update(session, _hash(state))
    if row is None or row.platform != platform:
        raise CallbackError(
            "This connect link is unknown or for another platform. Ask for a new one."
        )
    if row.used_at is not None:
        raise CallbackError(
            "This connect link was already used. Ask for a new one.", row.redirect_uri
        )
    if row.expires_at <= clock.now():
        raise CallbackError("This connect link has expired. Ask for a new one.", row.redirect_uri)
    row.used_at = clock.now()
    return _Claim(
        row_id=row.id,
        principal=system_principal(row.owner_id, row.livemode),
        redirect_uri=row.redirect_uri,
        code_verifier_enc=row.code_verifier_enc,
    )


async def _exchange(services: AccountServices, platform: str, claim: _Claim, code: str) -> _Grant:
    verifier = services.keyring.decrypt(claim.code_verifier_enc, aad=f"oauth_states:{claim.row_id}")
    app = services.adapters.oauth_app(platform)
    try:
        adapter, ctx = services.adapters.get(platform, sandbox=False)
        if app is None:
            raise CallbackError(
                f"No OAuth app is configured for {platform} any more.", claim.redirect_uri
            )
        tokens = await adapter.exchange_code(
            ctx,
            app,
            code=code,
            redirect_uri=callback_url(services, platform),
            code_verifier=verifier,
        )
        creds = Credentials(platform_user_id="", username="", access_token=tokens.access_token,
                            refresh_token=tokens.refresh_token)  # fmt: skip
        who = await adapter.whoami(ctx, creds)
        subs = await adapter.list_subaccounts(ctx, creds)
    except (PlatformError, AdapterUnavailable) as exc:
        raise CallbackError(f"Connecting to {platform} failed: {exc}", claim.redirect_uri) from exc
    return _Grant(tokens, who, subs, ctx.learned)


async def _store(
    session: AsyncSession,
    services: AccountServices,
    platform: str,
    principal: Principal,
    grant: _Grant,
    *,
    warnings: list[str],
) -> SocialAccount:
    who, tokens = grant.who, grant.tokens
    account = await store_account(
        session, principal, services.keyring, platform=platform,
        platform_user_id=who.platform_user_id, username=who.username, fullname=who.fullname,
        profile_image_url=who.profile_image_url, access_token=tokens.access_token,
        refresh_token=tokens.refresh_token, expires_in=tokens.expires_in, warnings=warnings,
        meta=learned_meta(grant.learned),
    )  # fmt: skip
    await add_subaccounts(session, principal, services.keyring, account, grant.subs)
    return account


async def _sandbox_account(
    session: AsyncSession, services: AccountServices, principal: Principal, platform: str
) -> SocialAccount:
    handle = f"sandbox_{platform}_{secrets.token_hex(3)}"
    account = await store_account(
        session, principal, services.keyring, platform=platform,
        platform_user_id=f"sandbox-{handle}", username=handle, access_token=None, sandbox=True,
        meta=learned_meta(sandbox_learned(Platform(platform))),
    )  # fmt: skip
    await add_sandbox_subaccounts(session, principal, services, account)
    return account
