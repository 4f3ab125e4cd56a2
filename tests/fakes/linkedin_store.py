"""Data, test helpers, little-text rendering, error shapes and request checks of the LinkedIn
fake (``tests/fakes/linkedin.py`` holds the endpoints).

Data lives in ``state.data["linkedin"]["db"]`` (a ``LinkedInData``). Tests seed members and
their organizations with ``seed_account`` and steer tokens with ``expire`` / ``revoke``. Times
come from ``lowtato.kit.clock``, so a test's frozen clock moves the fake too (post creation
times, token expiry).
"""

from __future__ import annotations

import itertools
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse
from tests.fakes.bodies import receive
from tests.fakes.state import FakeState

from lowtato.kit import clock

PLATFORM = "linkedin"
SUPPORTED_VERSIONS = frozenset({"202511", "202512"} | {f"2026{m:02d}" for m in range(1, 13)})
"""Versions "active" in the fake (LinkedIn sunsets a version after about a year)."""
TOKEN_TTL, REFRESH_TTL = (
    5_184_000,
    31_536_000,
)  # 60 days, 365 days (docs/reference/platforms.md §4 Auth)
AUTHOR = re.compile(r"urn:li:(person|organization):([A-Za-z0-9_-]+)")
RESERVED = frozenset("\\|{}@[]()<>#*_~")
_MENTION = re.compile(
    r"@\[((?:\\.|[^\]\\\n])+)\]\((urn:li:(?:person|organization):[A-Za-z0-9_-]+)\)"
)
_TEMPLATE = re.compile(r"\{hashtag\|\\?([#\uff03])\|([^|{}\\]+)\}")
_HASHTAG = re.compile(r"#([^\W_]+)")


def now() -> float:
    return clock.now().timestamp()


ALL_SCOPES = frozenset({
    "openid", "profile", "email", "w_member_social",
    "w_organization_social", "r_organization_social", "rw_organization_admin",
})  # fmt: skip


@dataclass
class Token:
    sub: str
    expires_at: float
    revoked: bool = False
    scopes: frozenset[str] = ALL_SCOPES


@dataclass
class Media:
    urn: str
    owner: str
    status: str = "WAITING_UPLOAD"
    polls_left: int = 1  # status reads answered PROCESSING before AVAILABLE
    failure: str = ""
    size: int = 0
    parts: list[tuple[int, int]] = field(default_factory=list)
    etags: dict[int, str] = field(default_factory=dict)
    upload_token: str = ""


@dataclass
class Post:
    urn: str
    author: str
    commentary: str  # little text as LinkedIn stores it (hashtags as templates), maybe cut
    text: str  # what readers see
    body: dict[str, Any]
    created_ms: int
    deleted: bool = False
    likes: int = 0
    comments: int = 0  # count seen by metrics (seeded + created)
    comment_texts: list[str] = field(default_factory=list)
    impressions: int = 0
    shares: int = 0


@dataclass
class LinkedInData:
    members: dict[str, dict[str, str]] = field(default_factory=dict)
    orgs: dict[str, dict[str, str]] = field(default_factory=dict)
    roles: dict[tuple[str, str], str] = field(default_factory=dict)  # (sub, org id) → role
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh_tokens: dict[str, Token] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    posts: dict[str, Post] = field(default_factory=dict)
    issue_refresh_tokens: bool = True  # only apps approved for programmatic refresh get one
    members_cannot_read_images: bool = False  # Postiz: member tokens get 403 on image status
    last_member: str | None = None  # who the browser is "logged in" as on the authorize page
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def data(state: FakeState) -> LinkedInData:
    store = state.data[PLATFORM]
    if "db" not in store:
        store["db"] = LinkedInData()
    db: LinkedInData = store["db"]
    return db


@dataclass(frozen=True)
class Seeded:
    sub: str
    name: str
    token: str
    refresh_token: str | None


