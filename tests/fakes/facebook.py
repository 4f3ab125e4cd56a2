"""Facebook Pages contract fake (docs/reference/platforms.md §6 and §12 "Facebook Pages fake"), under ``/meta``.

Graph lives at ``/meta/{GRAPH_VERSION}/...`` (other versions are refused) and the browser side
at ``/meta/{GRAPH_VERSION}/dialog/oauth`` (auto-approves as the last seeded user, 302 to
``redirect_uri`` with ``code`` and ``state`` and Facebook's ``#_=_`` fragment). Endpoints:

- ``GET /oauth/access_token``: the code grant (client id + secret, the dialog's exact
  ``redirect_uri``, single-use code → short-lived token) and ``fb_exchange_token`` (a valid
  user token of the app → long-lived token);
- ``GET /me`` (user or Page behind the token), ``/me/accounts`` (Pages with their tokens and
  tasks; Page tokens from a short-lived user token die with it), ``/me/permissions``;
- ``POST /{page}/feed`` (message / link / attached_media; every ``media_fbid`` an unpublished,
  unused photo of this Page; link and attached_media not together; ≤63,206 characters; the
  same message on the Page within an hour → (#506)); ``fields=permalink_url`` is answered;
- ``POST /{page}/photos`` (``url`` fetched and checked to be an image under 4 MB;
  ``published=false`` makes an attachable photo; published → ``{id, post_id}``);
- ``POST /{page}/videos`` (``file_url``; processing turns ``ready`` after one status read, or
  ``error`` when the file could not be fetched or is not a video);
- ``POST /{page}/video_reels`` ``start`` / ``finish`` + ``POST /rupload/video-upload/{v}/{id}``
  (``Authorization: OAuth <page token>``, ``file_url`` header or bytes with ``offset`` 0 and
  ``file_size``);
- ``GET /{page}/posts|feed|videos|video_reels`` (``since``, ``limit``, cursor paging), ``GET
  /{id}?fields=...`` (unknown fields → (#100)), ``POST /{id}/comments``, ``DELETE /{id}``.

Every call needs a token the fake issued (header ``Bearer``/``OAuth`` or ``access_token``);
writing to a Page needs that Page's token. Errors have Graph's shape; every answer carries
``X-App-Usage`` (user tokens) or ``X-Business-Use-Case-Usage`` (Page tokens).

Injected failures: ``state.take("facebook", <endpoint>)`` with endpoints ``dialog``, ``oauth``,
``me``, ``accounts``, ``node``, ``video_status`` (each status read consumes one
``slow_processing`` use; ``processing_failed`` turns the video to ``error``), ``feed``,
``photos``, ``videos``, ``reel_start``, ``video_reels`` (the ``finish``), ``rupload``,
``list``, ``comments``, ``delete``.
``rate_limit`` → (#32) with a 2-minute regain estimate for Page tokens, (#4) with app usage at
100 % for user tokens; ``auth_expired`` → 190/463; ``auth_revoked`` → 190/460; ``duplicate`` →
(#506); ``policy`` → (#368); ``server_error`` → 500 code 2 transient; ``timeout_after_commit``
on a create really creates, hangs ``state.hang_seconds``, then answers 504.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.fakes.facebook_graph import (
    DUPLICATE_WINDOW,
    GRANTED,
    MAX_MESSAGE,
    MAX_PHOTO_BYTES,
    NODE_FIELDS,
    NODE_TYPE_NAMES,
    PLATFORM,
    PROCESSING_MODES,
    Call,
    FacebookData,
    Obj,
    data,
    failure,
    fbcdn,
    graph_error,
    render,
    usage_headers,
    version_ok,
)
from tests.fakes.facebook_oauth import access_token, dialog
from tests.fakes.state import FakeState

from lowtato.media.sniff import sniff
from lowtato.platforms.facebook.client import GRAPH_VERSION

PREFIX = "/meta"
_SECRET_PARAMS = {"access_token", "client_secret", "fb_exchange_token", "code"}


async def _params(request: Request) -> dict[str, Any]:
    """Graph merges query, form and JSON parameters; ``attached_media[0]=…`` form keys make a
    list."""
    params: dict[str, Any] = dict(request.query_params)
    body = await request.body()
    kind = request.headers.get("content-type", "")
    if body and "json" in kind:
        params.update(json.loads(body))
    elif body and "form" in kind:
        for key, value in (await request.form()).items():
            if key.startswith("attached_media["):
                params.setdefault("attached_media", []).append(json.loads(str(value)))
            else:
                params[key] = str(value)
    return params


def _truthy(value: Any) -> bool:
    return value is None or value is True or str(value).lower() in ("true", "1")


def _auth(call: Call) -> Response | None:
    scheme, _, value = call.request.headers.get("authorization", "").partition(" ")
    raw = value if scheme.lower() in ("bearer", "oauth") else call.params.get("access_token")
    if not raw:
        return graph_error("no_token")
    token = call.db.tokens.get(str(raw))
    if token is None:
        return graph_error("bad_token")
    if token.revoked:
        return graph_error("revoked")
    if token.expires_at is not None and token.expires_at < time.time():
        return graph_error("expired")
    call.token = token
    return None


def _page_write(call: Call, page_id: str) -> Response | None:
    """Writing to a Page needs that Page's token (Graph's (#200) otherwise)."""
    if page_id not in call.db.pages:
        return graph_error("no_object", verb="post", id=page_id)
    token = call.token
    if token is None or token.kind != "page" or token.page_id != page_id:
        return graph_error("not_admin")
    return None


def _can_read(call: Call, page_id: str) -> bool:
    token = call.token
    if token is None:
        return False
    if token.kind == "page":
        return token.page_id == page_id
    return (token.user_id, page_id) in call.db.roles


async def _fetch(url: str) -> tuple[bytes, str | None] | None:
    """Download a media URL the way Graph's crawler does; None when it cannot."""
    if urlsplit(url).scheme not in ("http", "https"):
        return None
    try:
        async with httpx.AsyncClient(timeout=5.0) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return response.content, sniff(response.content[:64])


async def _video_problem(url: str) -> str:
    """Empty when ``url`` serves a video, else why its processing will fail."""
    fetched = await _fetch(url)
    if fetched is None:
        return "The video file could not be downloaded from file_url"
    return "" if (fetched[1] or "").startswith("video/") else "The file is not a video"


async def _create(call: Call, endpoint: str, make: Callable[[], Awaitable[Response]]) -> Response:
    """A create with the injected failure of ``endpoint``: timeouts really create first."""
    mode = call.mode(endpoint)
    if mode is not None and mode != "timeout_after_commit":
        return failure(mode, call.token)
    response = await make()
    if mode == "timeout_after_commit" and response.status_code == 200:
        await asyncio.sleep(call.state.hang_seconds)
        return graph_error("timeout")
    return response


def _attachments(call: Call, page_id: str, media: list[Any]) -> list[Obj] | Response:
    """Every ``media_fbid`` must be an unpublished, unused photo uploaded to this Page."""
    found = []
    for i, item in enumerate(media):
        fbid = str((json.loads(item) if isinstance(item, str) else item).get("media_fbid"))
        photo = call.db.objects.get(fbid)
        if photo is None or photo.type != "photo" or photo.page_id != page_id or photo.published:
            detail = f"attached_media[{i}] must be an unpublished photo uploaded to this Page"
            return graph_error("param", detail=detail)
        if photo.attached:
            return graph_error("photos_used")
        found.append(photo)
    return found


def _is_duplicate(db: FacebookData, page_id: str, message: str) -> bool:
    return any(
        o.type == "post" and o.page_id == page_id and o.published and o.message == message
        and time.time() - o.created < DUPLICATE_WINDOW
        for o in db.objects.values()
    )  # fmt: skip


async def feed(call: Call, page_id: str) -> Response:
    async def make() -> Response:  # noqa: PLR0911 - one answer per Graph refusal
        p, db = call.params, call.db
        message, link = str(p.get("message") or ""), p.get("link")
        media = p.get("attached_media") or []
        media = json.loads(media) if isinstance(media, str) else media
        if not (message or link or media):
            return graph_error("param", detail="Missing message or attachment")
        if len(message) > MAX_MESSAGE:
            return graph_error("param", detail=f"The message is over {MAX_MESSAGE} characters")
        if link and urlsplit(str(link)).scheme not in ("http", "https"):
            return graph_error("param", detail="The parameter link must be a valid URL")
        if link and media:
            return graph_error("param", detail="link and attached_media cannot be used together")
        photos = _attachments(call, page_id, media)
        if isinstance(photos, Response):
            return photos
        published = _truthy(p.get("published"))
        if message and published and _is_duplicate(db, page_id, message):
            return graph_error("duplicate")
        post = Obj(f"{page_id}_{db.new_id()}", "post", page_id, message=message,
                   link=str(link) if link else None, published=published,
                   photos=[ph.id for ph in photos], picture=fbcdn(photos[0].id) if photos else None)  # fmt: skip
        for photo in photos:
            photo.attached, photo.post_id = True, post.id
        db.objects[post.id] = post
        return JSONResponse({"id": post.id, **render(post, call.fields("id"))})

    return await _create(call, "feed", make)


async def photos(call: Call, page_id: str) -> Response:
    published = _truthy(call.params.get("published"))

    async def make() -> Response:
        p, db = call.params, call.db
        fetched = await _fetch(str(p.get("url") or ""))
        if fetched is None or fetched[1] not in ("image/jpeg", "image/png", "image/gif"):
            return graph_error("no_image")
        if len(fetched[0]) > MAX_PHOTO_BYTES:
            return graph_error("photo_size")
        message = str(p.get("message") or p.get("caption") or "")
        photo = Obj(db.new_id(), "photo", page_id, message=message, published=published)
        db.objects[photo.id] = photo
        if not published:
            return JSONResponse({"id": photo.id})
        post = Obj(f"{page_id}_{db.new_id()}", "post", page_id, message=message,
                   photos=[photo.id], picture=fbcdn(photo.id))  # fmt: skip
        photo.post_id, photo.attached = post.id, True
        db.objects[post.id] = post
        return JSONResponse({"id": photo.id, "post_id": post.id})

    if not published:  # an unpublished upload creates no post: no timeout-after-commit
        mode = call.mode("photos")
        return failure(mode, call.token) if mode else await make()
    return await _create(call, "photos", make)


async def videos(call: Call, page_id: str) -> Response:
    async def make() -> Response:
        p = call.params
        if not p.get("file_url"):
            return graph_error("param", detail="file_url or source is required")
        description = str(p.get("description") or "")
        video = Obj(call.db.new_id(), "video", page_id, message=description,
                    published=_truthy(p.get("published")))  # fmt: skip
        video.error = await _video_problem(str(p["file_url"]))
        call.db.objects[video.id] = video
        return JSONResponse({"id": video.id})

    return await _create(call, "videos", make)


async def video_reels(call: Call, page_id: str) -> Response:
    p, db = call.params, call.db
    if p.get("upload_phase") == "start":
        mode = call.mode("reel_start")
        if mode:
            return failure(mode, call.token)
        reel = Obj(db.new_id(), "video", page_id, kind="reel", state="created", published=False)
        db.objects[reel.id] = reel
        url = call.request.url
        upload = (
            f"{url.scheme}://{url.netloc}{PREFIX}/rupload/video-upload/{GRAPH_VERSION}/{reel.id}"
        )
        return JSONResponse({"video_id": reel.id, "upload_url": upload})
    if p.get("upload_phase") != "finish":
        return graph_error("param", detail="upload_phase must be one of start, finish")

    async def make() -> Response:
        reel = db.objects.get(str(p.get("video_id")))
        if reel is None or reel.kind != "reel" or reel.page_id != page_id:
            return graph_error("param", detail="Invalid video_id for this Page")
        if not reel.uploaded:
            return graph_error("param", detail="The video has not been uploaded yet")
        if p.get("video_state") != "PUBLISHED":
            return graph_error("param", detail="video_state must be PUBLISHED (DRAFT and "
                               "SCHEDULED are not emulated)")  # fmt: skip
        reel.message, reel.published = str(p.get("description") or ""), True
        reel.state, reel.created = "processing", time.time()
        return JSONResponse({"success": True})

    return await _create(call, "video_reels", make)


def _rupload_error(status: int, kind: str, message: str) -> Response:
    """The rupload host answers in its own shape, not Graph's."""
    body = {"debug_info": {"retriable": False, "type": kind, "message": message}}
    return JSONResponse(body, status_code=status)


async def rupload(request: Request) -> Response:
    state: FakeState = request.app.state.fake
    db = data(state)
    reel = db.objects.get(request.path_params["video_id"])
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    token = db.tokens.get(raw) if scheme == "OAuth" else None
    body, headers = await request.body(), request.headers
    state.record(PLATFORM, "POST", request.url.path, {"file_url": headers.get("file_url", "")},
                 {"bytes": len(body)})  # fmt: skip
    if reel is None or token is None or token.page_id != reel.page_id:
        return _rupload_error(401, "AuthError", "Invalid OAuth access token or video id")
    mode = state.take(PLATFORM, "rupload")
    if mode:
        return failure(mode, token)
    if headers.get("file_url"):
        reel.error = await _video_problem(headers["file_url"])
    elif body and headers.get("offset") == "0" and headers.get("file_size") == str(len(body)):
        reel.error = "" if (sniff(body[:64]) or "").startswith("video/") else "Not a video"
    else:
        return _rupload_error(400, "ProcessingFailedError",
                              "Send a file_url header, or the bytes with offset 0 and file_size")  # fmt: skip
    reel.uploaded = True
    return JSONResponse({"success": True})


async def comments(call: Call, object_id: str) -> Response:
    obj = call.db.objects.get(object_id)
    if obj is None:
        return graph_error("no_object", verb="post", id=object_id)
    if (denied := _page_write(call, obj.page_id)) is not None:
        return denied
    if not call.params.get("message"):
        return graph_error("param", detail="Missing message")
    if mode := call.mode("comments"):
        return failure(mode, call.token)
    obj.comments += 1
    return JSONResponse({"id": f"{object_id}_{call.db.new_id()}"})


_LISTS = {"posts": ("post", None), "feed": ("post", None), "videos": ("video", "video"),
          "video_reels": ("video", "reel")}  # fmt: skip


def _listing(call: Call, page_id: str, edge: str) -> Response:
    if page_id not in call.db.pages or not _can_read(call, page_id):
        return graph_error("no_read")
    if mode := call.mode("list"):
        return failure(mode, call.token)
    since = float(call.params.get("since") or 0)
    type_, kind = _LISTS[edge]
    found = [o for o in call.db.objects.values()
             if o.page_id == page_id and o.type == type_ and o.published
             and (kind is None or o.kind == kind) and o.created >= since]  # fmt: skip
    found.sort(key=lambda o: o.created, reverse=True)
    fields = call.fields("id,created_time,message")
    return _paged(call, [render(o, fields) for o in found])


def _paged(call: Call, items: list[dict[str, Any]]) -> Response:
    """``limit`` (≤100) items from the ``after`` cursor, with ``paging.next`` when more."""
    limit = min(int(call.params.get("limit") or 25), 100)
    start = int(call.params.get("after") or 0)
    body: dict[str, Any] = {"data": items[start : start + limit], "paging": {}}
    if start + limit < len(items):
        query = {k: v for k, v in call.request.query_params.items() if k != "after"}
        url = call.request.url.replace(query=urlencode({**query, "after": start + limit}))
        body["paging"] = {"cursors": {"after": str(start + limit)}, "next": str(url)}
    return JSONResponse(body)


def _accounts(call: Call) -> Response:
    token = call.token
    if token is None or token.kind != "user":
        return graph_error("no_field", field="accounts", node="Page")
    if mode := call.mode("accounts"):
        return failure(mode, token)
    fields = call.fields("id,name,access_token,tasks")
    pages = []
    for (user_id, page_id), tasks in call.db.roles.items():
        if user_id == token.user_id:
            page = {**call.db.pages[page_id], "tasks": tasks, "category": "Bakery",
                    "access_token": call.db.page_token(user_id, page_id, token)}  # fmt: skip
            pages.append({f: page[f] for f in fields if f in page})
    return _paged(call, pages)


def _object(call: Call, obj: Obj, fields: list[str]) -> Response:
    """GET of a post, photo or video. A read of a video's ``status`` is a status poll."""
    status_read = obj.type == "video" and "status" in fields
    injected = call.state.take(PLATFORM, "video_status" if status_read else "node")
    if injected == "processing_failed" and status_read and obj.state == "processing":
        obj.state, obj.error = "error", "Video Processing Error"
    elif injected == "slow_processing" and status_read and obj.state == "processing":
        obj.polls_left += 1  # this read stays "processing"
    elif injected is not None and injected not in PROCESSING_MODES:
        return failure(injected, call.token)
    if not _can_read(call, obj.page_id):
        return graph_error("no_read")
    if bad := [f for f in fields if f not in NODE_FIELDS[obj.type]]:
        return graph_error("no_field", field=bad[0], node=NODE_TYPE_NAMES[obj.type])
    if status_read:
        _advance(obj)
    return JSONResponse({"id": obj.id, **render(obj, fields)})


def _advance(video: Obj) -> None:
    """One status read: ``processing`` for ``polls_left`` reads, then ready (or error)."""
    if video.state != "processing":
        return
    if video.polls_left > 0:
        video.polls_left -= 1
    else:
        video.state = "error" if video.error else "ready"


def _profile(user_id: str, record: dict[str, Any]) -> dict[str, Any]:
    url = f"https://platform-lookaside.fbsbx.com/platform/profilepic/?asid={user_id}"
    picture = {"data": {"url": url, "height": 50, "width": 50, "is_silhouette": False}}
    return {**record, "picture": picture}


def _node(call: Call, node: str) -> Response:
    """GET /{id}: a user, Page, post, photo or video, with the requested fields."""
    db, token = call.db, call.token
    assert token is not None
    fields = call.fields("id,name")
    if (obj := db.objects.get(node)) is not None:
        return _object(call, obj, fields)
    if mode := call.mode("me" if node == "me" else "node"):
        return failure(mode, token)
    if node == "me":
        node = token.page_id if token.kind == "page" and token.page_id else token.user_id
    if node in db.users:
        kind, record = "user", _profile(node, db.users[node])
    elif node in db.pages:
        kind, record = "page", dict(db.pages[node])
        if "access_token" in fields:
            if token.kind != "user" or (token.user_id, node) not in db.roles:
                return graph_error("not_admin")
            record["access_token"] = db.page_token(token.user_id, node, token)
    else:
        return graph_error("no_object", verb="get", id=node)
    if bad := [f for f in fields if f not in NODE_FIELDS[kind]]:
        return graph_error("no_field", field=bad[0], node=NODE_TYPE_NAMES[kind])
    return JSONResponse({f: record[f] for f in fields if f in record})


def _delete(call: Call, object_id: str) -> Response:
    obj = call.db.objects.get(object_id)
    if obj is None:
        return graph_error("no_object", verb="delete", id=object_id)
    if (denied := _page_write(call, obj.page_id)) is not None:
        return denied
    if mode := call.mode("delete"):
        return failure(mode, call.token)
    del call.db.objects[object_id]
    return JSONResponse({"success": True})


_CREATES = {"feed": feed, "photos": photos, "videos": videos, "video_reels": video_reels}


async def _edge(call: Call, node: str, edge: str) -> Response:
    method = call.request.method
    if (node, edge, method) == ("me", "accounts", "GET"):
        return _accounts(call)
    if (node, edge, method) == ("me", "permissions", "GET"):
        return JSONResponse({"data": [{"permission": p, "status": "granted"} for p in GRANTED]})
    if method == "GET" and edge in _LISTS:
        return _listing(call, node, edge)
    if method == "POST" and edge == "comments":
        return await comments(call, node)
    if method == "POST" and edge in _CREATES:
        denied = _page_write(call, node)
        return denied if denied is not None else await _CREATES[edge](call, node)
    return graph_error("param", detail=f"Unknown path components: /{edge}")


async def _object_route(call: Call, node: str) -> Response:
    return _delete(call, node) if call.request.method == "DELETE" else _node(call, node)


Handler = Callable[..., Awaitable[Response]]


def build(state: FakeState) -> Starlette:
    def route(handler: Handler, *, auth: bool = True) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            params = await _params(request)
            scheme = request.headers.get("authorization", "").partition(" ")[0]
            shown = {k: v for k, v in params.items() if k not in _SECRET_PARAMS}
            state.record(PLATFORM, request.method, request.url.path,
                         {"authorization": scheme, "content-type": request.headers.get("content-type", "")},
                         shown)  # fmt: skip
            path = dict(request.path_params)
            if not version_ok(path.pop("version")):
                return graph_error("version")
            call = Call(request, params, data(state), state)
            if auth and (denied := _auth(call)) is not None:
                return denied
            response = await handler(call, **path)
            if not {"x-app-usage", "x-business-use-case-usage"} & set(response.headers):
                response.headers.update(usage_headers(call.token))
            return response

        return endpoint

    app = Starlette(routes=[
        Route("/{version}/dialog/oauth", route(dialog, auth=False), methods=["GET"]),
        Route("/{version}/oauth/access_token", route(access_token, auth=False), methods=["GET", "POST"]),
        Route("/rupload/video-upload/{version}/{video_id}", rupload, methods=["POST"]),
        Route("/{version}/{node}/{edge}", route(_edge), methods=["GET", "POST"]),
        Route("/{version}/{node}", route(_object_route), methods=["GET", "DELETE"]),
    ])  # fmt: skip
    app.state.fake = state
    return app
