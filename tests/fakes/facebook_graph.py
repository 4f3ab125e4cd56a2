"""Data, error shapes and field rendering of the Facebook Pages fake (``tests.fakes.facebook``),
plus the helpers tests use to seed it."""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from tests.fakes.state import FakeState

from lowtato.platforms.facebook.client import GRAPH_VERSION

PLATFORM = "facebook"
CLIENT_ID, CLIENT_SECRET = "facebook-client-id", "facebook-client-secret"
SHORT_LIVED, LONG_LIVED = 3600, 5_184_000  # seconds: login token, fb_exchange_token result
DUPLICATE_WINDOW = 3600.0  # same message on the same Page within this → (#506)
MAX_MESSAGE = 63_206
MAX_PHOTO_BYTES = 4 * 1024 * 1024
DEFAULT_TASKS = ("ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE", "MANAGE")
GRANTED = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_posts",
    "pages_manage_engagement",
    "read_insights",
    "business_management",
    "public_profile",
)

# Fields each node type has (reading another one is Graph's "(#100) nonexisting field" error).
NODE_FIELDS = {
    "user": {"id", "name", "picture", "email", "first_name", "last_name"},
    "page": {"id", "name", "username", "access_token", "tasks", "picture", "category", "link"},
    "post": {
        "id",
        "message",
        "created_time",
        "updated_time",
        "permalink_url",
        "full_picture",
        "shares",
        "reactions",
        "comments",
        "attachments",
        "status_type",
        "is_published",
    },
    "photo": {
        "id",
        "name",
        "created_time",
        "permalink_url",
        "images",
        "link",
        "reactions",
        "comments",
        "page_story_id",
    },
    "video": {
        "id",
        "description",
        "title",
        "created_time",
        "updated_time",
        "permalink_url",
        "status",
        "reactions",
        "comments",
        "length",
        "post_id",
    },
}
NODE_TYPE_NAMES = {
    "user": "User",
    "page": "Page",
    "post": "PagePost",
    "photo": "Photo",
    "video": "Video",
}


@dataclass
class Token:
    kind: str  # user | page
    user_id: str
    page_id: str | None = None
    expires_at: float | None = None
    revoked: bool = False


@dataclass
class Obj:
    """A post, photo or video (reels are videos of kind ``reel``) on a Page."""

    id: str
    type: str  # post | photo | video
    page_id: str
    created: float = field(default_factory=time.time)
    message: str = ""
    link: str | None = None
    published: bool = True
    photos: list[str] = field(default_factory=list)  # posts: attached photo ids
    picture: str | None = None
    post_id: str | None = None  # photos/videos: the feed story they made
    attached: bool = False  # photos: already used by a post
    kind: str = "video"  # videos: video | reel
    state: str = "processing"  # videos: created | processing | ready | error
    polls_left: int = 1  # videos: status reads answered "processing" before "ready"
    error: str = ""
    uploaded: bool = False  # reels: bytes received by the rupload host
    reactions: int = 0
    comments: int = 0
    shares: int = 0


@dataclass
class FacebookData:
    apps: dict[str, str] = field(default_factory=lambda: {CLIENT_ID: CLIENT_SECRET})
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    roles: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (user, page) → tasks
    tokens: dict[str, Token] = field(default_factory=dict)
    page_tokens: dict[tuple[str, str], str] = field(default_factory=dict)  # (user, page) → token
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    objects: dict[str, Obj] = field(default_factory=dict)
    login_as: str | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        return str(10**15 + next(self.ids))

    def issue(self, kind: str, user_id: str, page_id: str | None, ttl: float | None) -> str:
        token = f"EAA{kind[0]}{secrets.token_urlsafe(24)}"
        expires = time.time() + ttl if ttl else None
        self.tokens[token] = Token(kind, user_id, page_id, expires)
        return token

    def page_token(self, user_id: str, page_id: str, user_token: Token) -> str:
        """The Page token for an admin: one per (user, Page), living as long as the user token
        it came from when that one is short-lived, forever otherwise (docs/reference/platforms.md §6)."""
        key = (user_id, page_id)
        if key not in self.page_tokens or self.tokens[self.page_tokens[key]].revoked:
            ttl = None
            if user_token.expires_at and user_token.expires_at - time.time() < 86_400:
                ttl = user_token.expires_at - time.time()
            self.page_tokens[key] = self.issue("page", user_id, page_id, ttl)
        return self.page_tokens[key]


def data(state: FakeState) -> FacebookData:
    store = state.data[PLATFORM]
    if "db" not in store:
        store["db"] = FacebookData()
    db: FacebookData = store["db"]
    return db


PROCESSING_MODES = ("slow_processing", "processing_failed")


