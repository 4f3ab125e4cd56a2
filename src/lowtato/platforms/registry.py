"""Which adapter publishes for an account: the sandbox network for test-mode accounts, the
platform's real adapter (``platforms.live``) otherwise."""

from __future__ import annotations

import httpx

from lowtato.config import Settings
from lowtato.platforms.base import Adapter, AdapterContext, MediaFetcher, OAuthApp
from lowtato.platforms.live import live_adapter
from lowtato.platforms.names import Platform
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
    ) -> None:
        self.settings = settings
        self.network = network
        self.http = http
        self.fetch = fetch
        self.user_http = user_http
        self._sandbox = {p: SandboxAdapter(p, network) for p in Platform}

    def get(self, platform: str, *, sandbox: bool) -> tuple[Adapter, AdapterContext]:
        name = Platform(platform)
        if sandbox:
            ctx = AdapterContext(self.http, self.network.public_url, fetch=self.fetch)
            return self._sandbox[name], ctx
        live = live_adapter(name)
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
        )
        return live.create(), ctx  # type: ignore[return-value]

    def oauth_app(self, platform: str) -> OAuthApp | None:
        """The operator's OAuth app for ``platform``, or None when not configured."""
        configured = self.settings.platforms.get(platform)
        if configured is None or not configured.client_id:
            return None
        return OAuthApp(configured.client_id, configured.client_secret.get_secret_value())
