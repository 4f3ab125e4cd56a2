"""The Threads API spoken with Facebook's Graph client (same error shape, headers and paging),
in the Threads dialect: host, version, error table and advice (docs/reference/platforms.md §7
"Errors" and §11). Only the publish call (``threads_publish``) is sent with ``create=True``:
containers are not posts, so a lost answer there is safe to send again."""

from __future__ import annotations

from collections.abc import Iterable

from lowtato.platforms.base import AdapterContext
from lowtato.platforms.facebook.client import Action, Dialect, ErrorRule, Graph

API_VERSION = "v1.0"  # §7 Base URLs [V]
DEFAULT_BASE_URL = "https://graph.threads.net"
DEFAULT_AUTH_URL = "https://threads.net"  # the authorize dialog: {auth}/oauth/authorize
PUBLIC_HOST = "https://www.threads.net"

RECONNECT = "Reconnect the Threads account (log in again)."


def _rule(action: Action, codes: Iterable[int] = (), subcodes: Iterable[int] = (),
          reject_code: str = "rejected", hint: str = "") -> ErrorRule:  # fmt: skip
    return ErrorRule(action, frozenset(codes), frozenset(subcodes), reject_code, hint)


# First match wins. Threads' own refusals (§7 "Errors" [P]); throttling, token and transient
# codes are Graph's (§11: 4, 17, 32, 613, 80001, 341 / 190, 102 / 1, 2).
# fmt: off
THREADS_RULES: tuple[ErrorRule, ...] = (
    _rule("auth", {190}, {463}, hint="The token has expired (not refreshed within 60 days)."),
    _rule("auth", {190}, {460}, hint="The password was changed."),
    _rule("auth", {190, 102}),
    _rule("reject", subcodes={2207051}, reject_code="policy",
          hint="Threads restricted this activity to protect its community; wait and change "
          "the content."),
    _rule("reject", subcodes={4279013}, reject_code="policy",
          hint="Threads has restricted this profile; it cannot publish until that ends."),
    _rule("reject", {9004}, {2207052}, reject_code="invalid_media",
          hint="The media could not be fetched from its URL: check that it opens publicly and "
          "is a JPEG/PNG image or an MP4/MOV video."),
    _rule("reject", {100}, {33}, reject_code="not_found",
          hint="It does not exist (deleted?) or this token cannot see it."),
    _rule("rate", {4, 17, 32, 613, 80001, 341}),
    _rule("retry", {1, 2}),
    _rule("reject", {10, *range(200, 300)}, reject_code="permission_missing",
          hint="The token lacks a permission (threads_basic, threads_content_publish, "
          "threads_manage_replies, threads_manage_insights, threads_delete); reconnect the "
          "account with them."),
    _rule("reject", {100}, reject_code="invalid_request",
          hint="A parameter was not accepted; check the post's text and media."),
)
# fmt: on

THREADS = Dialect(
    name="Threads",
    version=API_VERSION,
    default_base_url=DEFAULT_BASE_URL,
    rules=THREADS_RULES,
    reconnect=RECONNECT,
)


def threads_api(ctx: AdapterContext) -> Graph:
    """A Graph client for ``{ctx.base_url}/v1.0`` with Threads' error table."""
    return Graph(ctx, THREADS)
