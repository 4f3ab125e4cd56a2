"""The one interface every platform adapter implements.

Adapters speak a platform's HTTP API and nothing else: no database, no settings lookups. They
get an ``httpx.AsyncClient`` and a base URL (so tests point them at local fakes and a Bluesky
account can live on any PDS) and raise only ``platforms.errors``. Platform differences that
are data (limits, media rules, options) live in ``capabilities``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from lowtato.platforms.capabilities import Capabilities


@dataclass(frozen=True, slots=True)
class Credentials:
    """Decrypted account credentials, handed to the adapter for one call."""

    platform_user_id: str
    username: str
    access_token: str | None
    refresh_token: str | None = None
    expires_at: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # Page / organization / board the post goes to (subaccount), with its own token if any.
    target_id: str | None = None
    target_token: str | None = None


@dataclass(frozen=True, slots=True)
class Media:
    url: str
    kind: str | None = None  # image | video
    mime_type: str | None = None
    size: int | None = None
    alt_text: str | None = None


@dataclass(frozen=True, slots=True)
class PublishRequest:
    post_id: str  # our id: a per-post token adapters may send as the platform's idempotency key
    text: str
    media: Sequence[Media]
    options: dict[str, Any]
    attempt: int = 1


def unsent_extras(req: PublishRequest, *, whose: str, post: str = "post") -> dict[str, Any]:
    """What a reconciled post's result says about the follow-ups (thread items, a first
    comment) that were never sent because the answer to ``post`` was lost; ``whose`` names
    the platform as in "X's" or "Threads'"."""
    extra: dict[str, Any] = {}
    if req.options.get("thread"):
        extra["thread_ids"] = []
        extra["thread_error"] = (
            f"{whose} answer to the {post} was lost, so the further thread items were not "
            "published; post them as replies if they are still wanted"
        )
    if req.options.get("first_comment"):
        extra["first_comment_error"] = (
            f"{whose} answer to the post was lost, so the first comment was not published"
        )
    return extra


@dataclass(frozen=True, slots=True)
class Published:
    platform_post_id: str
    public_url: str
    extra: dict[str, Any] = field(default_factory=dict)
    # When the platform created it, if known (reconciliation finds posts created earlier).
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Metrics:
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    impressions: int | None = None
    views: int | None = None


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_in: int | None = None


@dataclass(frozen=True, slots=True)
class Identity:
    platform_user_id: str
    username: str
    fullname: str = ""
    profile_image_url: str | None = None


# How much of a media file is read at a time when it is sent: a publish holds a few of these,
# never the whole file (videos reach hundreds of MiB, and several workers publish at once).
PIECE_BYTES = 256 * 1024


class ByteSource(Protocol):
    """A file's bytes, read in order in bounded pieces. Every ``read`` starts afresh, so a
    request that must be sent again (a retried upload) can read them again."""

    @property
    def size(self) -> int: ...

    def read(self, start: int, length: int, piece: int) -> AsyncIterator[bytes]:
        """``length`` bytes from offset ``start``, in parts of at most ``piece`` bytes."""


@dataclass(frozen=True, slots=True)
class FetchedMedia:
    """A post's file as adapters get it: its type (from its bytes), its size, and its bytes
    read piece by piece from where they are (storage, or the temporary file a download went
    to). ``body`` may be plain bytes for small files built in memory (tests)."""

    body: bytes | ByteSource
    mime_type: str

    @property
    def size(self) -> int:
        return len(self.body) if isinstance(self.body, bytes) else self.body.size

    async def chunks(
        self, start: int = 0, length: int | None = None, piece: int = PIECE_BYTES
    ) -> AsyncIterator[bytes]:
        """The bytes from ``start`` (``length`` of them, or up to the end), in parts of at
        most ``piece`` bytes."""
        end = self.size if length is None else min(self.size, start + length)
        if isinstance(self.body, bytes):
            for offset in range(start, end, piece):
                yield self.body[offset : min(offset + piece, end)]
            return
        async for part in self.body.read(start, end - start, piece):
            yield part

    async def head(self, length: int) -> bytes:
        """The first ``length`` bytes (or the whole file when it is shorter)."""
        return b"".join([part async for part in self.chunks(0, length, max(1, length))])


class MediaFetcher(Protocol):
    """Downloads a post's media (through the guarded client, size-capped) for adapters that
    must upload bytes. The MIME type comes from the bytes' magic numbers when recognisable."""

    async def __call__(self, media: Media) -> FetchedMedia: ...


