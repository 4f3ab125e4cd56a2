"""A sandbox adapter: the real platform's rules, the sandbox network's storage."""

from __future__ import annotations

import hashlib
from datetime import datetime
from urllib.parse import urlencode

from lowtato.platforms.base import (
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
from lowtato.platforms.sandbox.network import MAGIC, RATE_LIMIT_RESET_SECONDS, SandboxNetwork
from lowtato.platforms.validation import MediaRef, validate_content


class SandboxAdapter:
    # The sandbox stores a post before it answers, so a miss is conclusive at once.
    find_settle_seconds = 0.0

    def __init__(self, platform: Platform, network: SandboxNetwork) -> None:
        self.platform = platform
        self.capabilities: Capabilities = CAPABILITIES[platform]
        self.network = network

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
        media = [
            MediaRef(url=m.url, kind=m.kind, mime_type=m.mime_type, size=m.size)  # type: ignore[arg-type]
            for m in req.media
        ]
        result = validate_content(self.platform, text, media, req.options)
        if result.problems:
            raise Rejected(
                "; ".join(f"{p.field}: {p.message}" for p in result.problems),
                code="invalid_content",
            )
        published = await self.network.create(
            self.platform, creds.platform_user_id, creds.username, req
        )
        if MAGIC["timeout_after_accept"] in text:
            raise UnknownOutcome("sandbox: accepted, then the answer was lost (magic string)")
        return published

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        return await self.network.find(self.platform, req.post_id, since)

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        if not await self.network.delete(self.platform, platform_post_id):
            raise Rejected(f"sandbox: no post {platform_post_id}", code="not_found")

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        # Deterministic figures derived from the id, so analytics code has data to show.
        seed = int(hashlib.sha256(platform_post_id.encode()).hexdigest()[:8], 16)
        return Metrics(
            likes=seed % 50, comments=seed % 7, shares=seed % 11, impressions=500 + seed % 5000
        )

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        return TokenSet(access_token=f"sandbox-refreshed-{creds.platform_user_id}", expires_in=3600)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        return Identity(creds.platform_user_id, creds.username or creds.platform_user_id)

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        return []

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
