"""The nine platform keys Lowtato publishes to.

`Platform` is the typed key used by capabilities, options and adapters; `PLATFORMS` is the same
set as plain strings in the one order every listing uses (API responses, docs, the catalog).
"""

from enum import StrEnum


class Platform(StrEnum):
    """A platform key as it appears in the API (`"twitter"`, `"instagram"`, ...)."""

    TWITTER = "twitter"
    INSTAGRAM = "instagram"
    LINKEDIN = "linkedin"
    TIKTOK = "tiktok"
    FACEBOOK = "facebook"
    THREADS = "threads"
    BLUESKY = "bluesky"
    YOUTUBE = "youtube"
    PINTEREST = "pinterest"


PLATFORMS: tuple[str, ...] = tuple(platform.value for platform in Platform)
