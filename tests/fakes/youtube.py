"""Contract fake of the YouTube Data API v3 and Google OAuth (docs/reference/platforms.md §9 and
§12 "YouTube fake"), served under ``/google``.

Every API call is checked against Google's own discovery document (``SPEC_PATH``, vendored):
the query parameters must be declared for the operation (or global), required ones present,
booleans/integers/enums well formed, the bearer token must hold one of the operation's scopes,
and the ``videos.insert`` body must match the ``Video`` schema (types, enums, no unknown fields,
only the parts named in ``part``). On top: the documented limits (title 1-100 characters
without < >, description ≤5,000 bytes, tags ≤500 characters, ``publishAt`` only with private),
resumable upload rules (256 KiB multiples except the last chunk, contiguous ranges, the
``bytes */N`` probe, 308 + ``Range``) and Google's error shape.

Failure injection (``state.take("youtube", endpoint)``): ``token``, ``channels``,
``upload.start``, ``upload.put`` (``timeout_after_commit`` stores the chunk, then the answer
is lost), ``upload.probe``, ``videos.list`` (``processing_failed``, ``slow_processing``),
``videos.delete``, ``playlistItems``, ``commentThreads``. Modes: ``rate_limit`` (403
quotaExceeded), ``auth_expired`` (401), ``server_error`` (503).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tests.fakes.state import FakeState

from lowtato.kit import clock

PREFIX = "/google"
PLATFORM = "youtube"
CLIENT_ID, CLIENT_SECRET = "youtube-client-id", "youtube-client-secret"
SPEC_PATH = Path(__file__).resolve().parent / "specs" / "youtube-v3.discovery.json"
UNIT = 256 * 1024
ALL_SCOPES = ("https://www.googleapis.com/auth/youtube.upload "
              "https://www.googleapis.com/auth/youtube.force-ssl")  # fmt: skip


@dataclass
class Video:
    id: str
    body: dict[str, Any]
    created_at: str
    polls: int = 0
    status: str = "uploaded"
    deleted: bool = False


@dataclass
class Session:
    body: dict[str, Any]
    total: int
    received: bytearray = field(default_factory=bytearray)
    video: Video | None = None


@dataclass
class YouTubeData:
    tokens: dict[str, str] = field(default_factory=dict)  # access token → scopes
    refresh_tokens: dict[str, str] = field(default_factory=dict)  # refresh → scopes
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    videos: dict[str, Video] = field(default_factory=dict)
    channel_id: str = "UCfakeChannel0000000001"

    def live(self) -> list[Video]:
        return [v for v in self.videos.values() if not v.deleted]


def data(state: FakeState) -> YouTubeData:
    found = state.data[PLATFORM].get("store")
    if found is None:
        found = state.data[PLATFORM]["store"] = YouTubeData()
    assert isinstance(found, YouTubeData)
    return found


def seed_account(state: FakeState, scopes: str = ALL_SCOPES) -> tuple[str, str]:
    """A connected channel's (access token, refresh token)."""
    db = data(state)
    access, refresh = "ya29." + secrets.token_urlsafe(24), "1//" + secrets.token_urlsafe(24)
    db.tokens[access], db.refresh_tokens[refresh] = scopes, scopes
    return access, refresh


def google_error(status: int, reason: str, message: str, domain: str = "youtube.api") -> Response:
    status_names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                    404: "NOT_FOUND", 503: "UNAVAILABLE"}  # fmt: skip
    body = {"error": {"code": status, "message": message, "status": status_names.get(status, ""),
                      "errors": [{"domain": domain, "reason": reason, "message": message}]}}  # fmt: skip
    return JSONResponse(body, status_code=status)


INJECTED = {
    "rate_limit": (403, "quotaExceeded", "The request cannot be completed because you have "
                   "exceeded your quota.", "youtube.quota"),
    "auth_expired": (401, "authError", "Request had invalid authentication credentials.",
                     "global"),
    "server_error": (503, "backendError", "Backend Error", "global"),
}  # fmt: skip


# --- the discovery document ---------------------------------------------------------------


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return spec


def _method(resource: str, name: str) -> dict[str, Any]:
    method: dict[str, Any] = _spec()["resources"][resource]["methods"][name]
    return method


