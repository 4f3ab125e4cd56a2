"""A sandbox adapter: the real platform's rules, the sandbox network's storage.

It refuses what the live adapters refuse (``platforms.rules``, the same checks and error codes
the registry puts in front of every live adapter), and after a lost answer it looks for the
post the way the live adapters must: by the author's text and media count since the send,
never by our id, with a settle delay before a miss counts.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from lowtato.kit import clock
from lowtato.platforms.base import (
    ALLOWED_OPTIONS,
    AdapterContext,
    Credentials,
    Identity,
    Metrics,
    OAuthApp,
    Published,
    PublishRequest,
    SubAccountInfo,
    TokenSet,
)
from lowtato.platforms.capabilities import CAPABILITIES, Capabilities
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)
from lowtato.platforms.names import Platform
from lowtato.platforms.rules import check_allowed, check_publish
from lowtato.platforms.sandbox.network import (
    MAGIC,
    RATE_LIMIT_RESET_SECONDS,
    SandboxNetwork,
    sandbox_metrics,
)

# The subaccount a sandbox account gets on connect, where the platform has them (Facebook
# needs one to post at all): (type, name suffix).
SUBACCOUNTS = {
    Platform.FACEBOOK: ("facebook_page", "Page"),
    Platform.LINKEDIN: ("linkedin_organization", "Company"),
    Platform.PINTEREST: ("pinterest_board", "Board"),
}


# The option values a sandbox account may use, where the live platform says per account
# (``base.ALLOWED_OPTIONS``): a sandbox TikTok creator is a public account, which TikTok's
# creator info offers every level but FOLLOWER_OF_CREATOR (that one is for private accounts).
ALLOWED = {
    Platform.TIKTOK: {
        "privacy_level": ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "SELF_ONLY"],
    },
}


def sandbox_learned(platform: Platform) -> dict[str, Any]:
    """What the live platform's adapter would learn about a sandbox account (at connect and
    at each publish): its allowed option values, where the platform has them."""
    return {ALLOWED_OPTIONS: ALLOWED[platform]} if platform in ALLOWED else {}


def sandbox_subaccounts(platform: Platform, creds: Credentials) -> list[SubAccountInfo]:
    """The Page / organization / board a sandbox account has (no I/O: the sandbox makes them
    up from the account, so connecting can add them inside its transaction)."""
    if platform not in SUBACCOUNTS:
        return []
    kind, noun = SUBACCOUNTS[platform]
    name = f"{creds.username or creds.platform_user_id} {noun} (sandbox)"
    return [SubAccountInfo(f"sandbox-{kind}-{creds.platform_user_id}", name, kind)]


class SandboxAdapter:
    def __init__(
        self, platform: Platform, network: SandboxNetwork, *, settle_seconds: float = 30.0
    ) -> None:
        self.platform = platform
        self.capabilities: Capabilities = CAPABILITIES[platform]
        self.network = network
        # Read by the reconcile flow: how long a miss stays inconclusive after the send. With
        # a keyed create (as on the live platform) the lookup is exact at once.
        self.find_settle_seconds = 0.0 if self.capabilities.keyed_create else settle_seconds

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        text = req.text
        if MAGIC["token_expired"] in text:
            raise AuthExpired("sandbox: the access token has expired (magic string)")
        if MAGIC["rate_limited"] in text:
            raise RateLimited(
                "sandbox: rate limit reached (magic string)", after=RATE_LIMIT_RESET_SECONDS
            )
        if MAGIC["flaky"] in text and req.attempt <= 1:
            raise Retryable("sandbox: service temporarily unavailable (magic string)", after=1.0)
        if MAGIC["rejected"] in text:
            raise Rejected("sandbox: the platform refused this content (magic string)")
        if MAGIC["lost"] in text:
            raise UnknownOutcome(
                "sandbox: the request timed out (magic string); nothing was created"
            )
        check_publish(self.platform, creds, req)
        ctx.learned.update(learned := sandbox_learned(self.platform))
        if learned:
            check_allowed(self.platform, learned[ALLOWED_OPTIONS], req.options)
        published = await self.network.create(
            self.platform, creds.platform_user_id, creds.username, req, keyed=self._keyed
        )
        if MAGIC["timeout_after_accept"] in text:
            raise UnknownOutcome("sandbox: accepted, then the answer was lost (magic string)")
        return published

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        if self._keyed:  # the live platform's exact lookup by the post's own key
            return await self.network.find_keyed(self.platform, req.post_id)
        return await self.network.find(
            self.platform, creds.platform_user_id, req.text, len(req.media), since
        )

    @property
    def _keyed(self) -> bool:
        return self.capabilities.keyed_create

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        if not await self.network.delete(self.platform, platform_post_id):
            raise Rejected(f"sandbox: no post {platform_post_id}", code="not_found")

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        """Figures that grow like a real post's: deterministic for (post, age), never
        decreasing as the post ages (``network.sandbox_metrics``). A deleted or unknown post
        is refused as the live platforms refuse it."""
        post = await self.network.get(self.platform, platform_post_id)
        if post is None or post.deleted_at is not None:
            raise Rejected(f"sandbox: no post {platform_post_id}", code="not_found")
        return sandbox_metrics(self.platform, platform_post_id, clock.now() - post.created_at)

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        return TokenSet(access_token=f"sandbox-refreshed-{creds.platform_user_id}", expires_in=3600)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        ctx.learned.update(sandbox_learned(self.platform))
        return Identity(creds.platform_user_id, creds.username or creds.platform_user_id)

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        return sandbox_subaccounts(self.platform, creds)

    def authorize_url(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
    ) -> str:
        query = urlencode({"state": state, "redirect_uri": redirect_uri})
        return f"{ctx.base_url}/sandbox/oauth/{self.platform.value}/authorize?{query}"

    async def exchange_code(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:
        return TokenSet(access_token=f"sandbox-{hashlib.sha256(code.encode()).hexdigest()[:16]}")
