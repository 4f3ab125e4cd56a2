"""The platforms' real adapters in this build, with their default API and OAuth hosts.

Settings override the URLs per platform (``LOWTATO_PLATFORMS__TWITTER__BASE_URL=…``) so tests
use local fakes and a Bluesky account can live on any PDS. A platform missing here works only
in test mode (the sandbox network); a live key naming it is refused (``platform_unavailable``).
The composition (``lowtato.runtime``) hands this table to the ``AdapterRegistry``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from lowtato.platforms.base import Adapter
from lowtato.platforms.bluesky import adapter as bluesky
from lowtato.platforms.facebook import adapter as facebook
from lowtato.platforms.instagram import adapter as instagram
from lowtato.platforms.linkedin import adapter as linkedin
from lowtato.platforms.names import Platform
from lowtato.platforms.pinterest import adapter as pinterest
from lowtato.platforms.threads import adapter as threads
from lowtato.platforms.tiktok import adapter as tiktok
from lowtato.platforms.twitter import adapter as twitter
from lowtato.platforms.youtube import adapter as youtube


@dataclass(frozen=True)
class LiveAdapter:
    create: Callable[[], Adapter]
    default_base_url: str
    default_auth_url: str = ""


LIVE_ADAPTERS: Mapping[Platform, LiveAdapter] = MappingProxyType(
    {
        Platform.TWITTER: LiveAdapter(
            twitter.Adapter, twitter.DEFAULT_BASE_URL, twitter.DEFAULT_AUTH_URL
        ),
        Platform.LINKEDIN: LiveAdapter(
            linkedin.Adapter, linkedin.DEFAULT_BASE_URL, linkedin.DEFAULT_AUTH_URL
        ),
        Platform.FACEBOOK: LiveAdapter(
            facebook.Adapter, facebook.DEFAULT_BASE_URL, facebook.DEFAULT_AUTH_URL
        ),
        Platform.TIKTOK: LiveAdapter(
            tiktok.Adapter, tiktok.DEFAULT_BASE_URL, tiktok.DEFAULT_AUTH_URL
        ),
        Platform.THREADS: LiveAdapter(
            threads.Adapter, threads.DEFAULT_BASE_URL, threads.DEFAULT_AUTH_URL
        ),
        Platform.PINTEREST: LiveAdapter(
            pinterest.Adapter, pinterest.DEFAULT_BASE_URL, pinterest.DEFAULT_AUTH_URL
        ),
        Platform.YOUTUBE: LiveAdapter(
            youtube.Adapter, youtube.DEFAULT_BASE_URL, youtube.DEFAULT_AUTH_URL
        ),
        Platform.INSTAGRAM: LiveAdapter(
            instagram.Adapter, instagram.DEFAULT_BASE_URL, instagram.DEFAULT_AUTH_URL
        ),
        # No browser OAuth: Bluesky accounts connect with an app password.
        Platform.BLUESKY: LiveAdapter(bluesky.Adapter, bluesky.DEFAULT_BASE_URL),
    }
)


def live_adapter(platform: Platform) -> LiveAdapter | None:
    """The platform's live adapter, or None when this build has none for it."""
    return LIVE_ADAPTERS.get(platform)


def live_platforms() -> list[str]:
    """The platforms a live key can use: those whose live adapter this build has (sorted)."""
    return sorted(p.value for p in LIVE_ADAPTERS)
