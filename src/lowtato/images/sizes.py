"""Image sizes as data: each platform's preferred size, the sizes a caller may ask for, and
the provider sizes an OpenAI-compatible image API accepts."""

from __future__ import annotations

import math
from dataclasses import dataclass

from lowtato.platforms.names import Platform


@dataclass(frozen=True, slots=True, order=True)
class Size:
    width: int
    height: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"

    @property
    def ratio(self) -> float:
        return self.width / self.height


# What a feed shows best, per platform. YouTube posts are videos, so an image made for YouTube
# is its thumbnail (16:9, YouTube's recommended 1280x720); TikTok shows vertical 9:16.
PREFERRED: dict[Platform, Size] = {
    Platform.INSTAGRAM: Size(1080, 1350),  # 4:5 portrait, the tallest the feed keeps
    Platform.TWITTER: Size(1600, 900),  # 16:9
    Platform.LINKEDIN: Size(1200, 627),
    Platform.FACEBOOK: Size(1200, 630),
    Platform.PINTEREST: Size(1000, 1500),  # 2:3
    Platform.TIKTOK: Size(1080, 1920),  # 9:16
    Platform.YOUTUBE: Size(1280, 720),  # thumbnail
    Platform.THREADS: Size(1080, 1350),
    Platform.BLUESKY: Size(1200, 675),
}
DEFAULT = Size(1080, 1080)  # no platform: a square works everywhere

# Provider image APIs take a few fixed sizes; the image is cropped and resized from the
# nearest one (gpt-image-1 / DALL-E 3 style sizes).
PROVIDER_SIZES = (Size(1024, 1024), Size(1024, 1536), Size(1536, 1024))

ALLOWED: tuple[Size, ...] = tuple(
    sorted({DEFAULT, *PREFERRED.values(), *PROVIDER_SIZES, Size(1080, 1920), Size(1920, 1080)})
)
ALLOWED_NAMES: tuple[str, ...] = tuple(str(s) for s in ALLOWED)


def parse(value: str) -> Size | None:
    """``"1200x675"`` → Size, or None when it is not one of ``ALLOWED``."""
    for size in ALLOWED:
        if value.strip().lower() == str(size):
            return size
    return None


def for_platform(platform: Platform | None) -> Size:
    return DEFAULT if platform is None else PREFERRED[platform]


def nearest_provider_size(target: Size) -> Size:
    """The provider size whose aspect ratio is closest to ``target``'s (compared as logs, so
    2:1 and 1:2 are equally far from square): the least of the image is cropped away."""
    return min(PROVIDER_SIZES, key=lambda s: abs(math.log(s.ratio / target.ratio)))