def issue(
    db: LinkedInData, sub: str, expires_in: int = TOKEN_TTL, scopes: frozenset[str] = ALL_SCOPES
) -> tuple[str, str | None]:
    access = "li-at-" + secrets.token_urlsafe(12)
    db.tokens[access] = Token(sub, now() + expires_in, scopes=scopes)
    refresh = None
    if db.issue_refresh_tokens:
        refresh = "li-rt-" + secrets.token_urlsafe(12)
        db.refresh_tokens[refresh] = Token(sub, now() + REFRESH_TTL, scopes=scopes)
    return access, refresh


def seed_account(
    state: FakeState,
    sub: str = "aB3dE5fG7h",
    name: str = "Ada Lovelace",
    *,
    orgs: dict[str, tuple[str, str]] | None = None,
    expires_in: int = TOKEN_TTL,
    scopes: frozenset[str] = ALL_SCOPES,
) -> Seeded:
    """A member with a fresh token (granted ``scopes``), holding ``orgs`` (id → (name, role))
    roles."""
    db = data(state)
    db.members[sub] = {"name": name, "picture": f"https://media.licdn.com/dms/image/{sub}.jpg"}
    for org_id, (org_name, role) in (orgs or {}).items():
        db.orgs[org_id] = {
            "localizedName": org_name,
            "vanityName": org_name.lower().replace(" ", "-"),
        }
        db.roles[(sub, org_id)] = role
    db.last_member = sub
    access, refresh = issue(db, sub, expires_in, scopes)
    return Seeded(sub, name, access, refresh)


def revoke(state: FakeState, token: str) -> None:
    data(state).tokens[token].revoked = True


def expire(state: FakeState, token: str) -> None:
    data(state).tokens[token].expires_at = now() - 1


def live_posts(state: FakeState) -> list[Post]:
    return [p for p in data(state).posts.values() if not p.deleted]


def render(little: str) -> tuple[str, str]:
    """(stored little text, visible text) of a commentary, parsed independently of the adapter.

    Backslash escapes are literal characters; ``#tag``, ``{hashtag|#|tag}`` and
    ``@[Name](urn)`` are elements (hashtags stored as ``{hashtag|\\#|tag}``, as LinkedIn returns
    them); any other reserved character cuts the text there, the way LinkedIn silently
    truncates a post with an unescaped one."""
    stored: list[str] = []
    shown: list[str] = []
    i = 0
    while i < len(little):
        c = little[i]
        if c == "\\" and i + 1 < len(little):
            stored.append(little[i : i + 2])
            shown.append(little[i + 1])
            i += 2
            continue
        match = (
            (c == "#" and _HASHTAG.match(little, i))
            or (c == "{" and _TEMPLATE.match(little, i))
            or (c == "@" and _MENTION.match(little, i))
        )
        if not match:
            if c in RESERVED:
                break
            stored.append(c)
            shown.append(c)
            i += 1
            continue
        if c == "@":
            stored.append(match.group(0))
            shown.append(re.sub(r"\\(.)", r"\1", match.group(1)))
        else:
            tag = match.group(match.lastindex or 1)
            stored.append(f"{{hashtag|\\#|{tag}}}")
            shown.append(f"#{tag}")
        i = match.end()
    return "".join(stored), "".join(shown)


class Problem(Exception):
    """Raised by a handler to answer with ``response``."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def error(status: int, code: str, message: str, service: int | None = None) -> Problem:
    """LinkedIn's error answer ``{"status", "serviceErrorCode"?, "code", "message"}``."""
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if service is not None:
        body["serviceErrorCode"] = service
    return Problem(JSONResponse(body, status_code=status))


def oauth_error(status: int, code: str, description: str) -> Problem:
    return Problem(
        JSONResponse({"error": code, "error_description": description}, status_code=status)
    )


def bad(message: str, status: int = 400) -> Problem:
    code = "ILLEGAL_ARGUMENT" if status == 400 else "UNPROCESSABLE_ENTITY"
    return error(status, code, message)


