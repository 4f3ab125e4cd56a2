"""Data, error shapes and seeding of the Threads fake (``tests.fakes.threads``)."""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse
from tests.fakes.state import FakeState

PLATFORM = "threads"
CLIENT_ID, CLIENT_SECRET = "threads-client-id", "threads-client-secret"
SHORT_LIVED, LONG_LIVED = 3600, 5_184_000  # §7: 1 hour, 60 days
QUOTA = 250  # published posts per rolling 24 h (§7 Limits [V])


@dataclass
class Token:
    user_id: str
    issued: float = field(default_factory=time.time)
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class Container:
    id: str
    user_id: str
    media_type: str
    params: dict[str, Any]
    status: str = "IN_PROGRESS"  # IN_PROGRESS | FINISHED | PUBLISHED | ERROR | EXPIRED
    polls_left: int = 0
    error: str = ""
    used: bool = False  # carousel items: taken by a carousel


@dataclass
class Post:
    id: str
    user_id: str
    text: str
    media_type: str  # TEXT_POST | IMAGE | VIDEO | CAROUSEL_ALBUM
    shortcode: str
    reply_to: str | None = None
    children: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    reply_control: str = "everyone"
    insights: dict[str, int] = field(default_factory=dict)


@dataclass
class ThreadsData:
    apps: dict[str, str] = field(default_factory=lambda: {CLIENT_ID: CLIENT_SECRET})
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    containers: dict[str, Container] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    login_as: str | None = None
    min_refresh_age: float = 0.0  # seconds; §7 says 24 h, tests turn it on when they need it
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        return str(17_840_000_000_000_000 + next(self.ids))

    def issue(self, user_id: str, ttl: float | None) -> str:
        token = f"THQ{secrets.token_urlsafe(24)}"
        self.tokens[token] = Token(user_id, expires_at=time.time() + ttl if ttl else None)
        return token


def data(state: FakeState) -> ThreadsData:
    store = state.data[PLATFORM]
    if "db" not in store:
        store["db"] = ThreadsData()
    db: ThreadsData = store["db"]
    return db


@dataclass(frozen=True)
class Seeded:
    user_id: str
    username: str
    token: str


def seed_account(
    state: FakeState, *, user_id: str = "7001", username: str = "ada.bakes", name: str = "Ada"
) -> Seeded:
    """A Threads profile with a long-lived token; the authorize dialog approves as it."""
    db = data(state)
    db.users[user_id] = {"id": user_id, "username": username, "name": name,
                         "threads_profile_picture_url": f"https://scontent.cdninstagram.com/{user_id}.jpg"}  # fmt: skip
    db.login_as = user_id
    return Seeded(user_id, username, db.issue(user_id, LONG_LIVED))


def expire_token(state: FakeState, token: str) -> None:
    data(state).tokens[token].expires_at = time.time() - 1


def posts(state: FakeState, *, replies: bool = False) -> list[Post]:
    """Published posts (top-level ones unless ``replies``), oldest first."""
    return [p for p in data(state).posts.values() if (p.reply_to is not None) == replies]


# Graph-shaped refusals: name → (HTTP status, code, subcode, message).
# fmt: off
ERRORS: dict[str, tuple[int, int, int | None, str]] = {
    "no_token": (400, 2500, None, "An active access token must be used to query information about the current user."),
    "bad_token": (400, 190, None, "Invalid OAuth access token - Cannot parse access token"),
    "expired": (400, 190, 463, "Error validating access token: Session has expired."),
    "revoked": (400, 190, 460, "Error validating access token: The session has been invalidated because the user changed their password."),
    "rate": (400, 4, None, "Application request limit reached"),
    "quota": (400, 4, None, "The profile reached its publishing limit for 24 hours"),
    "policy": (400, 9, 2207051, "Action is blocked: we restrict certain activity to protect our community."),
    "server": (500, 2, None, "An unexpected error has occurred. Please retry your request later."),
    "timeout": (504, 2, None, "Service temporarily unavailable"),
    "no_object": (400, 100, 33, "Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."),
    "param": (400, 100, None, "{detail}"),
    "fetch": (400, 9004, 2207052, "The media could not be fetched from this URI: {url}"),
    "bad_app": (400, 101, None, "Error validating application. Invalid application ID."),
    "bad_secret": (400, 1, None, "Error validating client secret."),
    "bad_code": (400, 100, 36007, "Invalid authorization code."),
    "too_young": (400, 10, None, "The access token must be at least 24 hours old to be refreshed."),
}
# fmt: on
MODE_ERRORS = {
    "auth_expired": "expired",
    "auth_revoked": "revoked",
    "policy": "policy",
    "server_error": "server",
    "rate_limit": "rate",
    "duplicate": "policy",
}  # fmt: skip


def graph_error(name: str, **fmt: str) -> JSONResponse:
    status, code, subcode, template = ERRORS[name]
    error: dict[str, Any] = {
        "message": template.format(**fmt),
        "type": "OAuthException",
        "code": code,
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    if code == 2:
        error["is_transient"] = True
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
    headers = {}
    if name == "rate":  # a throttled app: usage at 100 % (§6 "Rate limits", shared by Threads)
        headers["X-App-Usage"] = '{"call_count": 100, "total_cputime": 5, "total_time": 5}'
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def failure(mode: str) -> JSONResponse:
    return graph_error(MODE_ERRORS.get(mode, "server"))


def threads_time(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(ts))
