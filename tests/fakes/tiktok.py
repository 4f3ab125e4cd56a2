"""Contract fake of TikTok's Content Posting API (docs/reference/platforms.md §5 and §12 "TikTok
fake"), served under ``/tiktok``.

Browser host: ``GET /v2/auth/authorize/`` (checks ``client_key``, ``response_type=code``,
``scope``, ``redirect_uri``, ``state``; auto-approves as the last seeded creator: 302 to
``redirect_uri`` with ``code`` and ``state``). API: ``POST /v2/oauth/token/`` (form; client key
and secret checked; ``authorization_code`` checks the redirect URI; ``refresh_token`` rotates —
the old refresh token dies, reusing it is ``invalid_grant``), ``GET /v2/user/info/``, ``POST
/v2/post/publish/creator_info/query/``, ``video/init/``, ``content/init/``,
``status/fetch/``, ``/v2/video/list/``, ``/v2/video/query/``; upload sink ``PUT
/upload/{publish_id}``.

It validates like TikTok: bearer tokens it issued (expired/revoked → 401
``access_token_invalid``), scopes (→ 401 ``scope_not_authorized``), ``Content-Type:
application/json`` on POSTs, ``privacy_level`` among the creator's options
(``privacy_level_option_mismatch``), title ≤2,200 (video) / ≤90 (photo), description ≤4,000,
1-35 photos, the chunk rules (5-64 MB chunks, final ≤128 MB, <5 MB whole, >64 MB chunked,
``total_chunk_count = floor(size / chunk_size)``, 1-1000) and on upload a contiguous
``Content-Range`` whose length matches the chunk and the body; pulls only from the verified
``/media/`` prefix of this server (``url_ownership_unverified``), photos only JPEG/WEBP;
6 inits a minute per token (429 ``rate_limit_exceeded``).

Failure injection: ``state.take("tiktok", endpoint)`` with endpoints ``token``,
``user.info``, ``creator_info``, ``video.init``, ``content.init``, ``upload``, ``status``,
``video.list``, ``video.query``; modes from ``tiktok_store.INJECTED`` answer their error;
``timeout_after_commit`` does the work, then hangs ``state.hang_seconds`` and answers 504;
on ``status``, ``processing_failed`` fails the publish and ``slow_processing`` (count n) adds
n PROCESSING polls.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tests.fakes import media_files
from tests.fakes import tiktok_store as tt
from tests.fakes.bodies import receive
from tests.fakes.state import FakeState

PREFIX = "/tiktok"
PLATFORM = tt.PLATFORM
MB = 1024 * 1024
MIN_CHUNK, MAX_CHUNK, MAX_FINAL, MAX_CHUNKS = 5 * MB, 64 * MB, 128 * MB, 1000
PRIVACY = frozenset(tt.ALL_PRIVACY)
PHOTO_TYPES = ("image/jpeg", "image/webp")
RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


@dataclass
class Call:
    request: Request
    body: Any
    token: tt.Token | None
    mode: str | None
    access: str
    db: tt.TikTokData

    @property
    def user(self) -> tt.User:
        assert self.token is not None
        return self.db.users[self.token.open_id]


Handler = Callable[[Call], Awaitable[Response]]


def _bad(message: str) -> tt.Problem:
    return tt.error(400, "invalid_params", message)


def build(state: FakeState) -> Starlette:
    def db() -> tt.TikTokData:
        return tt.data(state)

    def authenticate(request: Request, scope: str) -> tuple[str, tt.Token]:
        header = request.headers.get("authorization", "")
        access = header.removeprefix("Bearer ") if header.startswith("Bearer ") else ""
        token = db().tokens.get(access)
        if token is None or token.revoked:
            raise tt.error(401, "access_token_invalid",
                           "The access token is invalid or not found in the request.")  # fmt: skip
        if token.expires_at <= tt.now():
            raise tt.error(401, "access_token_invalid", "The access token has expired.")
        if scope not in token.scopes:
            raise tt.error(401, "scope_not_authorized",
                           f"The user did not authorize the scope required: {scope}.")  # fmt: skip
        return access, token

    async def read(request: Request, kind: str) -> Any:
        if kind == "upload":
            got = await receive(request)
            return {"size": got.size, "head": got.head[:16].hex()}
        raw = await request.body()
        if kind == "form":
            return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if request.method != "POST":
            return None
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise _bad("Content-Type must be application/json; charset=UTF-8.")
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise _bad("The request body is not valid JSON.") from exc

    def endpoint(name: str, kind: str, scope: str, fn: Handler) -> Callable[[Request], Awaitable[Response]]:  # fmt: skip
        async def handle(request: Request) -> Response:
            try:
                body = await read(request, kind)
                headers = {k: v for k, v in request.headers.items()
                           if k in ("content-type", "content-range", "content-length")}  # fmt: skip
                state.record(PLATFORM, request.method, request.url.path, headers, body)
                access, token = authenticate(request, scope) if scope else ("", None)
                mode = state.take(PLATFORM, name)
                if mode in tt.INJECTED and not (kind == "form" and mode.startswith("auth")):
                    raise tt.error(*tt.INJECTED[mode])
                if mode == "timeout_after_commit" and name not in COMMITS:
                    await asyncio.sleep(state.hang_seconds)
                    raise tt.error(504, "internal_error", "gateway timeout")
                return await fn(Call(request, body, token, mode, access, db()))
            except tt.Problem as problem:
                return problem.response

        return handle

    async def answer_created(call: Call, response: Response) -> Response:
        if call.mode == "timeout_after_commit":  # the post exists; its answer is lost
            await asyncio.sleep(state.hang_seconds)
            return JSONResponse({"error": "gateway timeout"}, status_code=504)
        return response

    # -- OAuth ---------------------------------------------------------------------------

    async def authorize(call: Call) -> Response:
        q = call.request.query_params
        if q.get("client_key") != tt.CLIENT_KEY:
            return JSONResponse({"error": "invalid_client_key"}, status_code=400)
        if q.get("response_type") != "code" or not q.get("scope") or not q.get("state"):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        redirect_uri = q.get("redirect_uri", "")
        code = "code_" + secrets.token_urlsafe(12)
        db().codes[code] = (db().last_seeded, redirect_uri)
        return RedirectResponse(
            f"{redirect_uri}?{urlencode({'code': code, 'state': q['state']})}", status_code=302
        )

    async def oauth_token(call: Call) -> Response:
        form = call.body
        if call.mode == "auth_revoked":
            raise tt.oauth_error("invalid_grant", "Refresh token is invalid or expired.")
        if form.get("client_key") != tt.CLIENT_KEY or form.get("client_secret") != tt.CLIENT_SECRET:
            raise tt.oauth_error("invalid_client", "Client key or secret is incorrect.", 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            found = db().codes.pop(form.get("code", ""), None)
            if found is None or found[1] != form.get("redirect_uri"):
                raise tt.oauth_error("invalid_grant", "Authorization code is expired.")
            open_id = found[0]
        elif grant == "refresh_token":
            found_refresh = db().refresh_tokens.pop(form.get("refresh_token", ""), None)
            if found_refresh is None or found_refresh[1] <= tt.now():
                raise tt.oauth_error("invalid_grant", "Refresh token is invalid or expired.")
            open_id = found_refresh[0]  # rotation: the old refresh token is gone now
        else:
            raise tt.oauth_error("unsupported_grant_type", "grant_type is not supported.")
        access, refresh = tt.issue_tokens(db(), open_id)
        return JSONResponse({
            "open_id": open_id, "scope": ",".join(sorted(tt.ALL_SCOPES)), "access_token": access,
            "expires_in": tt.TOKEN_TTL, "refresh_token": refresh,
            "refresh_expires_in": tt.REFRESH_TTL, "token_type": "Bearer",
        })  # fmt: skip

    # -- profile and creator info --------------------------------------------------------

    async def user_info(call: Call) -> Response:
        fields = [f for f in call.request.query_params.get("fields", "").split(",") if f]
        if not fields:
            raise _bad("fields is required.")
        user = call.user
        values = {"open_id": user.open_id, "union_id": "u_" + user.open_id,
                  "avatar_url": f"https://p16.tiktokcdn.example/{user.open_id}.jpeg",
                  "display_name": user.display_name, "username": user.username}  # fmt: skip
        return tt.ok({"user": {f: values[f] for f in fields if f in values}})

    async def creator_info(call: Call) -> Response:
        user = call.user
        return tt.ok({
            "creator_avatar_url": f"https://p16.tiktokcdn.example/{user.open_id}.jpeg",
            "creator_username": user.username, "creator_nickname": user.display_name,
            "privacy_level_options": list(user.privacy_options),
            "comment_disabled": user.comment_disabled, "duet_disabled": user.duet_disabled,
            "stitch_disabled": user.stitch_disabled,
            "max_video_post_duration_sec": user.max_duration,
        })  # fmt: skip

    # -- publishing ----------------------------------------------------------------------

    def throttle(call: Call) -> None:
        window = [t for t in db().init_calls.get(call.access, []) if t > tt.now() - 60]
        if len(window) >= db().init_limit:
            raise tt.error(429, "rate_limit_exceeded", "The API rate limit was exceeded.")
        db().init_calls[call.access] = [*window, tt.now()]

    def check_post_info(call: Call, info: Any, *, title_max: int, photo: bool) -> str:
        if not isinstance(info, dict):
            raise _bad("post_info is required.")
        privacy = info.get("privacy_level")
        if privacy not in PRIVACY:
            raise _bad("post_info.privacy_level is required.")
        if privacy not in call.user.privacy_options:
            raise tt.error(400, "privacy_level_option_mismatch",
                           "privacy_level is not one of the creator's privacy_level_options.")  # fmt: skip
        for key, value in info.items():
            if (key.startswith(("disable_", "brand_")) or key == "is_aigc") and not isinstance(
                value, bool
            ):
                raise _bad(f"post_info.{key} must be a boolean.")
        if not isinstance(info.get("title", ""), str) or len(info.get("title", "")) > title_max:
            raise _bad(f"post_info.title must be a string of at most {title_max} characters.")
        if photo and len(str(info.get("description", ""))) > 4000:
            raise _bad("post_info.description must be at most 4000 characters.")
        allowed = {"privacy_level", "title", "disable_comment", "brand_content_toggle",
                   "brand_organic_toggle", "is_aigc"}  # fmt: skip
        allowed |= (
            {"description", "auto_add_music"}
            if photo
            else {"disable_duet", "disable_stitch", "video_cover_timestamp_ms"}
        )
        if unknown := set(info) - allowed:
            raise _bad(f"post_info has unknown fields: {sorted(unknown)}.")
        return str(privacy)

    def pulled(call: Call, url: Any) -> str:
        """The media file a PULL_FROM_URL names, if it is under the verified prefix."""
        base = f"{call.request.url.scheme}://{call.request.url.netloc}/media/"
        if not isinstance(url, str) or not url.startswith(base) or not db().pull_verified:
            raise tt.error(403, "url_ownership_unverified",
                           "The URL prefix or domain is not verified for this app.")  # fmt: skip
        return url.removeprefix(base)

    def new_publish(call: Call, kind: str, source: str) -> tt.Publish:
        prefix = (
            "v_pub_file"
            if source == "FILE_UPLOAD"
            else "v_pub_url"
            if kind == "video"
            else "p_pub_url"
        )
        publish_id = f"{prefix}~v2-1.{secrets.randbelow(10**18)}"
        publish = tt.Publish(publish_id, call.user.open_id, kind, source, call.body,
                             moderation_left=db().moderation_polls)  # fmt: skip
        db().publishes[publish_id] = publish
        return publish

    def commit(publish: tt.Publish) -> None:
        info = publish.body.get("post_info") or {}
        images = list((publish.body.get("source_info") or {}).get("photo_images") or [])
        publish.post = tt.Post(
            id=str(next(db().ids)), open_id=publish.open_id, kind=publish.kind,
            title=str(info.get("title") or ""), description=str(info.get("description") or ""),
            privacy=str(info.get("privacy_level")), created=int(tt.now()),
            publish_id=publish.publish_id, body=publish.body, images=images,
        )  # fmt: skip
        db().posts.append(publish.post)

    async def video_init(call: Call) -> Response:
        throttle(call)
        body = call.body if isinstance(call.body, dict) else {}
        check_post_info(call, body.get("post_info"), title_max=2200, photo=False)
        source = body.get("source_info")
        if not isinstance(source, dict):
            raise _bad("source_info is required.")
        if source.get("source") == "PULL_FROM_URL":
            name = pulled(call, source.get("video_url"))
            if not name.endswith(".mp4"):
                raise tt.error(400, "video_pull_failed", "The video could not be downloaded.")
            publish = new_publish(call, "video", "PULL_FROM_URL")
            commit(publish)
            return await answer_created(call, tt.ok({"publish_id": publish.publish_id}))
        if source.get("source") != "FILE_UPLOAD":
            raise _bad("source_info.source must be FILE_UPLOAD or PULL_FROM_URL.")
        size, chunk, count = (
            source.get(k) for k in ("video_size", "chunk_size", "total_chunk_count")
        )
        if not all(isinstance(v, int) and v > 0 for v in (size, chunk, count)):
            raise _bad("video_size, chunk_size and total_chunk_count must be positive integers.")
        assert isinstance(size, int) and isinstance(chunk, int) and isinstance(count, int)
        if size < MIN_CHUNK and (chunk != size or count != 1):
            raise _bad("A video under 5 MB must be uploaded as one chunk of its full size.")
        if (
            size >= MIN_CHUNK
            and not (MIN_CHUNK <= chunk <= MAX_CHUNK)
            and not (count == 1 and chunk == size <= MAX_CHUNK)
        ):
            raise _bad("chunk_size must be between 5 MB and 64 MB.")
        if size > MAX_CHUNK and count < 2:
            raise _bad("A video over 64 MB must be uploaded in chunks.")
        if count != max(1, size // chunk) or not 1 <= count <= MAX_CHUNKS:
            raise _bad("total_chunk_count must be floor(video_size / chunk_size), 1 to 1000.")
        if size - (count - 1) * chunk > MAX_FINAL:
            raise _bad("The final chunk may not exceed 128 MB.")
        publish = new_publish(call, "video", "FILE_UPLOAD")
        publish.video_size, publish.chunk_size, publish.total_chunks = size, chunk, count
        base = f"{call.request.url.scheme}://{call.request.url.netloc}{PREFIX}"
        answer = tt.ok({"publish_id": publish.publish_id,
                        "upload_url": f"{base}/upload/{publish.publish_id}"})  # fmt: skip
        return await answer_created(call, answer)  # a lost answer leaves an unused upload

    async def upload(call: Call) -> Response:
        publish = db().publishes.get(call.request.path_params["publish_id"])
        if publish is None or publish.source != "FILE_UPLOAD" or publish.post is not None:
            raise tt.error(404, "invalid_file_upload", "No upload is waiting at this URL.")
        match = RANGE.fullmatch(call.request.headers.get("content-range", ""))
        if match is None:
            raise tt.error(400, "invalid_file_upload", "Content-Range is required.")
        first, last, total = (int(g) for g in match.groups())
        index = len(publish.chunks)
        final = index == publish.total_chunks - 1
        expected = publish.video_size - first if final else publish.chunk_size
        if not call.request.headers.get("content-type", "").startswith("video/"):
            raise tt.error(400, "invalid_file_upload", "Content-Type must be a video type.")
        if total != publish.video_size or first != publish.received or last - first + 1 != expected:
            raise tt.error(400, "invalid_file_upload",
                           f"Chunk {index + 1} must be bytes {publish.received}-"
                           f"{publish.received + expected - 1}/{publish.video_size}.")  # fmt: skip
        if call.body["size"] != expected:
            raise tt.error(400, "invalid_file_upload", "The body does not match Content-Range.")
        publish.received += expected
        publish.chunks.append(expected)
        if not final:
            return Response(status_code=206)
        commit(publish)
        return await answer_created(call, Response(status_code=201))

    async def content_init(call: Call) -> Response:
        throttle(call)
        body = call.body if isinstance(call.body, dict) else {}
        if body.get("media_type") != "PHOTO" or body.get("post_mode") not in (
            "DIRECT_POST",
            "MEDIA_UPLOAD",
        ):
            raise _bad("media_type must be PHOTO and post_mode DIRECT_POST or MEDIA_UPLOAD.")
        check_post_info(call, body.get("post_info"), title_max=90, photo=True)
        source = body.get("source_info")
        if not isinstance(source, dict) or source.get("source") != "PULL_FROM_URL":
            raise _bad("Photos must use source_info.source PULL_FROM_URL.")
        images = source.get("photo_images")
        if not isinstance(images, list) or not 1 <= len(images) <= 35:
            raise _bad("photo_images must hold 1 to 35 URLs.")
        cover = source.get("photo_cover_index", 0)
        if not isinstance(cover, int) or not 0 <= cover < len(images):
            raise _bad("photo_cover_index must point into photo_images.")
        for url in images:
            found = media_files.FILES.get(pulled(call, url))
            if found is None:
                raise tt.error(400, "photo_pull_failed", "A photo could not be downloaded.")
            if found[0] not in PHOTO_TYPES:
                raise tt.error(400, "file_format_check_failed", "Photos must be JPEG or WEBP.")
        publish = new_publish(call, "photo", "PULL_FROM_URL")
        commit(publish)
        return await answer_created(call, tt.ok({"publish_id": publish.publish_id}))

    async def status_fetch(call: Call) -> Response:
        body = call.body if isinstance(call.body, dict) else {}
        publish = db().publishes.get(str(body.get("publish_id") or ""))
        if publish is None or publish.open_id != call.user.open_id:
            raise _bad("publish_id is invalid.")
        if call.mode == "processing_failed":
            publish.failed = "file_format_check_failed"
        if call.mode == "slow_processing":
            scenario = state.peek(PLATFORM, "status")
            publish.processing_left += 1 + (scenario.count if scenario else 0)
            state.scenarios[(PLATFORM, "status")].clear()
        answer: dict[str, Any] = {"publicaly_available_post_id": [],
                                  "uploaded_bytes": publish.received}  # fmt: skip
        if publish.failed:
            return tt.ok({**answer, "status": "FAILED", "fail_reason": publish.failed})
        if publish.post is None or publish.processing_left > 0:
            if publish.post is not None:
                publish.processing_left -= 1
            waiting = (
                "PROCESSING_UPLOAD" if publish.source == "FILE_UPLOAD" else "PROCESSING_DOWNLOAD"
            )
            return tt.ok({**answer, "status": waiting})
        if publish.moderation_left > 0:  # public posts get their id after moderation
            publish.moderation_left -= 1
            return tt.ok({**answer, "status": "PUBLISH_COMPLETE"})
        return tt.ok({**answer, "status": "PUBLISH_COMPLETE",
                      "publicaly_available_post_id": [int(publish.post.id)]})  # fmt: skip

    def video_json(post: tt.Post, fields: list[str]) -> dict[str, Any]:
        values = {"id": post.id, "title": post.title,
                  "video_description": post.description if post.kind == "photo" else post.title,
                  "create_time": post.created, "view_count": post.views, "like_count": 2,
                  "comment_count": 1, "share_count": 0,
                  "share_url": f"https://www.tiktok.com/@x/video/{post.id}"}  # fmt: skip
        return {f: values[f] for f in fields if f in values}

    def fields_of(call: Call) -> list[str]:
        fields = [f for f in call.request.query_params.get("fields", "").split(",") if f]
        if not fields:
            raise _bad("fields is required.")
        return fields

    async def video_list(call: Call) -> Response:
        fields = fields_of(call)
        body = call.body if isinstance(call.body, dict) else {}
        count = body.get("max_count", 10)
        if not isinstance(count, int) or not 1 <= count <= 20:
            raise _bad("max_count must be 1 to 20.")
        cursor = body.get("cursor")
        mine = sorted((p for p in db().posts if p.open_id == call.user.open_id),
                      key=lambda p: (p.created, p.id), reverse=True)  # fmt: skip
        if isinstance(cursor, int):
            mine = [p for p in mine if p.created * 1000 < cursor]
        page = mine[:count]
        next_cursor = page[-1].created * 1000 if page else 0
        return tt.ok({"videos": [video_json(p, fields) for p in page], "cursor": next_cursor,
                      "has_more": len(mine) > count})  # fmt: skip

    async def video_query(call: Call) -> Response:
        fields = fields_of(call)
        ids = ((call.body or {}).get("filters") or {}).get("video_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
            raise _bad("filters.video_ids must hold 1 to 20 ids.")
        found = [p for p in db().posts if p.id in ids and p.open_id == call.user.open_id]
        return tt.ok({"videos": [video_json(p, fields) for p in found]})

    def route(path: str, method: str, name: str, kind: str, scope: str, fn: Handler) -> Route:
        return Route(path, endpoint(name, kind, scope, fn), methods=[method])

    publish_scope = "video.publish"
    return Starlette(routes=[
        route("/v2/auth/authorize/", "GET", "authorize", "browser", "", authorize),
        route("/v2/oauth/token/", "POST", "token", "form", "", oauth_token),
        route("/v2/user/info/", "GET", "user.info", "api", "user.info.basic", user_info),
        route("/v2/post/publish/creator_info/query/", "POST", "creator_info", "api", publish_scope, creator_info),
        route("/v2/post/publish/video/init/", "POST", "video.init", "api", publish_scope, video_init),
        route("/v2/post/publish/content/init/", "POST", "content.init", "api", publish_scope, content_init),
        route("/v2/post/publish/status/fetch/", "POST", "status", "api", publish_scope, status_fetch),
        route("/upload/{publish_id}", "PUT", "upload", "upload", "", upload),
        route("/v2/video/list/", "POST", "video.list", "api", "video.list", video_list),
        route("/v2/video/query/", "POST", "video.query", "api", "video.list", video_query),
    ])  # fmt: skip


COMMITS = frozenset({"video.init", "content.init", "upload"})
"""Endpoints whose ``timeout_after_commit`` loses the answer of work already done."""
