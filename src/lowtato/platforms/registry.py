"""Which adapter publishes for an account: the sandbox network for test-mode accounts, the
platform's real adapter (from the table the composition gives it, ``platforms.live``)
otherwise. Both refuse a request the shared publish rules (``platforms.rules``) refuse,
before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from lowtato.config import Settings
from lowtato.platforms.base import (
    Adapter,
    AdapterContext,
    Credentials,
    Identity,
    MediaFetcher,
    Metrics,
    OAuthApp,
    Published,
    PublishRequest,
    SubAccountInfo,
    TokenSet,
)
from lowtato.platforms.live import LiveAdapter
from lowtato.platforms.names import Platform
from lowtato.platforms.rules import check_publish
from lowtato.platforms.sandbox.adapter import SandboxAdapter
from lowtato.platforms.sandbox.network import SandboxNetwork


class AdapterUnavailable(Exception):
    """No live adapter for this platform in this build."""


class AdapterRegistry:
    def __init__(
        self,
        settings: Settings,
        network: SandboxNetwork,
        http: httpx.AsyncClient,
        fetch: MediaFetcher | None = None,
        user_http: httpx.AsyncClient | None = None,
        *,
        live: Mapping[Platform, LiveAdapter],
    ) -> None:
        self.settings = settings
        self.live = live
        self.network = network
        self.http = http
        self.fetch = fetch
        self.user_http = user_http
        self._sandbox = {
            p: SandboxAdapter(p, network, settle_seconds=settings.sandbox_settle_seconds)
            for p in Platform
        }

    def get(self, platform: str, *, sandbox: bool) -> tuple[Adapter, AdapterContext]:
        name = Platform(platform)
        if sandbox:
            ctx = AdapterContext(self.http, self.network.public_url, fetch=self.fetch)
            return self._sandbox[name], ctx
        live = self.live.get(name)
        if live is None:
            msg = (
                f"publishing to {platform} is not available in this Lowtato build; "
                "use a test-mode key (sandbox network) or a supported platform"
            )
            raise AdapterUnavailable(msg)
        configured = self.settings.platforms.get(name.value)
        base = configured.base_url if configured and configured.base_url else live.default_base_url
        auth = configured.auth_url if configured and configured.auth_url else live.default_auth_url
        ctx = AdapterContext(
            self.http,
            base.rstrip("/"),
            auth.rstrip("/"),
            self.fetch,
            self.oauth_app(platform),
            user_http=self.user_http,
            private_media_ok=self.settings.allow_private_urls,
        )
        return RuleChecked(name, live.create()), ctx

    def oauth_app(self, platform: str) -> OAuthApp | None:
        """The operator's OAuth app for ``platform``, or None when not configured."""
        configured = self.settings.platforms.get(platform)
        if configured is None or not configured.client_id:
            return None
        return OAuthApp(configured.client_id, configured.client_secret.get_secret_value())


class RuleChecked:
    """A live adapter behind the shared publish rules: what the rules refuse is refused with
    the same code as in the sandbox, and never reaches the platform. Everything else is the
    live adapter's own (attributes such as ``find_settle_seconds`` included)."""

    def __init__(self, platform: Platform, adapter: Adapter) -> None:
        self.platform = platform
        self.adapter = adapter
        self.capabilities = adapter.capabilities

    def __getattr__(self, name: str) -> Any:
        return getattr(self.adapter, name)

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        check_publish(self.platform, creds, req)
        return await self.adapter.publish(ctx, creds, req)

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        return await self.adapter.find_published(ctx, creds, req, since)

    async def delete(self, ctx: AdapterContext, creds: Credentials, platform_post_id: str) -> None:
        await self.adapter.delete(ctx, creds, platform_post_id)

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics:
        return await self.adapter.fetch_metrics(ctx, creds, platform_post_id)

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet:
        return await self.adapter.refresh_token(ctx, creds)

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        return await self.adapter.whoami(ctx, creds)

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        return await self.adapter.list_subaccounts(ctx, creds)

    def authorize_url(
        self, ctx: AdapterContext, app: OAuthApp, *, redirect_uri: str, state: str,
        code_challenge: str,
    ) -> str:  # fmt: skip
        return self.adapter.authorize_url(
            ctx, app, redirect_uri=redirect_uri, state=state, code_challenge=code_challenge
        )

    async def exchange_code(
        self, ctx: AdapterContext, app: OAuthApp, *, code: str, redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:  # fmt: skip
        return await self.adapter.exchange_code(
            ctx, app, code=code, redirect_uri=redirect_uri, code_verifier=code_verifier
        )
