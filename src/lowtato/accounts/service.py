"""Connecting, listing and disconnecting social accounts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import repository
from lowtato.accounts.events import AccountRemoved
from lowtato.accounts.models import SocialAccount, SubAccount
from lowtato.accounts.ports import AccountServices
from lowtato.accounts.repository import AccountRepository, SubAccountRepository
from lowtato.accounts.schemas import AccountOut, Connected, ConnectRequest, SubAccountOut
from lowtato.auth.service import get_user
from lowtato.config import Settings
from lowtato.errors import (
    PaymentRequired,
    PlatformUnavailable,
    ServiceUnavailable,
    ValidationFailed,
)
from lowtato.events.bus import BUS
from lowtato.events.service import EventType, emit
from lowtato.kit import clock
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.fastread import FastReads
from lowtato.kit.guarded_http import OutboundError, check_url
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.plans import PLANS, PlanName
from lowtato.platforms.base import ALLOWED_OPTIONS, Credentials, Identity, SubAccountInfo
from lowtato.platforms.capabilities import CAPABILITIES
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected
from lowtato.platforms.live import live_platforms
from lowtato.platforms.names import PLATFORMS, Platform
from lowtato.platforms.reach import private_host
from lowtato.platforms.rules import Allowed
from lowtato.platforms.sandbox.adapter import sandbox_learned, sandbox_subaccounts

# Key in an account's meta: when the platform last said what ``learned_meta`` stores.
LEARNED_AT = "learned_at"

# A platform's token answer is not ours to trust: an absurd lifetime is capped, never a 500.
MAX_TOKEN_LIFETIME = timedelta(days=3650)


def token_expiry(now: datetime, expires_in: int | None) -> datetime | None:
    """When a token issued ``now`` with ``expires_in`` seconds to live expires (None: it does
    not say), capped at ten years whatever the platform or the caller claims."""
    if not expires_in or expires_in <= 0:
        return None
    return now + min(timedelta(seconds=min(expires_in, 10**10)), MAX_TOKEN_LIFETIME)


def token_aad(account_id: str, column: str) -> str:
    return f"social_accounts.{column}:{account_id}"


def subaccount_token_aad(subaccount_id: str) -> str:
    return f"subaccounts.access_token:{subaccount_id}"


def account_out(account: SocialAccount) -> AccountOut:
    return AccountOut(
        id=account.id,
        platform=account.platform,
        username=account.username,
        fullname=account.fullname,
        profile_image_url=account.profile_image_url,
        is_active=account.is_active,
        sandbox=account.sandbox,
        disconnected_reason=account.disconnected_reason,
        token_expires_at=account.token_expires_at,
    )


def check_platform(platform: str, field: str = "platform") -> str:
    value = platform.strip().lower()
    if value not in PLATFORMS:
        raise ValidationFailed.field(
            field, f"unknown platform '{platform}'; use one of {', '.join(PLATFORMS)}"
        )
    return value


def check_available(principal: Principal, platform: str) -> None:
    """400 ``platform_unavailable`` when a live key names a platform this build cannot publish
    to live: refusing at connect (and at every later write) beats accepting posts that can
    only fail at publish time. Test keys use the sandbox network, which has every platform."""
    if principal.livemode and platform not in (working := live_platforms()):
        raise PlatformUnavailable(platform, working)


async def get_account(
    session: AsyncSession, principal: Principal, account_id: str
) -> SocialAccount:
    return await AccountRepository(session, principal).require(account_id)


async def find_account(
    session: AsyncSession, principal: Principal, account_id: str
) -> SocialAccount | None:
    return await AccountRepository(session, principal).get(account_id)


async def find_subaccount(
    session: AsyncSession, principal: Principal, subaccount_id: str
) -> SubAccount | None:
    return await SubAccountRepository(session, principal).get(subaccount_id)


async def account_by_id(session: AsyncSession, account_id: str) -> SocialAccount | None:
    """Any owner's account by id, deleted or not: for jobs, which act for no caller."""
    return await repository.account_by_id(session, account_id)


