"""Where each platform's real adapter lives, and its default API and OAuth hosts.

Each module exports ``Adapter`` (a class implementing ``platforms.base.Adapter``),
``DEFAULT_BASE_URL`` and ``DEFAULT_AUTH_URL``. Settings override the URLs per platform
(``LOWTATO_PLATFORMS__TWITTER__BASE_URL=…``) so tests use local fakes and a Bluesky account
can live on any PDS.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

from lowtato.platforms.base import Adapter
from lowtato.platforms.names import Platform

MODULES: dict[Platform, str] = {p: f"lowtato.platforms.{p.value}.adapter" for p in Platform}


@dataclass(frozen=True)
class LiveAdapter:
    module: ModuleType

    @property
    def default_base_url(self) -> str:
        return str(self.module.DEFAULT_BASE_URL)

    @property
    def default_auth_url(self) -> str:
        return str(getattr(self.module, "DEFAULT_AUTH_URL", ""))

    def create(self) -> Adapter:
        adapter: Adapter = self.module.Adapter()
        return adapter


@cache
def live_adapter(platform: Platform) -> LiveAdapter | None:
    """The platform's live adapter, or None when this build has none for it."""
    try:
        module = importlib.import_module(MODULES[platform])
    except ModuleNotFoundError as exc:
        if exc.name and MODULES[platform].startswith(exc.name):
            return None
        raise
    return LiveAdapter(module)


def live_platforms() -> list[str]:
    """The platforms a live key can use: those whose live adapter this build has (sorted)."""
    return sorted(p.value for p in Platform if live_adapter(p) is not None)
