"""Instagram Graph contract fake (docs/reference/platforms.md §3 and §12 "Instagram fake"),
under ``/instagram/{GRAPH_VERSION}/...`` (Facebook Login flavour: Facebook user tokens, the
Instagram account found through ``/me/accounts``).

- ``GET /oauth/access_token``: the code grant (codes from ``issue_code``) and
  ``fb_exchange_token``;
- ``GET /me/accounts`` (Pages with ``instagram_business_account``);
- ``POST /{ig}/media``: validates exactly one of ``image_url``/``video_url`` (unless
  ``CAROUSEL``), ``media_type`` ∈ REELS/STORIES/VIDEO (carousel items only)/CAROUSEL, a video
  needs a media_type, caption ≤2,200 characters and ≤30 hashtags, no caption on stories,
  CAROUSEL ``children`` 2-10 FINISHED items of this account. The URL is fetched: a failed
  download makes the container ERROR with 2207052, a wrong file type ERROR 2207005/2207026;
- ``GET /{container}?fields=status_code,status``: IN_PROGRESS for one read, then FINISHED;
- ``POST /{ig}/media_publish``: container not FINISHED → 9007/2207027; already published →
  error; quota used → 9/2207042; else the media, container → PUBLISHED;
- ``GET /{ig}/content_publishing_limit``, ``GET /{ig}/media|stories``, ``GET /{media}``,
  ``GET /{media}/insights`` (unknown metric → 100), ``POST /{media}/comments``,
  ``DELETE /{media}``.

Injected failures (``state.take("instagram", endpoint)``), endpoints: ``oauth``, ``accounts``,
``media`` (container create), ``status`` (``slow_processing`` adds reads, ``processing_failed``
turns the container ERROR), ``media_publish``, ``quota``, ``list``, ``comments``,
``insights``, ``delete``. ``rate_limit`` → (#4) with app usage at 100 %; ``auth_expired`` →
190/463; ``auth_revoked`` → 190/460; ``policy`` → 2207001; ``server_error`` → 500 code 2
transient; ``timeout_after_commit`` on ``media_publish`` publishes, hangs, then answers 504.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.fakes.facebook_graph import graph_time, split_fields
from tests.fakes.state import FakeState

from lowtato.media.sniff import sniff
from lowtato.platforms.facebook.client import GRAPH_VERSION

PREFIX = "/instagram"
PLATFORM = "instagram"
CLIENT_ID, CLIENT_SECRET = "instagram-client-id", "instagram-client-secret"
LONG_LIVED = 5_184_000
MAX_CAPTION, MAX_HASHTAGS = 2200, 30
QUOTA_TOTAL = 100


@dataclass
class Container:
    id: str
    ig: str
    kind: str  # image | video | carousel
    media_type: str  # IMAGE | REELS | STORIES | VIDEO | CAROUSEL
    caption: str = ""
    item: bool = False
    children: list[str] = field(default_factory=list)
    status: str = "IN_PROGRESS"
    polls_left: int = 1
    error: str = ""


@dataclass
class IgMedia:
    id: str
    ig: str
    caption: str
    product: str  # FEED | REELS | STORY
    container: str
    created: float = field(default_factory=time.time)
    comments: list[str] = field(default_factory=list)
    likes: int = 0

    @property
    def shortcode(self) -> str:
        return f"C{self.id[-8:]}"

    @property
    def permalink(self) -> str:
        kind = "reel" if self.product == "REELS" else "p"
        return f"https://www.instagram.com/{kind}/{self.shortcode}/"


@dataclass
class IgData:
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (user, expiry)
    revoked: set[str] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)  # user id → name
    pages: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    igs: dict[str, dict[str, str]] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # code → user id
    containers: dict[str, Container] = field(default_factory=dict)
    media: dict[str, IgMedia] = field(default_factory=dict)
    quota_used: dict[str, int] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        return str(17_900_000_000_000_000 + next(self.ids))

    def issue(self, user_id: str, ttl: float = LONG_LIVED) -> str:
        token = "EAAI" + secrets.token_urlsafe(24)
        self.tokens[token] = (user_id, time.time() + ttl)
        return token


def data(state: FakeState) -> IgData:
    store = state.data[PLATFORM]
    if "db" not in store:
        store["db"] = IgData()
    db: IgData = store["db"]
    return db


@dataclass(frozen=True)
class Seeded:
    user_id: str
    ig_id: str
    username: str
    token: str


def seed_account(
    state: FakeState, *, user_id: str = "100001", ig_id: str = "17841400000000001",
    username: str = "ada_bakes",
) -> Seeded:  # fmt: skip
    """A Facebook user whose Page is linked to the Instagram account ``ig_id``, plus a Page
    without one; returns a long-lived user token."""
    db = data(state)
    db.users[user_id] = "Ada Lovelace"
    db.igs[ig_id] = {"id": ig_id, "username": username, "name": "Ada's Bakery"}
    db.pages += [("200001", "Ada's Bakery", user_id, ig_id), ("200002", "Side", user_id, None)]
    return Seeded(user_id, ig_id, username, db.issue(user_id))


def issue_code(state: FakeState, user_id: str = "100001") -> str:
    code = secrets.token_urlsafe(16)
    data(state).codes[code] = user_id
    return code


def expire(state: FakeState, token: str) -> None:
    db = data(state)
    db.tokens[token] = (db.tokens[token][0], time.time() - 1)


def use_quota(state: FakeState, ig_id: str, used: int = QUOTA_TOTAL) -> None:
    data(state).quota_used[ig_id] = used


# fmt: off
ERRORS: dict[str, tuple[int, int, int | None, str]] = {
    "no_token": (400, 2500, None, "An active access token must be used to query information about the current user."),
    "bad_token": (400, 190, None, "Invalid OAuth access token - Cannot parse access token"),
    "expired": (400, 190, 463, "Error validating access token: Session has expired."),
    "revoked": (400, 190, 460, "Error validating access token: The session has been invalidated because the user changed their password."),
    "app_limit": (400, 4, None, "(#4) Application request limit reached"),
    "policy": (400, 9004, 2207001, "Instagram has identified this action as spam."),
    "server": (500, 2, None, "An unexpected error has occurred. Please retry your request later."),
    "timeout": (504, 2, None, "Service temporarily unavailable"),
    "param": (400, 100, None, "(#100) {detail}"),
    "no_object": (400, 100, 33, "Unsupported request. Object with ID '{id}' does not exist."),
    "not_ready": (400, 9007, 2207027, "Media ID is not available"),
    "published": (400, 9007, 2207008, "The media has already been published"),
    "quota": (400, 9, 2207042, "You reached the maximum number of posts allowed in 24 hours."),
    "bad_secret": (400, 1, None, "Error validating client secret."),
    "code": (400, 100, 36007, "Invalid verification code format."),
    "version": (400, 12, None, "(#12) This fake serves Graph " + GRAPH_VERSION + " only"),
    "no_delete": (400, 10, None, "(#10) Application does not have permission for this action"),
}
# fmt: on
MODE_ERRORS = {"auth_expired": "expired", "auth_revoked": "revoked", "policy": "policy"}


def ig_error(name: str, **fmt: str) -> JSONResponse:
    status, code, subcode, template = ERRORS[name]
    error: dict[str, Any] = {"message": template.format(**fmt), "type": "OAuthException",
                             "code": code, "fbtrace_id": "A" + secrets.token_urlsafe(8)}  # fmt: skip
    if subcode is not None:
        error["error_subcode"] = subcode
    if code == 2:
        error["is_transient"] = True
    headers = {}
    if name == "app_limit":
        headers["X-App-Usage"] = json.dumps({"call_count": 100, "total_time": 3})
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def failure(mode: str) -> JSONResponse:
    if mode == "rate_limit":
        return ig_error("app_limit")
    return ig_error(MODE_ERRORS.get(mode, "server"))


@dataclass
class Call:
    request: Request
    params: dict[str, Any]
    db: IgData
    state: FakeState
    user_id: str = ""

    def mode(self, endpoint: str) -> str | None:
        mode = self.state.take(PLATFORM, endpoint)
        return None if mode in ("slow_processing", "processing_failed") else mode


async def _fetch_kind(url: str) -> str | None:
    """What Meta's crawler finds at ``url`` (image/video/other), None when it cannot fetch."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return (sniff(response.content[:64]) or "other/").partition("/")[0]


