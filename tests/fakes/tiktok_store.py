"""Data, test helpers and error shapes of the TikTok fake (``tests/fakes/tiktok.py`` holds the
endpoints).

Data lives in ``state.data["tiktok"]["db"]`` (a ``TikTokData``). Tests seed creators with
``seed_account`` (privacy options, disabled interactions, scopes) and steer tokens with
``expire`` / ``revoke``. Times come from ``lowtato.kit.clock``, so a test's frozen clock moves
the fake too (token expiry, the 1-minute rate-limit window, post creation times).
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse
from tests.fakes.state import FakeState

from lowtato.kit import clock

PLATFORM = "tiktok"
CLIENT_KEY, CLIENT_SECRET = "tiktok-client-id", "tiktok-client-secret"
TOKEN_TTL, REFRESH_TTL = 7200, 15_552_000  # 2 h / 180 d (docs/reference/platforms.md §5 Auth)
ALL_PRIVACY = ("PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY")
ALL_SCOPES = frozenset(
    {"user.info.basic", "user.info.profile", "video.publish", "video.upload", "video.list"}
)


def now() -> float:
    return clock.now().timestamp()


@dataclass
class User:
    open_id: str
    username: str
    display_name: str
    privacy_options: tuple[str, ...] = ALL_PRIVACY
    comment_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False
    max_duration: int = 600


@dataclass
class Token:
    open_id: str
    expires_at: float
    revoked: bool = False
    scopes: frozenset[str] = ALL_SCOPES


@dataclass
class Post:
    id: str
    open_id: str
    kind: str  # video | photo
    title: str
    description: str
    privacy: str
    created: int  # unix seconds
    publish_id: str
    body: dict[str, Any]
    images: list[str] = field(default_factory=list)
    views: int = 0


@dataclass
class Publish:
    publish_id: str
    open_id: str
    kind: str
    source: str
    body: dict[str, Any]
    video_size: int = 0
    chunk_size: int = 0
    total_chunks: int = 0
    received: int = 0  # bytes uploaded so far (chunks are contiguous)
    chunks: list[int] = field(default_factory=list)  # sizes of the chunks received
    post: Post | None = None  # set once the post exists (final chunk, or a pull init)
    failed: str = ""
    processing_left: int = 1  # status polls still PROCESSING_* after the commit
    moderation_left: int = 1  # then PUBLISH_COMPLETE with no id yet


@dataclass
class TikTokData:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # → (open_id, exp)
    codes: dict[str, tuple[str, str]] = field(default_factory=dict)  # → (open_id, redirect_uri)
    publishes: dict[str, Publish] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    init_calls: dict[str, list[float]] = field(default_factory=dict)  # token → times
    last_seeded: str = ""
    pull_verified: bool = True  # the fake's /media/ prefix is verified for PULL_FROM_URL
    moderation_polls: int = 1
    init_limit: int = 6  # inits a minute per token (docs/reference/platforms.md §5)
    ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(7_300_000_000_000_000_001)
    )


def data(state: FakeState) -> TikTokData:
    store = state.data[PLATFORM]
    if "db" not in store:
        store["db"] = TikTokData()
    db = store["db"]
    assert isinstance(db, TikTokData)
    return db


@dataclass(frozen=True)
class Seeded:
    open_id: str
    username: str
    display_name: str
    token: str
    refresh_token: str


def issue_tokens(
    db: TikTokData, open_id: str, scopes: frozenset[str] = ALL_SCOPES
) -> tuple[str, str]:
    access = "act." + secrets.token_urlsafe(24)
    refresh = "rft." + secrets.token_urlsafe(24)
    db.tokens[access] = Token(open_id, now() + TOKEN_TTL, scopes=scopes)
    db.refresh_tokens[refresh] = (open_id, now() + REFRESH_TTL)
    return access, refresh


def seed_account(
    state: FakeState,
    username: str = "lowtato.fan",
    display_name: str = "Lowtato Fan",
    *,
    privacy: tuple[str, ...] = ALL_PRIVACY,
    scopes: frozenset[str] = ALL_SCOPES,
    **traits: Any,
) -> Seeded:
    db = data(state)
    open_id = "openid_" + secrets.token_hex(8)
    db.users[open_id] = User(open_id, username, display_name, privacy, **traits)
    db.last_seeded = open_id
    access, refresh = issue_tokens(db, open_id, scopes)
    return Seeded(open_id, username, display_name, access, refresh)


def expire(state: FakeState, token: str) -> None:
    data(state).tokens[token].expires_at = now() - 1


def revoke(state: FakeState, token: str) -> None:
    data(state).tokens[token].revoked = True


def live_posts(state: FakeState) -> list[Post]:
    return list(data(state).posts)


class Problem(Exception):
    def __init__(self, response: JSONResponse) -> None:
        super().__init__("tiktok problem")
        self.response = response


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Problem:
    """TikTok's API error shape: ``{"data": {}, "error": {"code", "message", "log_id"}}``."""
    body = {"data": {}, "error": {"code": code, "message": message, "log_id": _log_id()}}
    return Problem(JSONResponse(body, status_code=status, headers=headers))


def oauth_error(code: str, description: str, status: int = 400) -> Problem:
    body = {"error": code, "error_description": description, "log_id": _log_id()}
    return Problem(JSONResponse(body, status_code=status))


def ok(payload: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(
        {"data": payload, "error": {"code": "ok", "message": "", "log_id": _log_id()}},
        status_code=status,
    )


def _log_id() -> str:
    return secrets.token_hex(16).upper()


INJECTED: dict[str, tuple[int, str, str]] = {
    "rate_limit": (429, "rate_limit_exceeded", "The API rate limit was exceeded."),
    "auth_expired": (401, "access_token_invalid", "The access token has expired."),
    "auth_revoked": (401, "access_token_invalid", "The access token is invalid or revoked."),
    "server_error": (500, "internal_error", "Something went wrong. Please try again later."),
    "policy": (403, "spam_risk_too_many_posts", "The daily post cap was reached."),
    "duplicate": (403, "spam_risk_text", "The post text was flagged as spam."),
}