async def subaccount_by_id(session: AsyncSession, subaccount_id: str) -> SubAccount | None:
    return await repository.subaccount_by_id(session, subaccount_id)


async def load_accounts(session: AsyncSession, account_ids: Sequence[str]) -> None:
    """Read these accounts into the session in one statement, so that ``account_by_id``
    answers each of them without another (a group of publishes reads them all)."""
    await repository.load_accounts(session, account_ids)


async def count_accounts(session: AsyncSession, principal: Principal) -> int:
    """Connected (not deleted) accounts of the caller's owner and mode."""
    return await AccountRepository(session, principal).count()


async def active_on_platform(
    session: AsyncSession, principal: Principal, platform: str
) -> list[SocialAccount]:
    """The caller's active accounts on ``platform``, by id."""
    return await AccountRepository(session, principal).on_platform(platform)


async def lock_account(session: AsyncSession, principal: Principal, account_id: str) -> None:
    """Hold the account's row until the transaction ends (see ``AccountRepository.lock``)."""
    await AccountRepository(session, principal).lock(account_id)


async def list_accounts(reads: FastReads, principal: Principal) -> list[AccountOut]:
    return [account_out(a) for a in await AccountRepository.read_all(reads, principal)]


async def list_subaccounts(
    session: AsyncSession, principal: Principal, account_id: str
) -> list[SubAccountOut]:
    await get_account(session, principal, account_id)
    rows = await SubAccountRepository(session, principal).for_account(account_id)
    return [
        SubAccountOut(id=s.id, external_id=s.external_id, name=s.name, type=s.type) for s in rows
    ]


async def _check_plan_limit(session: AsyncSession, principal: Principal) -> None:
    user = await get_user(session, principal.user_id)
    plan = user.plan if user else principal.plan
    limit = PLANS[PlanName(plan)].max_accounts
    if limit is None:
        return
    count = await AccountRepository(session, principal).count()
    if count >= limit:
        raise PaymentRequired(
            f"Your {plan} plan allows {limit} connected accounts and you have {count}. "
            "Disconnect one (DELETE /api/v1/accounts/{id}) or upgrade your plan.",
            details={"limit": limit, "current": count, "plan": plan},
        )


async def store_account(
    session: AsyncSession,
    principal: Principal,
    keyring: KeyRing,
    *,
    platform: str,
    platform_user_id: str,
    username: str,
    fullname: str = "",
    profile_image_url: str | None = None,
    access_token: str | None,
    refresh_token: str | None = None,
    expires_in: int | None = None,
    sandbox: bool = False,
    meta: dict[str, object] | None = None,
    warnings: Sequence[str] = (),
) -> SocialAccount:
    """Insert the account, or revive and update the row of the same platform user. The
    ``account.connected`` event carries ``warnings`` (``reach_warnings``), as the answer to
    the connect does."""
    repo = AccountRepository(session, principal)
    now = clock.now()
    account = await repo.find(platform, platform_user_id)
    if account is None or account.deleted_at is not None:
        await _check_plan_limit(session, principal)
    if account is None:
        account = SocialAccount(
            id=new_id("acc"),
            **repo.owned_fields(),
            platform=platform,
            platform_user_id=platform_user_id,
            created_at=now,
            meta={},
        )
        session.add(account)
    account.username = username
    account.fullname = fullname or account.fullname or username
    account.profile_image_url = profile_image_url or account.profile_image_url
    account.is_active = True
    account.sandbox = sandbox
    account.deleted_at = None
    account.disconnected_reason = None
    account.meta = {**(account.meta or {}), **(meta or {})}
    account.access_token_enc = (
        keyring.encrypt(access_token, aad=token_aad(account.id, "access_token"))
        if access_token
        else None
    )
    # A grant without a refresh token keeps the stored one: Google, for one, sends a refresh
    # token only on the first consent, and dropping it would disconnect the account at the
    # next expiry. A grant that brings one replaces it.
    if refresh_token:
        account.refresh_token_enc = keyring.encrypt(
            refresh_token, aad=token_aad(account.id, "refresh_token")
        )
    account.token_expires_at = token_expiry(now, expires_in)
    account.refresh_failures = 0
    account.refresh_claimed_until = None
    account.updated_at = now
    await session.flush()
    await emit(
        session,
        owner_id=principal.user_id,
        livemode=principal.livemode,
        type=EventType.account_connected,
        data={**account_out(account).model_dump(mode="json"), "warnings": list(warnings)},
    )
    return account