@dataclass
class Call:
    """One request to the fake: its merged parameters and, once checked, its token."""

    request: Request
    params: dict[str, Any]
    db: FacebookData
    state: FakeState
    token: Token | None = None

    def mode(self, endpoint: str) -> str | None:
        """The injected failure for this call (processing modes only apply to status reads)."""
        mode = self.state.take(PLATFORM, endpoint)
        return None if mode in PROCESSING_MODES else mode

    def fields(self, default: str) -> list[str]:
        return split_fields(str(self.params.get("fields") or default))


@dataclass(frozen=True)
class Seeded:
    user_id: str
    user_token: str
    page_tokens: dict[str, str]  # page id → Page token


def seed_account(
    state: FakeState,
    *,
    user_id: str = "100001",
    name: str = "Ada Lovelace",
    pages: tuple[tuple[str, str], ...] = (("200001", "Ada's Bakery"),),
    tasks: tuple[str, ...] = DEFAULT_TASKS,
) -> Seeded:
    """A Facebook user who runs ``pages`` (id, name), with a long-lived user token and a
    Page token per Page; the login dialog approves as this user from now on."""
    db = data(state)
    db.users[user_id] = {"id": user_id, "name": name}
    for page_id, page_name in pages:
        db.pages[page_id] = {
            "id": page_id,
            "name": page_name,
            "username": re.sub(r"\W", "", page_name).lower(),
        }
        db.roles[(user_id, page_id)] = list(tasks)
    db.login_as = user_id
    user_token = db.issue("user", user_id, None, LONG_LIVED)
    token = db.tokens[user_token]
    page_tokens = {page_id: db.page_token(user_id, page_id, token) for page_id, _ in pages}
    return Seeded(user_id, user_token, page_tokens)


def expire_token(state: FakeState, token: str) -> None:
    data(state).tokens[token].expires_at = time.time() - 1


def set_engagement(
    state: FakeState, object_id: str, *, reactions: int = 0, comments: int = 0, shares: int = 0
) -> None:
    obj = data(state).objects[object_id]
    obj.reactions, obj.comments, obj.shares = reactions, comments, shares


def objects(state: FakeState, type_: str, *, page_id: str | None = None) -> list[Obj]:
    """What the fake holds of ``type_`` (post, photo, video), oldest first."""
    return [
        o
        for o in data(state).objects.values()
        if o.type == type_ and (page_id is None or o.page_id == page_id)
    ]