def param_errors(resource: str, name: str, query: dict[str, str]) -> list[str]:
    """How the query breaks the operation's declared parameters (Google answers 400)."""
    method = _method(resource, name)
    declared = {**_spec()["parameters"], **method["parameters"]}
    if resource == "videos" and name == "insert":
        declared = {**declared, "uploadType": {"type": "string"}}
    errors = [f"Unknown parameter: {key}" for key in query if key not in declared]
    errors += [f"Required parameter: {key}" for key, p in method["parameters"].items()
               if p.get("required") and not query.get(key)]  # fmt: skip
    for key, value in query.items():
        p = declared.get(key, {})
        if p.get("type") == "boolean" and value not in ("true", "false"):
            errors.append(f"Invalid boolean value for {key}: {value}")
        if p.get("type") == "integer" and not value.isdigit():
            errors.append(f"Invalid integer value for {key}: {value}")
        if "enum" in p and value not in p["enum"]:
            errors.append(f"Invalid value for {key}: {value}")
    return errors


def body_errors(schema_name: str, value: Any, path: str = "resource") -> list[str]:
    return _check(_spec()["schemas"][schema_name], value, path)


def _check(schema: dict[str, Any], value: Any, path: str) -> list[str]:
    if "$ref" in schema:
        schema = _spec()["schemas"][schema["$ref"]]
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int}
    if kind in types and not isinstance(value, types[kind]):
        return [f"Invalid value at '{path}': {type(value).__name__} where {kind} expected"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"Invalid value at '{path}' ({value!r})"]
    errors: list[str] = []
    if isinstance(value, list):
        for index, item in enumerate(value):
            errors += _check(schema.get("items", {}), item, f"{path}[{index}]")
    if isinstance(value, dict) and kind == "object":
        properties = schema.get("properties", {})
        for key, item in value.items():
            if key not in properties and "additionalProperties" not in schema:
                errors.append(f"Invalid JSON payload received. Unknown name \"{key}\" at '{path}'")
            elif key in properties:
                errors += _check(properties[key], item, f"{path}.{key}")
    return errors


def _metadata_errors(body: dict[str, Any], part: str) -> Response | None:  # noqa: PLR0911
    parts = set(part.split(","))
    video_parts = set(_spec()["schemas"]["Video"]["properties"])
    if not parts <= video_parts or not set(body) <= parts:
        return google_error(400, "unexpectedPart", f"'part' must name every part sent: {part}")
    problems = body_errors("Video", body)
    if problems:
        return google_error(400, "invalid", problems[0], "global")
    snippet, status = body.get("snippet") or {}, body.get("status") or {}
    title = snippet.get("title", "")
    if not 0 < len(title) <= 100 or "<" in title or ">" in title:
        return google_error(400, "invalidTitle", "The request metadata specifies an invalid or "
                            "empty video title.")  # fmt: skip
    description = snippet.get("description", "")
    if len(description.encode()) > 5000 or "<" in description or ">" in description:
        return google_error(400, "invalidDescription", "The request metadata specifies an "
                            "invalid video description.")  # fmt: skip
    if len(",".join(f'"{t}"' if " " in t else t for t in snippet.get("tags", []))) > 500:
        return google_error(400, "invalidTags", "The request metadata specifies invalid video "
                            "keywords.")  # fmt: skip
    if status.get("publishAt") and status.get("privacyStatus") != "private":
        return google_error(400, "invalidPublishAt", "publishAt needs privacyStatus private.")
    return None