async def connect(
    db: Database, principal: Principal, services: AccountServices, body: ConnectRequest
) -> Connected:
    """Store the given tokens. A live key's token is first checked with the platform
    (``whoami``), which also supplies the account's id, handle and pages. With a test-mode
    key the account lives on the sandbox network and no platform is called. The answer (and
    the ``account.connected`` event) says what will not work yet (``reach_warnings``).

    The platform (and a PDS's DNS) is asked before the storing transaction begins, so a slow
    platform holds no database lock."""
    platform = check_platform(body.platform)
    check_available(principal, platform)
    user_id = body.platform_user_id.strip() or (body.platform_username or "").strip()
    if not user_id:
        raise ValidationFailed.field(
            "platform_user_id", "required: the account's id on the platform (or platform_username)"
        )
    meta: dict[str, object] = {}
    if body.service_url:
        meta["service_url"] = await _checked_service_url(services, body.service_url)
    creds = Credentials(
        platform_user_id=body.platform_user_id.strip(),
        username=(body.platform_username or "").strip(),
        access_token=body.access_token,
        refresh_token=body.refresh_token,
        meta=meta,
    )
    identity: Identity | None = None
    subs: list[SubAccountInfo] = []
    if principal.livemode:
        identity, subs, learned = await _verify(services, platform, creds)
    else:
        learned = sandbox_learned(Platform(platform))
    meta.update(learned_meta(learned))
    warnings = reach_warnings(services, principal, platform)
    async with db.transaction() as session:
        account = await store_account(
            session,
            principal,
            services.keyring,
            platform=platform,
            platform_user_id=identity.platform_user_id if identity else user_id,
            username=identity.username if identity else (body.platform_username or user_id).strip(),
            fullname=identity.fullname if identity else "",
            profile_image_url=identity.profile_image_url if identity else None,
            access_token=body.access_token,
            refresh_token=body.refresh_token,
            expires_in=body.expires_in,
            sandbox=not principal.livemode,
            meta=meta,
            warnings=warnings,
        )
        if not principal.livemode:
            await add_sandbox_subaccounts(session, principal, services, account)
        await add_subaccounts(session, principal, services.keyring, account, subs)
    return Connected(
        id=account.id, platform=account.platform, username=account.username, warnings=warnings
    )


def _unreachable(settings: Settings, principal: Principal, platform: str, url: str) -> str | None:
    """The host of ``url`` when ``platform`` would have to download media from it and cannot
    (docs/reference/platforms.md §3), else None. Live keys only: the sandbox downloads
    nothing and publishes such media (test keys rehearse on this machine)."""
    caps = CAPABILITIES[Platform(platform)]
    if not (principal.livemode and caps.media_by_url) or settings.allow_private_urls:
        return None
    return private_host(url)


def reach_warnings(services: AccountServices, principal: Principal, platform: str) -> list[str]:
    """A live account on a platform that downloads media itself cannot use media uploaded
    here while this server's public URL is private."""
    settings = services.settings
    host = _unreachable(settings, principal, platform, settings.public_url)
    if host is None:
        return []
    name = CAPABILITIES[Platform(platform)].display_name
    return [
        f"{name} downloads media from public URLs, and LOWTATO_PUBLIC_URL "
        f"({settings.public_url}) is on {host}, which {name} cannot reach: posts "
        "with media uploaded here will be refused. Set LOWTATO_PUBLIC_URL to this server's "
        "public https address, or use media URLs hosted elsewhere."
    ]