# Graph's answers to what the fake refuses: name → (HTTP status, code, subcode, message).
# fmt: off
ERRORS: dict[str, tuple[int, int, int | None, str]] = {
    "no_token": (400, 2500, None, "An active access token must be used to query information about the current user."),
    "bad_token": (400, 190, None, "Invalid OAuth access token - Cannot parse access token"),
    "expired": (400, 190, 463, "Error validating access token: Session has expired on Tuesday, 01-Jan-30 00:00:00 PST."),
    "revoked": (400, 190, 460, "Error validating access token: The session has been invalidated because the user changed their password."),
    "page_limit": (400, 32, None, "(#32) Page request limit reached"),
    "app_limit": (400, 4, None, "(#4) Application request limit reached"),
    "duplicate": (400, 506, None, "(#506) Duplicate status message"),
    "policy": (400, 368, None, "(#368) The action attempted has been deemed abusive or is otherwise disallowed"),
    "server": (500, 2, None, "An unexpected error has occurred. Please retry your request later."),
    "timeout": (504, 2, None, "Service temporarily unavailable"),
    "no_object": (400, 100, 33, "Unsupported {verb} request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."),
    "not_admin": (403, 200, None, "(#200) If posting to a page, requires both pages_read_engagement and pages_manage_posts as an admin with sufficient administrative permission"),
    "no_read": (403, 10, None, "(#10) This endpoint requires the 'pages_read_engagement' permission"),
    "param": (400, 100, None, "(#100) {detail}"),
    "no_field": (400, 100, None, "(#100) Tried accessing nonexisting field ({field}) on node type ({node})"),
    "no_image": (400, 324, None, "(#324) Missing or invalid image file"),
    "photo_size": (400, 100, 1366046, "(#100) Photos should be smaller than 4 MB"),
    "photos_used": (400, 100, 1366051, "These photos were already posted."),
    "bad_app": (400, 101, None, "Error validating application. Invalid application ID."),
    "bad_secret": (400, 1, None, "Error validating client secret."),
    "bad_redirect": (400, 191, None, "The redirect_uri URL must be absolute"),
    "code_format": (400, 100, 36007, "Invalid verification code format."),
    "code_used": (400, 100, 36009, "This authorization code has been used."),
    "code_mismatch": (400, 100, 36008, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"),
    "version": (400, 12, None, "(#12) This fake serves Graph " + GRAPH_VERSION + " only"),
}
# fmt: on
MODE_ERRORS = {
    "auth_expired": "expired",
    "auth_revoked": "revoked",
    "duplicate": "duplicate",
    "policy": "policy",
    "server_error": "server",
}  # fmt: skip


def graph_error(name: str, *, headers: dict[str, str] | None = None, **fmt: str) -> JSONResponse:
    """Graph's error shape: ``{"error": {message, type, code, error_subcode, fbtrace_id}}``."""
    status, code, subcode, template = ERRORS[name]
    message = template.format(**fmt)
    kind = "GraphMethodException" if subcode == 33 else "OAuthException"
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    if code == 2:
        error["is_transient"] = True
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
    hdrs = dict(headers or {})
    if code == 190:
        hdrs["WWW-Authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{message}"'
    return JSONResponse({"error": error}, status_code=status, headers=hdrs)


def failure(mode: str, token: Token | None) -> JSONResponse:
    """The answer to an injected failure ``mode`` (see ``tests.fakes.facebook``)."""
    if mode == "rate_limit" and token is not None and token.kind == "page":
        return graph_error("page_limit", headers=usage_headers(token, exhausted=True, regain=2))
    if mode == "rate_limit":
        return graph_error("app_limit", headers=usage_headers(token, exhausted=True))
    return graph_error(MODE_ERRORS.get(mode, "server"))


def usage_headers(
    token: Token | None, *, exhausted: bool = False, regain: int = 0
) -> dict[str, str]:
    """Rate-limit usage headers: Business Use Case usage for Page tokens, app usage else."""
    pct = 100 if exhausted else 7
    if token is not None and token.kind == "page" and token.page_id:
        entry = {
            "type": "pages",
            "call_count": pct,
            "total_cputime": 3,
            "total_time": 4,
            "estimated_time_to_regain_access": regain,  # minutes
        }
        return {"X-Business-Use-Case-Usage": json.dumps({token.page_id: [entry]})}
    return {"X-App-Usage": json.dumps({"call_count": pct, "total_cputime": 2, "total_time": 3})}


def graph_time(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(ts))


def split_fields(raw: str) -> list[str]:
    """Top-level names of a ``fields`` list (``reactions.summary(total_count).limit(0)`` →
    ``reactions``), commas inside ``()``/``{}`` ignored."""
    names, depth, current = [], 0, ""
    for char in raw + ",":
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        if char == "," and depth == 0:
            match = re.match(r"\s*([A-Za-z_]+)", current)
            if match:
                names.append(match.group(1))
            current = ""
        else:
            current += char
    return names


def permalink(obj: Obj) -> str:
    if obj.type == "video":  # Graph gives videos a path, not a URL
        return f"/{obj.page_id}/videos/{obj.id}/" if obj.kind == "video" else f"/reel/{obj.id}/"
    story = obj.id.split("_", 1)[-1]
    return f"https://www.facebook.com/{obj.page_id}/posts/{story}"


def render(obj: Obj, names: list[str]) -> dict[str, Any]:
    """The requested fields of a post, photo or video, as Graph writes them (an empty message
    and zero shares are left out, as Graph does)."""
    out: dict[str, Any] = {}
    for name in names:
        if name == "id":
            out["id"] = obj.id
        elif (name in ("message", "name") and obj.message) or name == "description":
            out[name] = obj.message
        elif name in ("created_time", "updated_time"):
            out[name] = graph_time(obj.created)
        elif name == "permalink_url":
            out[name] = permalink(obj)
        elif name == "full_picture" and obj.picture:
            out[name] = obj.picture
        elif name == "shares" and obj.shares:
            out[name] = {"count": obj.shares}
        elif name in ("reactions", "comments"):
            out[name] = {"data": [], "summary": {"total_count": getattr(obj, name)}}
        elif name == "status":
            out[name] = video_status(obj)
        elif name in ("post_id", "page_story_id") and obj.post_id:
            out[name] = obj.post_id
        elif name == "is_published":
            out[name] = obj.published
    return out


def video_status(obj: Obj) -> dict[str, Any]:
    phase = {"ready": "complete", "error": "error"}.get(obj.state, "in_progress")
    status: dict[str, Any] = {
        "video_status": obj.state,
        "uploading_phase": {"status": "complete"},
        "processing_phase": {"status": phase},
        "publishing_phase": {"status": "complete" if obj.state == "ready" else "not_started"},
    }
    if obj.state == "error":
        status["processing_phase"]["errors"] = [{"code": 1363008, "message": obj.error}]
    return status


def fbcdn(obj_id: str) -> str:
    return f"https://scontent.xx.fbcdn.net/v/t39.30808-6/{obj_id}_n.jpg"


def version_ok(version: str) -> bool:
    return version == GRAPH_VERSION