def _caption_problem(caption: str) -> str:
    if len(caption) > MAX_CAPTION:
        return f"The caption is over {MAX_CAPTION} characters"
    if caption.count("#") > MAX_HASHTAGS:
        return f"The caption has more than {MAX_HASHTAGS} hashtags"
    return ""


async def create_container(call: Call, ig: str) -> Response:  # noqa: PLR0911 - one per refusal
    p, db = call.params, call.db
    if mode := call.mode("media"):
        return failure(mode)
    media_type = str(p.get("media_type") or "")
    caption = str(p.get("caption") or "")
    if problem := _caption_problem(caption):
        return ig_error("param", detail=problem)
    if media_type == "CAROUSEL":
        children = [c for c in str(p.get("children") or "").split(",") if c]
        if not 2 <= len(children) <= 10:
            return ig_error("param", detail="children must list 2-10 carousel item containers")
        for child in children:
            item = db.containers.get(child)
            if item is None or item.ig != ig or not item.item or item.status != "FINISHED":
                return ig_error("param", detail=f"child {child} is not a FINISHED carousel item")
        container = Container(db.new_id(), ig, "carousel", media_type, caption, children=children)
        db.containers[container.id] = container
        return JSONResponse({"id": container.id})
    urls = [k for k in ("image_url", "video_url") if p.get(k)]
    if len(urls) != 1:
        return ig_error("param", detail="Exactly one of image_url or video_url is required")
    item = str(p.get("is_carousel_item") or "").lower() == "true"
    if media_type not in ("", "REELS", "STORIES", "VIDEO") or (media_type == "VIDEO" and not item):
        return ig_error("param", detail=f"media_type {media_type} is not supported here")
    if urls[0] == "video_url" and not media_type:
        return ig_error("param", detail="A video needs media_type REELS, STORIES or VIDEO")
    if media_type == "STORIES" and caption:
        return ig_error("param", detail="Stories take no caption")
    kind = "video" if urls[0] == "video_url" else "image"
    container = Container(db.new_id(), ig, kind, media_type or "IMAGE", caption, item=item)
    found = await _fetch_kind(str(p[urls[0]]))
    if found is None:
        container.error = "Media download has failed. (2207052)"
    elif found != kind:
        container.error = (
            f"The {kind} format is not supported. ({2207026 if kind == 'video' else 2207005})"
        )
    db.containers[container.id] = container
    return JSONResponse({"id": container.id})