def hosted_media_warnings(
    settings: Settings, principal: Principal, platform: str, hosted: Sequence[str]
) -> list[str]:
    """A post's warning when its media uploaded here (``hosted``: their URLs) sit on an
    address the platform cannot download from. The post is kept: the operator may fix the
    setting before it is due. Each file's URL was made from LOWTATO_PUBLIC_URL when it was
    uploaded, and that URL is what the platform is given, so it is the one judged."""
    unreachable = [url for url in hosted if _unreachable(settings, principal, platform, url)]
    if not unreachable:
        return []
    name = CAPABILITIES[Platform(platform)].display_name
    host = _unreachable(settings, principal, platform, unreachable[0])
    return [
        f"{name} downloads media from public URLs, and this post's media uploaded here "
        f"({unreachable[0]}{f' and {len(unreachable) - 1} more' if len(unreachable) > 1 else ''}) "
        f"are on {host}, which {name} cannot reach: publishing will fail with media_not_public. "
        f"LOWTATO_PUBLIC_URL ({settings.public_url}) gives uploads their URLs: set it to this "
        "server's public https address and upload the media again (then update the post), or "
        "use media URLs on a public host."
    ]


async def add_sandbox_subaccounts(
    session: AsyncSession, principal: Principal, services: AccountServices, account: SocialAccount
) -> None:
    """A sandbox account gets the Page / organization / board its platform would list, so a
    test-mode Facebook post can target a Page as a live one must."""
    creds = Credentials(account.platform_user_id, account.username, None)
    subs = sandbox_subaccounts(Platform(account.platform), creds)
    await add_subaccounts(session, principal, services.keyring, account, subs)


async def add_subaccounts(
    session: AsyncSession,
    principal: Principal,
    keyring: KeyRing,
    account: SocialAccount,
    subs: list[SubAccountInfo],
) -> None:
    """Store (or update) each Page / organization / board the platform listed."""
    for sub in subs:
        await add_subaccount(
            session, principal, keyring, account, external_id=sub.external_id,
            name=sub.name, type=sub.type, access_token=sub.access_token,
        )  # fmt: skip


async def _checked_service_url(services: AccountServices, url: str) -> str:
    """A self-hosted PDS URL is user-supplied and the app password is sent there: https only
    (plain http is allowed with LOWTATO_ALLOW_PRIVATE_URLS, for local testing), and the URL
    gets the webhook checks. Its addresses are checked each time a call connects, by the
    guarded client every request to it goes through (``whoami`` below is the first)."""
    allow_private = services.settings.allow_private_urls
    try:
        parsed = check_url(url, allow_private=allow_private, require_https=True)
    except OutboundError as exc:
        raise ValidationFailed.field("service_url", exc.reason) from exc
    return str(parsed).rstrip("/")


async def _verify(
    services: AccountServices, platform: str, creds: Credentials
) -> tuple[Identity, list[SubAccountInfo], dict[str, Any]]:
    """Ask the platform whose token this is, its pages, and what it said worth keeping
    (``AdapterContext.learned``). ``check_available`` ran first, so the platform has a live
    adapter."""
    adapter, ctx = services.adapters.get(platform, sandbox=False)
    try:
        identity = await adapter.whoami(ctx, creds)
        subs = await adapter.list_subaccounts(ctx, creds)
    except Rejected as exc:
        if exc.code == "service_url_refused":  # the guarded client refused the PDS address
            raise ValidationFailed.field("service_url", exc.reason) from exc
        raise ValidationFailed.field(
            "access_token", f"{platform} did not accept this token: {exc.reason}"
        ) from exc
    except AuthExpired as exc:
        raise ValidationFailed.field(
            "access_token", f"{platform} did not accept this token: {exc.reason}"
        ) from exc
    except PlatformError as exc:
        raise ServiceUnavailable(
            f"Could not reach {platform} to check the token ({exc.reason}); try again shortly."
        ) from exc
    given = creds.platform_user_id
    if given and given not in (identity.platform_user_id, identity.username):
        raise ValidationFailed.field(
            "platform_user_id",
            f"this token belongs to {platform} user {identity.platform_user_id} "
            f"(@{identity.username}), not {creds.platform_user_id}",
        )
    return identity, subs, ctx.learned


