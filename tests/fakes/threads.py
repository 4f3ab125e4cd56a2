"""Threads contract fake (docs/reference/platforms.md §7 and §12 "Threads fake"), under
``/threads``: the API at ``/threads/v1.0/...`` (other versions refused), the token endpoints
at ``/threads/oauth/access_token``, ``/threads/access_token``, ``/threads/refresh_access_token``
and the browser's ``/threads/oauth/authorize`` (auto-approves as the last seeded profile).

Validated as Threads does: a token the fake issued (``Bearer`` header or ``access_token``),
the path's user being the token's; ``media_type`` ∈ TEXT|IMAGE|VIDEO|CAROUSEL with its url or
text; text ≤500 (emoji by UTF-8 bytes); images fetched (JPEG/PNG ≤8 MB) at container creation;
``is_carousel_item`` only on IMAGE/VIDEO; CAROUSEL ``children`` 2-20 FINISHED unused items of
this user; ``reply_to_id`` a published post; ``reply_control`` from its enum;
``threads_publish`` only a FINISHED, unpublished, non-item container, and at most 250 posts per
24 h; the refresh grant only for tokens old enough (``min_refresh_age``).

Video containers read IN_PROGRESS once, then FINISHED (ERROR ``FAILED_DOWNLOADING_VIDEO`` when
the URL is not a video). Injected failures (``state.take("threads", <endpoint>)``):
``authorize``, ``oauth``, ``me``, ``limit``, ``container`` (create), ``status`` (each read eats
one ``slow_processing`` use; ``processing_failed`` → ERROR ``FAILED_PROCESSING_VIDEO``),
``publish`` (``timeout_after_commit`` really publishes, hangs, then answers 504), ``list``,
``node``, ``insights``, ``delete``.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tests.fakes.state import FakeState
from tests.fakes.threads_store import (
    LONG_LIVED,
    PLATFORM,
    QUOTA,
    SHORT_LIVED,
    Container,
    Post,
    ThreadsData,
    Token,
    data,
    failure,
    graph_error,
    threads_time,
)  # fmt: skip

from lowtato.media.sniff import sniff
from lowtato.platforms.text import emoji_bytes_length

PREFIX = "/threads"
VERSION = "v1.0"
MAX_TEXT, MAX_IMAGE = 500, 8 * 1024 * 1024
REPLY_CONTROLS = ("everyone", "accounts_you_follow", "mentioned_only")
_SECRETS = {"access_token", "client_secret", "code"}
Call = tuple[Request, dict[str, Any], ThreadsData, FakeState]


async def _params(request: Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    kind = request.headers.get("content-type", "")
    if body and "json" in kind:
        params.update(json.loads(body))
    elif body and "form" in kind:
        params.update({k: str(v) for k, v in (await request.form()).items()})
    return params


def _token(request: Request, p: dict[str, Any], db: ThreadsData) -> Token | Response:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    raw = value if scheme.lower() == "bearer" else p.get("access_token")
    token = db.tokens.get(str(raw)) if raw else None
    if not raw:
        return graph_error("no_token")
    if token is None:
        return graph_error("bad_token")
    if token.revoked:
        return graph_error("revoked")
    if token.expires_at is not None and token.expires_at < time.time():
        return graph_error("expired")
    return token


async def _fetch(url: str) -> tuple[int, str | None] | None:
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return None
    return (len(response.content), sniff(response.content[:64])) if response.is_success else None


async def authorize(request: Request) -> Response:
    p, state = dict(request.query_params), request.app.state.fake
    db = data(state)
    redirect = str(p.get("redirect_uri") or "")
    if p.get("client_id") not in db.apps or p.get("response_type") != "code":
        return graph_error("bad_app")
    if "threads_basic" not in str(p.get("scope") or "").split(","):
        return graph_error("param", detail="scope must include threads_basic")
    if state.take(PLATFORM, "authorize"):  # the user pressed "Cancel"
        denied = {"error": "access_denied", "error_reason": "user_denied", "state": p.get("state")}
        return RedirectResponse(f"{redirect}?{urlencode(denied)}", status_code=302)
    code = secrets.token_urlsafe(24)
    db.codes[code] = {"client_id": p["client_id"], "redirect_uri": redirect, "user_id": db.login_as}
    return RedirectResponse(f"{redirect}?{urlencode({'code': code, 'state': p.get('state', '')})}#_",
                            status_code=302)  # fmt: skip


def _long_lived(db: ThreadsData, user_id: str) -> Response:
    token = db.issue(user_id, LONG_LIVED)
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": LONG_LIVED})


async def oauth(call: Call, kind: str) -> Response:  # noqa: PLR0911 - one answer per refusal
    request, p, db, state = call
    if mode := state.take(PLATFORM, "oauth"):
        return failure(mode)
    if kind == "code":
        if p.get("client_id") not in db.apps or request.method != "POST":
            return graph_error("bad_app")
        if p.get("client_secret") != db.apps[str(p["client_id"])]:
            return graph_error("bad_secret")
        grant = db.codes.pop(str(p.get("code")), None)
        if p.get("grant_type") != "authorization_code" or grant is None:
            return graph_error("bad_code")
        if grant["redirect_uri"] != p.get("redirect_uri") or grant["client_id"] != p["client_id"]:
            return graph_error("bad_code")
        token = db.issue(grant["user_id"], SHORT_LIVED)
        return JSONResponse({"access_token": token, "user_id": int(grant["user_id"])})
    found = _token(request, p, db)
    if isinstance(found, Response):
        return found
    if kind == "exchange":
        if (
            p.get("grant_type") != "th_exchange_token"
            or p.get("client_secret") not in db.apps.values()
        ):
            return graph_error("bad_secret")
        return _long_lived(db, found.user_id)
    if p.get("grant_type") != "th_refresh_token":
        return graph_error("param", detail="grant_type must be th_refresh_token")
    if time.time() - found.issued < db.min_refresh_age:
        return graph_error("too_young")
    return _long_lived(db, found.user_id)


def _check_text(p: dict[str, Any], db: ThreadsData, user_id: str) -> Response | None:
    if emoji_bytes_length(str(p.get("text") or "")) > MAX_TEXT:
        return graph_error("param", detail="Param text must be at most 500 characters long.")
    reply_to = p.get("reply_to_id")
    if reply_to and str(reply_to) not in db.posts:
        return graph_error("param", detail="Param reply_to_id must be the id of a published post")
    if p.get("reply_control") and p["reply_control"] not in REPLY_CONTROLS:
        return graph_error("param", detail=f"Param reply_control must be one of {REPLY_CONTROLS}")
    return None


async def _container(call: Call, user_id: str) -> Response:  # noqa: PLR0911, PLR0912 - one answer per refusal
    _request, p, db, state = call
    media_type, item = p.get("media_type"), str(p.get("is_carousel_item")).lower() == "true"
    if media_type not in ("TEXT", "IMAGE", "VIDEO", "CAROUSEL"):
        return graph_error(
            "param", detail="Param media_type must be one of TEXT, IMAGE, VIDEO, CAROUSEL"
        )
    if item and media_type not in ("IMAGE", "VIDEO"):
        return graph_error("param", detail="Only IMAGE and VIDEO can be carousel items")
    if (refused := _check_text(p, db, user_id)) is not None:
        return refused
    if mode := state.take(PLATFORM, "container"):
        return failure(mode)
    box = Container(db.new_id(), user_id, str(media_type), dict(p), status="FINISHED")
    if media_type == "TEXT" and not p.get("text"):
        return graph_error("param", detail="Param text is required for TEXT posts")
    if media_type == "IMAGE":
        got = await _fetch(str(p.get("image_url") or ""))
        if got is None or got[1] not in ("image/jpeg", "image/png") or got[0] > MAX_IMAGE:
            return graph_error("fetch", url=str(p.get("image_url")))
    if media_type == "VIDEO":
        if not p.get("video_url"):
            return graph_error("param", detail="Param video_url is required for VIDEO posts")
        got = await _fetch(str(p["video_url"]))
        box.status, box.polls_left = "IN_PROGRESS", 1
        box.error = (
            "" if got and (got[1] or "").startswith("video/") else "FAILED_DOWNLOADING_VIDEO"
        )
    if media_type == "CAROUSEL":
        ids = [c for c in str(p.get("children") or "").split(",") if c]
        kids = [db.containers.get(c) for c in ids]
        if not 2 <= len(ids) <= 20:
            return graph_error("param", detail="A carousel needs 2 to 20 children")
        if any(k is None or k.user_id != user_id or not k.params.get("is_carousel_item")
               or k.status != "FINISHED" or k.used for k in kids):  # fmt: skip
            return graph_error(
                "param", detail="children must be FINISHED, unused carousel items of this user"
            )
        for kid in kids:
            assert kid is not None
            kid.used = True
    db.containers[box.id] = box
    return JSONResponse({"id": box.id})


def _status(call: Call, box: Container) -> Response:
    mode = call[3].take(PLATFORM, "status")
    if box.status == "IN_PROGRESS" and mode == "slow_processing":
        box.polls_left += 1
    elif box.status == "IN_PROGRESS" and mode == "processing_failed":
        box.error, box.polls_left = "FAILED_PROCESSING_VIDEO", 0
    elif mode is not None and mode not in ("slow_processing", "processing_failed"):
        return failure(mode)
    if box.status == "IN_PROGRESS":
        if box.polls_left > 0:
            box.polls_left -= 1
        else:
            box.status = "ERROR" if box.error else "FINISHED"
    body: dict[str, Any] = {"id": box.id, "status": box.status}
    if box.status == "ERROR":
        body["error_message"] = box.error
    return JSONResponse(body)


async def _publish(call: Call, user_id: str) -> Response:
    _request, p, db, state = call
    mode = state.take(PLATFORM, "publish")
    if mode is not None and mode != "timeout_after_commit":
        return failure(mode)
    box = db.containers.get(str(p.get("creation_id")))
    if box is None or box.user_id != user_id:
        return graph_error(
            "param", detail="Param creation_id must be a media container of this user"
        )
    if box.status != "FINISHED" or box.params.get("is_carousel_item"):
        return graph_error(
            "param", detail=f"The media container is {box.status}, not ready to publish"
        )
    day = [q for q in db.posts.values() if q.user_id == user_id and q.reply_to is None
           and q.created > time.time() - 86_400]  # fmt: skip
    reply_to = box.params.get("reply_to_id")
    if not reply_to and len(day) >= QUOTA:
        return graph_error("quota")
    kinds = {"TEXT": "TEXT_POST", "CAROUSEL": "CAROUSEL_ALBUM"}
    post = Post(db.new_id(), user_id, str(box.params.get("text") or ""),
                kinds.get(box.media_type, box.media_type), secrets.token_urlsafe(8)[:11],
                reply_to=str(reply_to) if reply_to else None,
                reply_control=str(box.params.get("reply_control") or "everyone"),
                children=[c for c in str(box.params.get("children") or "").split(",") if c])  # fmt: skip
    db.posts[post.id], box.status = post, "PUBLISHED"
    if mode == "timeout_after_commit":
        await asyncio.sleep(state.hang_seconds)
        return graph_error("timeout")
    return JSONResponse({"id": post.id})


def _render(db: ThreadsData, post: Post, fields: list[str]) -> dict[str, Any]:
    user = db.users[post.user_id]
    values = {"id": post.id, "text": post.text, "media_type": post.media_type,
              "shortcode": post.shortcode, "timestamp": threads_time(post.created),
              "username": user["username"], "is_reply": post.reply_to is not None,
              "permalink": f"https://www.threads.net/@{user['username']}/post/{post.shortcode}"}  # fmt: skip
    return {f: values[f] for f in fields if f in values and (f != "text" or post.text)}


def _list(call: Call, user_id: str) -> Response:
    _request, p, db, state = call
    if mode := state.take(PLATFORM, "list"):
        return failure(mode)
    since = float(p.get("since") or 0)
    fields = str(p.get("fields") or "id").split(",")
    found = sorted((q for q in db.posts.values() if q.user_id == user_id and q.reply_to is None
                    and q.created >= since), key=lambda q: q.created, reverse=True)  # fmt: skip
    limit = min(int(p.get("limit") or 25), 100)
    return JSONResponse({"data": [_render(db, q, fields) for q in found[:limit]], "paging": {}})


def _limit(call: Call, user_id: str) -> Response:
    _request, _p, db, state = call
    if mode := state.take(PLATFORM, "limit"):
        return failure(mode)
    used = sum(1 for q in db.posts.values() if q.user_id == user_id and q.reply_to is None
               and q.created > time.time() - 86_400)  # fmt: skip
    return JSONResponse(
        {
            "data": [
                {"quota_usage": used, "config": {"quota_total": QUOTA, "quota_duration": 86_400}}
            ]
        }
    )


def _insights(call: Call, post: Post) -> Response:
    if mode := call[3].take(PLATFORM, "insights"):
        return failure(mode)
    names = str(call[1].get("metric") or "").split(",")
    known = ("views", "likes", "replies", "reposts", "quotes", "shares")
    if not names or any(n not in known for n in names):
        return graph_error("param", detail=f"Param metric must be a list of {known}")
    return JSONResponse({"data": [
        {"name": n, "period": "lifetime", "values": [{"value": post.insights.get(n, 0)}],
         "title": n.title(), "id": f"{post.id}/insights/{n}/lifetime"} for n in names]})  # fmt: skip


async def api(call: Call, token: Token, node: str, edge: str | None) -> Response:  # noqa: PLR0911, PLR0912 - one route per shape
    request, p, db, state = call
    method = request.method
    if node == "me" or node in db.users:
        user_id = token.user_id if node == "me" else node
        if user_id != token.user_id:
            return graph_error("no_object", id=node)
        if edge is None and method == "GET":
            if mode := state.take(PLATFORM, "me"):
                return failure(mode)
            fields = str(p.get("fields") or "id").split(",")
            return JSONResponse({f: db.users[user_id][f] for f in fields if f in db.users[user_id]})
        routes: dict[tuple[str, str | None], Callable[[], Awaitable[Response]]] = {
            ("POST", "threads"): lambda: _container(call, user_id),
            ("POST", "threads_publish"): lambda: _publish(call, user_id),
        }
        if (method, edge) in routes:
            return await routes[(method, edge)]()
        if (method, edge) == ("GET", "threads"):
            return _list(call, user_id)
        if (method, edge) == ("GET", "threads_publishing_limit"):
            return _limit(call, user_id)
    elif (box := db.containers.get(node)) is not None and box.user_id == token.user_id:
        if edge is None and method == "GET":
            return _status(call, box)
    elif (post := db.posts.get(node)) is not None and post.user_id == token.user_id:
        if edge == "insights" and method == "GET":
            return _insights(call, post)
        if edge is None and method == "DELETE":
            if mode := state.take(PLATFORM, "delete"):
                return failure(mode)
            del db.posts[node]
            return JSONResponse({"success": True, "deleted_id": node})
        if edge is None and method == "GET":
            if mode := state.take(PLATFORM, "node"):
                return failure(mode)
            return JSONResponse(_render(db, post, str(p.get("fields") or "id").split(",")))
    else:
        return graph_error("no_object", id=node)
    return graph_error("param", detail=f"Unsupported {method} request on /{node}/{edge or ''}")


def build(state: FakeState) -> Starlette:
    def record(request: Request, params: dict[str, Any]) -> None:
        shown = {k: v for k, v in params.items() if k not in _SECRETS}
        scheme = request.headers.get("authorization", "").partition(" ")[0]
        state.record(PLATFORM, request.method, request.url.path,
                     {"authorization": scheme, "content-type": request.headers.get("content-type", "")}, shown)  # fmt: skip

    def token_route(kind: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            params = await _params(request)
            record(request, params)
            return await oauth((request, params, data(state), state), kind)

        return endpoint

    async def graph(request: Request) -> Response:
        params = await _params(request)
        record(request, params)
        if request.path_params["version"] != VERSION:
            return graph_error("param", detail=f"This fake serves Threads API {VERSION} only")
        db = data(state)
        token = _token(request, params, db)
        if isinstance(token, Response):
            return token
        call = (request, params, db, state)
        return await api(call, token, request.path_params["node"], request.path_params.get("edge"))

    app = Starlette(routes=[
        Route("/oauth/authorize", authorize, methods=["GET"]),
        Route("/oauth/access_token", token_route("code"), methods=["GET", "POST"]),
        Route("/access_token", token_route("exchange"), methods=["GET"]),
        Route("/refresh_access_token", token_route("refresh"), methods=["GET"]),
        Route("/{version}/{node}/{edge}", graph, methods=["GET", "POST", "DELETE"]),
        Route("/{version}/{node}", graph, methods=["GET", "POST", "DELETE"]),
    ])  # fmt: skip
    app.state.fake = state
    return app