@dataclass(frozen=True, slots=True)
class OAuthApp:
    """The operator's app registration on a platform (from settings)."""

    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class SubAccountInfo:
    external_id: str
    name: str
    type: str  # facebook_page | linkedin_organization | pinterest_board | …
    access_token: str | None = None  # e.g. a Facebook Page token


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """Everything an adapter may use: HTTP clients, where the platform's API lives
    (``base_url``; ``auth_url`` is its browser-facing OAuth host), and a media fetcher."""

    http: httpx.AsyncClient
    base_url: str
    auth_url: str = ""
    fetch: MediaFetcher | None = None
    # The operator's app registration (token refresh needs it on X, LinkedIn, Facebook).
    app: OAuthApp | None = None
    # The client for hosts a *user* supplied (a Bluesky account's own PDS): every URL and every
    # dialled address is checked (`kit.guarded_http.guarded_httpx_client`). `http` is only for
    # the operator's configured base URLs. None: this context cannot reach such hosts.
    user_http: httpx.AsyncClient | None = None
    # LOWTATO_ALLOW_PRIVATE_URLS: media on private addresses count as reachable by platforms
    # that download media themselves (local testing with a fake on this machine).
    private_media_ok: bool = False
    # What the platform said about the account during this call that is worth keeping (e.g.
    # ``ALLOWED_OPTIONS``), whatever the call's outcome: the adapter fills it, the caller
    # stores it in the account's meta. A fresh context (``AdapterRegistry.get``) starts empty.
    learned: dict[str, Any] = field(default_factory=dict)


ALLOWED_OPTIONS = "allowed_options"
"""Key in ``AdapterContext.learned`` and in an account's meta: the option values the platform
last said this account may use, ``{option: [values]}`` (TikTok's creator info: the privacy
levels). Post creation refuses any other value (``rules.option_problems``); publishing asks
the platform again. Absent: nothing is known, so nothing is refused before the publish."""


class Adapter(Protocol):
    """Optional attribute ``find_settle_seconds`` (default 120): how long after a send a
    ``find_published`` miss is still inconclusive (platforms index new posts with a delay)."""

    capabilities: Capabilities

    async def publish(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest
    ) -> Published:
        """Create the post. Raise UnknownOutcome when the request may have taken effect."""

    async def find_published(
        self, ctx: AdapterContext, creds: Credentials, req: PublishRequest, since: datetime
    ) -> Published | None:
        """After an unknown outcome: the post created by ``req`` since ``since``, if any."""

    async def delete(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> None: ...

    async def fetch_metrics(
        self, ctx: AdapterContext, creds: Credentials, platform_post_id: str
    ) -> Metrics: ...

    async def refresh_token(self, ctx: AdapterContext, creds: Credentials) -> TokenSet: ...

    async def whoami(self, ctx: AdapterContext, creds: Credentials) -> Identity:
        """Who the token belongs to; AuthExpired when the token is not valid."""

    async def list_subaccounts(
        self, ctx: AdapterContext, creds: Credentials
    ) -> list[SubAccountInfo]:
        """Pages / organizations / boards the account can post to ([] when none)."""

    def authorize_url(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        redirect_uri: str,
        state: str,
        code_challenge: str,
    ) -> str:
        """The browser URL that asks the user to grant access (PKCE S256 where supported)."""

    async def exchange_code(
        self,
        ctx: AdapterContext,
        app: OAuthApp,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
    ) -> TokenSet:
        """Trade the callback's code for tokens."""