def build(state: FakeState) -> Starlette:
    def db() -> YouTubeData:
        return data(state)

    async def guarded(
        request: Request, endpoint: str, op: tuple[str, str] | None
    ) -> Response | None:
        """Record, inject, authenticate and check against the discovery document."""
        body = await request.body()
        state.record(PLATFORM, request.method, request.url.path,
                     {k: v for k, v in request.headers.items()
                      if k in ("content-range", "content-type", "x-upload-content-length")},
                     body[:2000].decode("utf-8", "replace") if body else None)  # fmt: skip
        mode = state.take(PLATFORM, endpoint)
        if mode in INJECTED:
            return google_error(*INJECTED[mode])
        request.state.mode = mode
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        scopes = db().tokens.get(token)
        if scopes is None:
            return google_error(401, "authError", "Request had invalid authentication "
                                "credentials. Expected OAuth 2 access token.", "global")  # fmt: skip
        if op is None:
            return None
        method = _method(*op)
        if not set(scopes.split()) & set(method.get("scopes", [])):
            return google_error(403, "insufficientPermissions",
                                "Request had insufficient authentication scopes.", "global")  # fmt: skip
        errors = param_errors(*op, dict(request.query_params))
        if errors:
            return google_error(400, "invalidParameter", errors[0], "global")
        return None

    async def authorize(request: Request) -> Response:
        q = request.query_params
        required = ("client_id", "redirect_uri", "scope", "code_challenge")
        if q.get("client_id") != CLIENT_ID or not all(q.get(k) for k in required):
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        if q.get("access_type") != "offline" or q.get("code_challenge_method") != "S256":
            return JSONResponse({"error": "invalid_request",
                                 "error_description": "offline access and S256 expected"},
                                status_code=400)  # fmt: skip
        code = "4/" + secrets.token_urlsafe(12)
        db().codes[code] = {"redirect_uri": q["redirect_uri"], "scope": q["scope"],
                            "challenge": q["code_challenge"]}  # fmt: skip
        query = urlencode({"code": code, "state": q.get("state", ""), "scope": q["scope"]})
        return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)

    async def token(request: Request) -> Response:  # noqa: PLR0911
        form = dict(await request.form())
        state.record(PLATFORM, "POST", request.url.path, {}, dict.fromkeys(form, "…"))
        mode = state.take(PLATFORM, "token")
        if mode in ("auth_revoked", "auth_expired"):
            return JSONResponse({"error": "invalid_grant", "error_description":
                                 "Token has been expired or revoked."}, status_code=400)  # fmt: skip
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        access = "ya29." + secrets.token_urlsafe(24)
        if form.get("grant_type") == "authorization_code":
            found = db().codes.pop(str(form.get("code")), None)
            if found is None or found["redirect_uri"] != form.get("redirect_uri"):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)

            digest = hashlib.sha256(str(form.get("code_verifier", "")).encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != found["challenge"]:
                return JSONResponse({"error": "invalid_grant",
                                     "error_description": "Invalid code verifier."}, status_code=400)  # fmt: skip
            refresh = "1//" + secrets.token_urlsafe(24)
            db().tokens[access] = db().refresh_tokens[refresh] = found["scope"]
            return JSONResponse({"access_token": access, "expires_in": 3599, "refresh_token": refresh,
                                 "scope": found["scope"], "token_type": "Bearer"})  # fmt: skip
        scopes = db().refresh_tokens.get(str(form.get("refresh_token")))
        if form.get("grant_type") != "refresh_token" or scopes is None:
            return JSONResponse({"error": "invalid_grant", "error_description": "Bad Request"},
                                status_code=400)  # fmt: skip
        db().tokens[access] = scopes  # Google keeps the refresh token (no rotation)
        return JSONResponse({"access_token": access, "expires_in": 3599, "scope": scopes,
                             "token_type": "Bearer"})  # fmt: skip

    async def channels(request: Request) -> Response:
        if (refused := await guarded(request, "channels", ("channels", "list"))) is not None:
            return refused
        item = {"id": db().channel_id, "kind": "youtube#channel",
                "snippet": {"title": "Lowtato Fan", "customUrl": "@lowtatofan",
                            "thumbnails": {"default": {"url": "https://yt3.example/a.jpg"}}},
                "contentDetails": {"relatedPlaylists": {"uploads": "UU" + db().channel_id[2:]}}}  # fmt: skip
        parts = request.query_params["part"].split(",")
        return JSONResponse({"kind": "youtube#channelListResponse",
                             "items": [{k: v for k, v in item.items() if k in (*parts, "id", "kind")}]})  # fmt: skip

    async def start(request: Request) -> Response:
        if (refused := await guarded(request, "upload.start", ("videos", "insert"))) is not None:
            return refused
        q = request.query_params
        if q.get("uploadType") != "resumable":
            return google_error(400, "invalid", "uploadType=resumable expected", "global")
        length = request.headers.get("x-upload-content-length", "")
        kind = request.headers.get("x-upload-content-type", "")
        accepted = _method("videos", "insert")["mediaUpload"]["accept"]
        if not length.isdigit() or not (kind.startswith("video/") or kind in accepted):
            return google_error(400, "mediaBodyRequired", "X-Upload-Content-Length and a video "
                                "X-Upload-Content-Type are required.")  # fmt: skip
        if not request.headers.get("content-type", "").startswith("application/json"):
            return google_error(400, "invalid", "the metadata must be JSON", "global")
        body = json.loads(await request.body())
        if (refused := _metadata_errors(body, q["part"])) is not None:
            return refused
        session = secrets.token_hex(8)
        db().sessions[session] = Session(body, int(length))
        base = str(request.base_url).rstrip("/")
        return Response(
            status_code=200, headers={"Location": f"{base}{PREFIX}/upload/session/{session}"}
        )

    def incomplete(session: Session) -> Response:
        headers = {"Range": f"bytes=0-{len(session.received) - 1}"} if session.received else {}
        return Response(status_code=308, headers=headers)

    def finished(session: Session) -> Response:
        assert session.video is not None
        return JSONResponse(_resource(session.video), status_code=200)

    async def put(request: Request) -> Response:  # noqa: PLR0911
        session = db().sessions.get(request.path_params["id"])
        content_range = request.headers.get("content-range", "")
        probe = content_range.startswith("bytes */")
        if (
            refused := await guarded(request, "upload.probe" if probe else "upload.put", None)
        ) is not None:
            return refused
        if session is None:
            return google_error(404, "notFound", "The upload session does not exist.")
        if probe:
            return finished(session) if session.video else incomplete(session)
        if session.video is not None:
            return finished(session)
        data_ = await request.body()
        try:
            span, total = content_range.removeprefix("bytes ").split("/")
            first, last = (int(n) for n in span.split("-"))
        except ValueError:
            return google_error(400, "badContentRange", f"Bad Content-Range: {content_range}")
        if (
            int(total) != session.total
            or first != len(session.received)
            or last - first + 1 != len(data_)
        ):
            return google_error(400, "badContentRange", "The chunk does not continue the upload.")
        if last + 1 < session.total and len(data_) % UNIT:
            return google_error(400, "badChunkSize", "Chunks must be multiples of 256 KiB.")
        session.received += data_
        if len(session.received) == session.total:
            video = Video("v" + secrets.token_hex(5), session.body, clock.now().isoformat())
            session.video = db().videos[video.id] = video
        if request.state.mode == "timeout_after_commit":
            await asyncio.sleep(state.hang_seconds)
            return JSONResponse({"error": "gateway timeout"}, status_code=504)
        return finished(session) if session.video else incomplete(session)

    async def videos(request: Request) -> Response:
        if request.method == "DELETE":
            if (
                refused := await guarded(request, "videos.delete", ("videos", "delete"))
            ) is not None:
                return refused
            video = db().videos.get(request.query_params["id"])
            if video is None or video.deleted:
                return google_error(404, "videoNotFound", "The video could not be found.")
            video.deleted = True
            return Response(status_code=204)
        if (refused := await guarded(request, "videos.list", ("videos", "list"))) is not None:
            return refused
        mode = request.state.mode
        items = []
        for video_id in request.query_params.get("id", "").split(","):
            video = db().videos.get(video_id)
            if video is None or video.deleted:
                continue
            video.polls += 1
            if mode == "processing_failed":
                video.status = "failed"
            elif mode != "slow_processing" and video.status == "uploaded":
                video.status = "processed"
            items.append(_resource(video))
        return JSONResponse({"kind": "youtube#videoListResponse", "items": items})

    async def playlist_items(request: Request) -> Response:
        op = ("playlistItems", "list")
        if (refused := await guarded(request, "playlistItems", op)) is not None:
            return refused
        if request.query_params.get("playlistId") != "UU" + db().channel_id[2:]:
            return google_error(404, "playlistNotFound", "The playlist could not be found.")
        items = [{"kind": "youtube#playlistItem", "snippet": {
            "publishedAt": v.created_at, "title": v.body["snippet"]["title"],
            "description": v.body["snippet"].get("description", ""),
            "resourceId": {"kind": "youtube#video", "videoId": v.id}}}
            for v in reversed(db().live())]  # fmt: skip
        return JSONResponse({"kind": "youtube#playlistItemListResponse", "items": items[:50]})

    async def comment_threads(request: Request) -> Response:
        op = ("commentThreads", "insert")
        if (refused := await guarded(request, "commentThreads", op)) is not None:
            return refused
        body = json.loads(await request.body())
        if problems := body_errors("CommentThread", body):
            return google_error(400, "invalid", problems[0], "global")
        return JSONResponse({"id": "Ug" + secrets.token_hex(6), **body})

    return Starlette(routes=[
        Route("/o/oauth2/v2/auth", authorize, methods=["GET"]),
        Route("/token", token, methods=["POST"]),
        Route("/youtube/v3/channels", channels, methods=["GET"]),
        Route("/youtube/v3/videos", videos, methods=["GET", "DELETE"]),
        Route("/youtube/v3/playlistItems", playlist_items, methods=["GET"]),
        Route("/youtube/v3/commentThreads", comment_threads, methods=["POST"]),
        Route("/upload/youtube/v3/videos", start, methods=["POST"]),
        Route("/upload/session/{id}", put, methods=["PUT"]),
    ])  # fmt: skip


def _resource(video: Video) -> dict[str, Any]:
    stats = {"viewCount": str(7 * video.polls), "likeCount": "3", "commentCount": "1",
             "favoriteCount": "0"}  # fmt: skip
    return {"kind": "youtube#video", "id": video.id, **video.body,
            "status": {**video.body.get("status", {}), "uploadStatus": video.status},
            "statistics": stats}  # fmt: skip