def _status(call: Call, container: Container) -> Response:
    mode = call.state.take(PLATFORM, "status")
    if mode == "processing_failed" and container.status == "IN_PROGRESS":
        container.error = "Video processing failed. (2207076)"
        container.polls_left = 0
    elif mode == "slow_processing" and container.status == "IN_PROGRESS":
        container.polls_left += 1
    elif mode is not None and mode != "slow_processing":
        return failure(mode)
    if container.status == "IN_PROGRESS":
        if container.polls_left > 0:
            container.polls_left -= 1
        else:
            container.status = "ERROR" if container.error else "FINISHED"
    body = {"id": container.id, "status_code": container.status}
    if container.status == "ERROR":
        body["status"] = f"Error: {container.error}"
    return JSONResponse(body)


async def media_publish(call: Call, ig: str) -> Response:  # noqa: PLR0911 - one per refusal
    db = call.db
    mode = call.mode("media_publish")
    if mode is not None and mode != "timeout_after_commit":
        return failure(mode)
    container = db.containers.get(str(call.params.get("creation_id") or ""))
    if container is None or container.ig != ig or container.item:
        return ig_error("param", detail="creation_id must be a container of this account")
    if container.status == "PUBLISHED":
        return ig_error("published")
    if container.status != "FINISHED":
        return ig_error("not_ready")
    if db.quota_used.get(ig, 0) >= QUOTA_TOTAL:
        return ig_error("quota")
    product = {"REELS": "REELS", "STORIES": "STORY"}.get(container.media_type, "FEED")
    media = IgMedia(db.new_id(), ig, container.caption, product, container.id)
    db.media[media.id] = media
    container.status = "PUBLISHED"
    db.quota_used[ig] = db.quota_used.get(ig, 0) + 1
    if mode == "timeout_after_commit":
        await asyncio.sleep(call.state.hang_seconds)
        return ig_error("timeout")
    return JSONResponse({"id": media.id})