def learned_meta(learned: Mapping[str, Any]) -> dict[str, Any]:
    """What an adapter learned about an account (``AdapterContext.learned``), as stored in
    its meta: with ``learned_at``, the day it was said (quoted when a post is refused for it)."""
    return {**learned, LEARNED_AT: clock.iso(clock.now())} if learned else {}


async def remember(session: AsyncSession, account_id: str, learned: Mapping[str, Any]) -> None:
    """Keep what a publish learned about the account (its allowed options, say) for the next
    post's creation. The account may be another owner's: jobs act for no caller."""
    if not learned:  # most publishes learn nothing: no read of the account
        return
    account = await repository.account_by_id(session, account_id)
    if account is not None:
        # A new dict: the JSON column is only written when it is assigned.
        account.meta = {**(account.meta or {}), **learned_meta(learned)}


def allowed_options(account: SocialAccount) -> tuple[Allowed, str]:
    """The option values the platform last said this account may use (empty: not known) and
    the day it said so."""
    meta = account.meta or {}
    allowed = meta.get(ALLOWED_OPTIONS)
    if not isinstance(allowed, dict):
        return {}, ""
    return allowed, str(meta.get(LEARNED_AT) or "")[:10]


async def add_subaccount(
    session: AsyncSession,
    principal: Principal,
    keyring: KeyRing,
    account: SocialAccount,
    *,
    external_id: str,
    name: str,
    type: str,
    access_token: str | None = None,
) -> SubAccount:
    repo = SubAccountRepository(session, principal)
    sub = await repo.by_external(account.id, external_id)
    if sub is None:
        sub = SubAccount(
            id=new_id("sub"),
            **repo.owned_fields(),
            account_id=account.id,
            external_id=external_id,
            created_at=clock.now(),
        )
        session.add(sub)
    sub.name = name
    sub.type = type
    if (
        access_token
    ):  # a listing without a token (e.g. no Page token this time) keeps the stored one
        sub.access_token_enc = keyring.encrypt(access_token, aad=subaccount_token_aad(sub.id))
    await session.flush()
    return sub


async def remove_account(session: AsyncSession, principal: Principal, account_id: str) -> None:
    """Forget the tokens and hide the account. Its scheduled posts fail with a clear reason
    (the posts domain's answer to ``AccountRemoved``)."""
    account = await get_account(session, principal, account_id)
    now = clock.now()
    account.is_active = False
    account.deleted_at = now
    account.disconnected_reason = "disconnected by the owner"
    account.access_token_enc = None
    account.refresh_token_enc = None
    account.updated_at = now
    await BUS.publish(session, AccountRemoved(principal, account.id))
    # The owner revoked it here: no reconnect link is offered.
    await emit_disconnected(session, account, kind="revoked", reconnect_url=None)


async def emit_disconnected(
    session: AsyncSession, account: SocialAccount, *, kind: str, reconnect_url: str | None
) -> None:
    """The one ``account.disconnected`` event: the account as the API shows it, plus
    ``{account_id, platform, reason, kind, reconnect_url}``."""
    await emit(
        session,
        owner_id=account.owner_id,
        livemode=account.livemode,
        type=EventType.account_disconnected,
        data={
            **account_out(account).model_dump(mode="json"),
            "account_id": account.id,
            "platform": account.platform,
            "reason": account.disconnected_reason,
            "kind": kind,
            "reconnect_url": reconnect_url,
        },
    )