RATE_LIMITED = (429, "TOO_MANY_REQUESTS", "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.", 101)  # fmt: skip
EXPIRED = (401, "EXPIRED_ACCESS_TOKEN", "The token used in the request has expired", 65601)
REVOKED = (401, "REVOKED_ACCESS_TOKEN", "The token used in the request has been revoked by the user", 65602)  # fmt: skip
INVALID = (401, "INVALID_ACCESS_TOKEN", "Invalid access token", 65600)
SERVER = (500, "INTERNAL_SERVER_ERROR", "Internal Server Error", None)
POLICY = (422, "UNPROCESSABLE_ENTITY", "The content violates LinkedIn's Professional Community Policies", None)  # fmt: skip
FORBIDDEN = (403, "ACCESS_DENIED", "Not enough permissions to access this resource as this author", 100)  # fmt: skip
NOT_FOUND = (404, "NOT_FOUND", "Not Found", None)
GATEWAY_TIMEOUT = (504, "GATEWAY_TIMEOUT", "Gateway Timeout", None)
BAD_GRANT = "The provided authorization grant or refresh token is invalid, expired or revoked"
BAD_CODE = (
    "Unable to retrieve access token: appid/redirect uri/code verifier does not match "
    "authorization code. Or authorization code expired."
)


def check_request(request: Request, kind: str) -> None:
    if request.headers.get("x-restli-protocol-version") != "2.0.0":
        raise bad("X-Restli-Protocol-Version: 2.0.0 is required")
    if kind == "rest":
        version = request.headers.get("linkedin-version")
        if not version:
            raise error(400, "VERSION_MISSING", "A version must be present. Please specify a version by adding the LinkedIn-Version header.")  # fmt: skip
        if version not in SUPPORTED_VERSIONS:
            raise error(426, "NONEXISTENT_VERSION", f"Requested version {version} is not active")
    raw_query = request.scope["query_string"].decode()
    # Rest.li 2.0: URNs in paths, finder values and List(...) must be percent-encoded.
    if "urn:li:" in request.scope["raw_path"].decode() or re.search(r"(=|List\(|,)urn:", raw_query):
        raise bad("Syntax exception in path variables or query parameters: encode URNs")


def authenticate(db: LinkedInData, request: Request) -> Token:
    auth = request.headers.get("authorization", "")
    token = db.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None
    if token is None:
        raise error(*INVALID)
    if token.revoked:
        raise error(*REVOKED)
    if token.expires_at < now():
        raise error(*EXPIRED)
    return token


async def read_body(request: Request, kind: str) -> Any:
    if kind.endswith("upload"):
        # Counted, hashed and dropped as it arrives; the handler finds it in request.state.
        request.state.received = await receive(request)
        return {"bytes": request.state.received.size}
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
    try:
        return await request.json() if raw else None
    except ValueError as exc:
        raise bad("Request body is not valid JSON") from exc


def check_content(db: LinkedInData, author: str, content: Any) -> None:
    if content is None:
        return
    kinds = (
        [k for k in ("media", "multiImage", "article") if k in content]
        if isinstance(content, dict)
        else []
    )
    if len(kinds) != 1:
        raise bad("/content must hold exactly one of media, multiImage, article", 422)
    if kinds[0] == "article":
        return
    if kinds[0] == "media":
        ids = [(content["media"] or {}).get("id")]
    else:
        ids = [i.get("id") for i in (content["multiImage"] or {}).get("images") or []]
        if not 2 <= len(ids) <= 20:
            raise bad("/content/multiImage/images must have 2 to 20 images", 422)
        if not all(isinstance(i, str) and i.startswith("urn:li:image:") for i in ids):
            raise bad("/content/multiImage/images only takes image URNs", 422)
    for media_id in ids:
        item = db.media.get(str(media_id))
        if item is None or item.owner != author:
            raise bad(f"Media {media_id} does not exist or belongs to another owner", 422)
        if item.status != "AVAILABLE":
            raise bad(f"Media {media_id} is not AVAILABLE (status {item.status})", 422)