def _render(media: IgMedia, fields: list[str]) -> dict[str, Any]:
    values = {"id": media.id, "caption": media.caption, "timestamp": graph_time(media.created),
              "permalink": media.permalink, "shortcode": media.shortcode,
              "media_product_type": media.product, "like_count": media.likes,
              "comments_count": len(media.comments)}  # fmt: skip
    return {f: values[f] for f in fields if f in values and (f != "caption" or media.caption)}


def _listing(call: Call, ig: str, edge: str) -> Response:
    if mode := call.mode("list"):
        return failure(mode)
    stories = edge == "stories"
    found = [m for m in call.db.media.values()
             if m.ig == ig and (m.product == "STORY") == stories]  # fmt: skip
    found.sort(key=lambda m: m.created, reverse=True)
    fields = split_fields(str(call.params.get("fields") or "id"))
    return JSONResponse({"data": [_render(m, fields) for m in found], "paging": {}})


def _quota(call: Call, ig: str) -> Response:
    if mode := call.mode("quota"):
        return failure(mode)
    config = {"quota_total": QUOTA_TOTAL, "quota_duration": 86400}
    used = call.db.quota_used.get(ig, 0)
    return JSONResponse({"data": [{"quota_usage": used, "config": config}]})


_METRICS = {"views", "reach", "likes", "comments", "shares", "saved", "total_interactions"}


def _insights(call: Call, media: IgMedia) -> Response:
    if mode := call.mode("insights"):
        return failure(mode)
    names = str(call.params.get("metric") or "").split(",")
    if bad := [n for n in names if n not in _METRICS]:
        return ig_error(
            "param", detail=f"metric[0] must be one of {sorted(_METRICS)}, not {bad[0]}"
        )
    values = {"views": 12, "likes": media.likes, "comments": len(media.comments), "shares": 1}
    data_ = [{"name": n, "period": "lifetime", "values": [{"value": values.get(n, 0)}]}
             for n in names]  # fmt: skip
    return JSONResponse({"data": data_})


def _accounts(call: Call) -> Response:
    if mode := call.mode("accounts"):
        return failure(mode)
    pages = []
    for page_id, name, user_id, ig in call.db.pages:
        if user_id == call.user_id:
            page: dict[str, Any] = {"id": page_id, "name": name}
            if ig:
                page["instagram_business_account"] = call.db.igs[ig]
            pages.append(page)
    return JSONResponse({"data": pages, "paging": {}})


