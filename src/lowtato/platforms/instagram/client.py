"""Instagram's Graph calls: Facebook's Graph client (``facebook.client.Graph``) with
Instagram's error subcodes in front of the generic Graph rows (docs/reference/platforms.md §3
"Errors", §11)."""

from __future__ import annotations

from lowtato.platforms.base import AdapterContext
from lowtato.platforms.facebook.client import (
    DEFAULT_AUTH_URL,
    DEFAULT_BASE_URL,
    ERROR_RULES,
    Dialect,
    ErrorRule,
    Graph,
    _rule,
)

__all__ = ["DEFAULT_AUTH_URL", "DEFAULT_BASE_URL", "IG_RULES", "InstagramGraph"]

_MEDIA = "Check that the media URL opens publicly and is a JPEG image or an MP4/MOV video."
# A full day when the publishing quota is used up: it is a rolling 24 h window (§3 Limits).
QUOTA_WAIT_SECONDS = 3600.0

# fmt: off
IG_RULES: tuple[ErrorRule, ...] = (
    _rule("rate", subcodes={2207042}, after=QUOTA_WAIT_SECONDS,
          hint="The account reached its daily publishing limit; it is retried later."),
    _rule("reject", subcodes={2207001}, reject_code="policy",
          hint="Instagram flagged the post as spam; change it before publishing again."),
    _rule("reject", subcodes={2207050, 2207051}, reject_code="policy",
          hint="Instagram restricted this account's actions; check the account in the app."),
    _rule("reject", subcodes={2207052, 2207003}, reject_code="invalid_media",
          hint="Instagram could not download the media: it must be on a public URL "
          "(set LOWTATO_PUBLIC_URL to this server's public address for uploaded media)."),
    _rule("reject", subcodes={2207004, 2207005, 2207026, 2207023, 2207009, 36003, 36001, 2207057},
          reject_code="invalid_media", hint=_MEDIA),
    _rule("reject", subcodes={2207010}, reject_code="invalid_content",
          hint="The caption is too long (2,200 characters, 30 hashtags, 20 mentions)."),
    _rule("reject", subcodes={2207028}, reject_code="invalid_content",
          hint="A carousel holds 2-10 images or videos."),
    _rule("retry", subcodes={2207020, 2207008, 2207027, 2207082},
          hint="The media container was not ready or expired; it is made again."),
    *ERROR_RULES,
)
# fmt: on


INSTAGRAM = Dialect(name="Instagram", rules=IG_RULES)


class InstagramGraph(Graph):
    """Facebook's Graph client speaking as Instagram (its name, its error rows first)."""

    def __init__(self, ctx: AdapterContext) -> None:
        super().__init__(ctx, INSTAGRAM)
