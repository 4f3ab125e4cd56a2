"""Which adapter publishes for an account: the sandbox network for test-mode accounts, the
platform's real adapter otherwise. Live adapters register here by platform (an explicit
table, like the rest of the platform data)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from lowtato.config import Settings
from lowtato.platforms.base import Adapter, AdapterContext
from lowtato.platforms.names import Platform
from lowtato.platforms.sandbox.adapter import SandboxAdapter
from lowtato.platforms.sandbox.network import SandboxNetwork

# platform → (adapter factory, default API base URL). Filled by the platform packages.
LIVE: dict[Platform, tuple[Callable[[], Adapter], str]] = {}


class AdapterUnavailable(Exception):
    """No live adapter for this platform in this build/configuration."""


class AdapterRegistry:
    def __init__(
        self, settings: Settings, network: SandboxNetwork, http: httpx.AsyncClient
    ) -> None:
        self.settings = settings
        self.network = network
        self.http = http
        self._sandbox = {p: SandboxAdapter(p, network) for p in Platform}

    def get(self, platform: str, *, sandbox: bool) -> tuple[Adapter, AdapterContext]:
        name = Platform(platform)
        if sandbox:
            return self._sandbox[name], AdapterContext(self.http, self.network.public_url)
        entry = LIVE.get(name)
        if entry is None:
            msg = (
                f"publishing to {platform} is not available in this Lowtato build; "
                "use a test-mode key (sandbox network) or a supported platform"
            )
            raise AdapterUnavailable(msg)
        factory, default_base = entry
        configured = self.settings.platforms.get(name.value)
        base_url = configured.base_url if configured and configured.base_url else default_base
        return factory(), AdapterContext(self.http, base_url.rstrip("/"))