async def _edge(call: Call, node: str, edge: str) -> Response:  # noqa: PLR0911 - a router
    method, db = call.request.method, call.db
    if (node, edge, method) == ("me", "accounts", "GET"):
        return _accounts(call)
    if node in db.igs:
        if (edge, method) == ("media", "POST"):
            return await create_container(call, node)
        if (edge, method) == ("media_publish", "POST"):
            return await media_publish(call, node)
        if (edge, method) == ("content_publishing_limit", "GET"):
            return _quota(call, node)
        if edge in ("media", "stories") and method == "GET":
            return _listing(call, node, edge)
    media = db.media.get(node)
    if media is not None and (edge, method) == ("insights", "GET"):
        return _insights(call, media)
    if media is not None and (edge, method) == ("comments", "POST"):
        if not call.params.get("message"):
            return ig_error("param", detail="Missing message")
        if mode := call.mode("comments"):
            return failure(mode)
        media.comments.append(str(call.params["message"]))
        return JSONResponse({"id": db.new_id()})
    return ig_error("no_object", id=f"{node}/{edge}")


async def _object(call: Call, node: str) -> Response:
    db = call.db
    if call.request.method == "DELETE":
        if node not in db.media:
            return ig_error("no_object", id=node)
        if mode := call.mode("delete"):
            return ig_error("no_delete") if mode == "policy" else failure(mode)
        del db.media[node]
        return JSONResponse({"success": True})
    if (container := db.containers.get(node)) is not None:
        return _status(call, container)
    if (media := db.media.get(node)) is not None:
        fields = split_fields(str(call.params.get("fields") or "id"))
        return JSONResponse(_render(media, ["id", *fields]))
    return ig_error("no_object", id=node)


def _access_token(call: Call) -> Response:
    p, db = call.params, call.db
    if mode := call.mode("oauth"):
        return failure(mode)
    if p.get("client_id") != CLIENT_ID or p.get("client_secret") != CLIENT_SECRET:
        return ig_error("bad_secret")
    if p.get("grant_type") == "fb_exchange_token":
        old = db.tokens.get(str(p.get("fb_exchange_token")))
        if old is None or old[1] < time.time():
            return ig_error("expired")
        user_id = old[0]
    else:
        user_id = db.codes.pop(str(p.get("code")), "")
        if not user_id or not p.get("redirect_uri"):
            return ig_error("code")
    token = db.issue(user_id)
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED})


def _auth(call: Call) -> Response | None:
    scheme, _, raw = call.request.headers.get("authorization", "").partition(" ")
    token = raw if scheme.lower() == "bearer" else str(call.params.get("access_token") or "")
    if not token:
        return ig_error("no_token")
    if token in call.db.revoked:
        return ig_error("revoked")
    found = call.db.tokens.get(token)
    if found is None:
        return ig_error("bad_token")
    if found[1] < time.time():
        return ig_error("expired")
    call.user_id = found[0]
    return None


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    if body and "json" in request.headers.get("content-type", ""):
        params.update(json.loads(body))
    elif body:
        params.update({k: str(v) for k, v in (await request.form()).items()})
    return params


def build(state: FakeState) -> Starlette:
    def route(handler: Any, *, auth: bool = True) -> Any:
        async def endpoint(request: Request) -> Response:
            params = await _params(request)
            shown = {
                k: v
                for k, v in params.items()
                if k not in ("client_secret", "fb_exchange_token", "code")
            }
            state.record(PLATFORM, request.method, request.url.path, {}, shown)
            path = dict(request.path_params)
            if path.pop("version") != GRAPH_VERSION:
                return ig_error("version")
            call = Call(request, params, data(state), state)
            if auth and (denied := _auth(call)) is not None:
                return denied
            return await handler(call, **path)

        return endpoint

    async def token(call: Call) -> Response:
        return _access_token(call)

    return Starlette(routes=[
        Route("/{version}/oauth/access_token", route(token, auth=False), methods=["GET"]),
        Route("/{version}/{node}/{edge}", route(_edge), methods=["GET", "POST"]),
        Route("/{version}/{node}", route(_object), methods=["GET", "DELETE"]),
    ])  # fmt: skip
