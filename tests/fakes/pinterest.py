"""Contract fake of Pinterest API v5 (docs/reference/platforms.md §10 and §12 "Pinterest fake"),
served under ``/pinterest`` (API at ``/pinterest/v5``, video upload sink at
``/pinterest/upload/{id}``).

Requests are checked against Pinterest's own OpenAPI document (``SPEC_PATH``, vendored; see
specs/README.md): the JSON bodies of ``POST /pins`` (``PinCreate``, including each
``media_source`` variant and its limits) and ``POST /media`` (``MediaUploadCreate``), the token
request form (``OauthAccessTokenRequestCode`` / ``...Refresh``), the query parameters and path
parameters each operation declares (unknown ones refused, types, enums, patterns, bounds) and
the OAuth scopes its ``security`` names. On top: Basic client auth at the token endpoint,
refresh-token rotation (an old refresh token is dead), board ownership ("Board not found."),
reachable image URLs (a name the media host serves), base64 that decodes, a video that
``succeeded`` and a cover, analytics ranges of at most 90 days.

Failure injection: ``state.take("pinterest", endpoint)`` with endpoints ``token``,
``user_account``, ``boards``, ``board_pins``, ``pins.create``, ``pins.delete``,
``analytics``, ``media.create``, ``media.upload``, ``media.get``. Modes ``rate_limit`` (429 +
``X-RateLimit-Reset``), ``auth_expired``, ``server_error``, ``timeout_after_commit`` (the pin is
created, the answer hangs and is a 504), ``slow_processing`` (one more ``processing`` per use on
``media.get``), ``processing_failed`` (``media.get`` → ``failed``).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from openapi_schema_validator import OAS30Validator
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tests.fakes import media_files
from tests.fakes.state import FakeState

from lowtato.kit import clock

PREFIX = "/pinterest"
PLATFORM = "pinterest"
CLIENT_ID, CLIENT_SECRET = "pinterest-client-id", "pinterest-client-secret"
SPEC_PATH = Path(__file__).resolve().parent / "specs" / "pinterest-v5.openapi.json"
TOKEN_TTL = 30 * 86400
REFRESH_TTL = 365 * 86400
RATE_RESET = 30  # seconds announced by an injected 429
_ids = itertools.count(1_000_000_000_000)


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SPEC_PATH.read_text())
    return loaded


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].split("/")[1:]:
            target = target[part]
        node = target
    return node


def schema_errors(schema: dict[str, Any], value: Any) -> list[str]:
    """Every way ``value`` breaks ``schema`` (a piece of the document), as ``path: message``."""
    rooted = {**schema, "components": spec()["components"]}
    return sorted(
        f"{'.'.join(map(str, e.absolute_path)) or '$'}: {e.message}"
        for e in OAS30Validator(rooted).iter_errors(value)
    )


def component_errors(name: str, value: Any) -> list[str]:
    return schema_errors({"$ref": f"#/components/schemas/{name}"}, value)


def operation(method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = spec()["paths"][path][method.lower()]
    return op


def parameter_errors(request: Request, method: str, path: str) -> list[str]:
    """The query and path parameters ``method path`` declares: required, typed, no others."""
    item = spec()["paths"][path]
    declared = [
        _resolve(p)
        for p in (*item.get("parameters", ()), *operation(method, path).get("parameters", ()))
    ]
    errors: list[str] = []
    query = {p["name"]: p for p in declared if p["in"] == "query"}
    errors += [f"{n}: unknown query parameter" for n in request.query_params if n not in query]
    for p in declared:
        source = request.query_params if p["in"] == "query" else request.path_params
        if p["in"] not in ("query", "path"):
            continue
        raw = source.get(p["name"])
        if raw is None:
            if p.get("required"):
                errors.append(f"{p['name']}: is required")
            continue
        # metric_types lists IMPRESSION etc. in two oneOf branches (standard and video
        # metrics), which strict oneOf refuses; Pinterest accepts them, so read it as anyOf.
        schema = json.loads(json.dumps(p["schema"]).replace('"oneOf"', '"anyOf"'))
        value: Any = raw
        if schema.get("type") == "array":
            value = raw.split(",")
        elif schema.get("type") == "integer":
            value = int(raw) if raw.lstrip("-").isdigit() else raw
        elif schema.get("type") == "boolean":
            value = {"true": True, "false": False}.get(raw, raw)
        errors += [f"{p['name']}{m.partition(':')[2] if m.startswith('$') else ': ' + m}"
                   for m in schema_errors(schema, value)]  # fmt: skip
    return errors


def scopes_for(method: str, path: str) -> list[str]:
    for requirement in operation(method, path).get("security", []):
        if "pinterest_oauth2" in requirement:
            return list(requirement["pinterest_oauth2"])
    return []


def error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"code": code, "message": message}, status_code=status, headers=headers)


@dataclass
class Token:
    user: str
    scopes: frozenset[str]
    expires: float


@dataclass
class PinterestData:
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → account
    boards: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → board (+ owner)
    pins: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    refresh: dict[str, dict[str, Any]] = field(default_factory=dict)  # token → {user, spent}
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    last_user: str = ""


def data(state: FakeState) -> PinterestData:
    found = state.data[PLATFORM].get("data")
    if found is None:
        found = state.data[PLATFORM]["data"] = PinterestData()
    assert isinstance(found, PinterestData)
    return found


@dataclass(frozen=True)
class Seeded:
    user_id: str
    username: str
    token: str
    refresh_token: str
    boards: tuple[str, ...]


ALL_SCOPES = frozenset(
    {"boards:read", "boards:write", "pins:read", "pins:write", "user_accounts:read"}
)


def issue(db: PinterestData, user: str, scopes: frozenset[str] = ALL_SCOPES) -> tuple[str, str]:
    access, refresh = "pina_" + secrets.token_urlsafe(24), "pinr_" + secrets.token_urlsafe(24)
    now = clock.now().timestamp()
    db.tokens[access] = Token(user, scopes, now + TOKEN_TTL)
    db.refresh[refresh] = {"user": user, "scopes": scopes, "spent": False}
    return access, refresh


def seed_account(
    state: FakeState,
    username: str = "lowtato_pins",
    boards: tuple[str, ...] = ("Recipes", "Travel"),
) -> Seeded:
    db = data(state)
    user_id = str(next(_ids))
    db.users[user_id] = {"id": user_id, "username": username, "account_type": "BUSINESS",
                         "business_name": username.title(), "profile_image": "https://i.pinimg.com/p.jpg"}  # fmt: skip
    ids = []
    for name in boards:
        board_id = str(next(_ids))
        db.boards[board_id] = {"id": board_id, "name": name, "privacy": "PUBLIC", "owner": user_id}
        ids.append(board_id)
    db.last_user = user_id
    access, refresh = issue(db, user_id)
    return Seeded(user_id, username, access, refresh, tuple(ids))


def expire(state: FakeState, token: str) -> None:
    data(state).tokens[token].expires = 0


def pins(state: FakeState) -> list[dict[str, Any]]:
    return list(data(state).pins.values())


def _reachable(url: str) -> bool:
    """Pinterest fetches image URLs itself; here a URL is reachable when it names a file the
    fakes' media host serves (on any host), as if Pinterest had downloaded it."""
    return urlsplit(url).path.rsplit("/", 1)[-1] in media_files.FILES


def _media_problem(source: dict[str, Any], db: PinterestData) -> str | None:  # noqa: PLR0911 - one answer per media problem
    kind = source.get("source_type")
    if kind in ("image_url", "multiple_image_urls"):
        urls = [source["url"]] if kind == "image_url" else [i["url"] for i in source["items"]]
        bad = [u for u in urls if not _reachable(u)]
        return f"Sorry! We could not reach the URL: {bad[0]}" if bad else None
    if kind in ("image_base64", "multiple_image_base64"):
        items = [source] if kind == "image_base64" else source["items"]
        for item in items:
            try:
                base64.b64decode(item["data"], validate=True)
            except (binascii.Error, ValueError):
                return "Invalid base64 image data."
        return None
    if kind == "video_id":
        media = db.media.get(source["media_id"])
        if media is None or media["status"] != "succeeded":
            return "Media upload not found or not processed yet."
        covers = ("cover_image_url", "cover_image_key_frame_time", "cover_image_data")
        if not any(k in source for k in covers):
            return "Missing cover_image_url or cover_image_content_type."
        return None
    return f"media_source {kind} is not supported."


Handler = Callable[[Request, str, str | None], Awaitable[Response]]


def build(state: FakeState) -> Starlette:
    def db() -> PinterestData:
        return data(state)

    def endpoint(name: str, method: str, path: str, handler: Handler) -> Route:
        async def run(request: Request) -> Response:  # noqa: PLR0911 - one answer per refusal
            raw = await request.body()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            state.record(PLATFORM, request.method, request.url.path,
                         {k: v for k, v in request.headers.items() if k == "content-type"}, body)  # fmt: skip
            bearer = request.headers.get("authorization", "")
            token = db().tokens.get(bearer[7:]) if bearer.startswith("Bearer ") else None
            if token is None or token.expires <= clock.now().timestamp():
                return error(
                    401, 2, "Authentication failed: the access token is invalid or expired."
                )
            if missing := [s for s in scopes_for(method, path) if s not in token.scopes]:
                return error(403, 3, f"Missing required scopes: {', '.join(missing)}")
            problems = parameter_errors(request, method, path)
            if body is not None and (schema := _json_schema(method, path)):
                problems += schema_errors(schema, body)
            if problems:
                return error(400, 1, "Invalid request: " + "; ".join(problems))
            mode = state.take(PLATFORM, name)
            if mode == "rate_limit":
                return error(429, 8, "Rate limit exceeded.", {"X-RateLimit-Reset": str(RATE_RESET)})
            if mode in ("auth_expired", "auth_revoked"):
                return error(401, 2, "Authentication failed: the access token is expired.")
            if mode == "server_error":
                return error(503, 5, "Service unavailable.")
            request.state.body = body
            response = await handler(request, token.user, mode)
            if mode == "timeout_after_commit":  # the work is done; the answer comes too late
                await asyncio.sleep(state.hang_seconds)
                return error(504, 5, "Gateway timeout.")
            return response

        return Route(f"/v5{path}", run, methods=[method])

    async def authorize(request: Request) -> Response:
        q = request.query_params
        state.record(PLATFORM, "GET", request.url.path, {}, dict(q))
        redirect = q.get("redirect_uri", "")
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code" or not redirect:
            return error(400, 1, "client_id, response_type=code and redirect_uri are required")
        if not set(q.get("scope", "").split(",")) <= ALL_SCOPES:
            return error(400, 1, "unknown scope")
        if not db().last_user:
            seed_account(state)
        code = "pinc_" + secrets.token_urlsafe(8)
        db().codes[code] = {"user": db().last_user, "redirect_uri": redirect}
        query = urlencode({"code": code, **({"state": q["state"]} if "state" in q else {})})
        return RedirectResponse(f"{redirect}?{query}", status_code=302)

    async def oauth_token(request: Request) -> Response:  # noqa: PLR0911 - one answer per OAuth error
        form = {k: str(v) for k, v in (await request.form()).items()}
        state.record(
            PLATFORM,
            "POST",
            request.url.path,
            {},
            {k: v for k, v in form.items() if k == "grant_type"},
        )
        auth = request.headers.get("authorization", "")
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if auth != f"Basic {expected}":
            return error(401, 1, "Client authentication failed.")
        grant = form.get("grant_type", "")
        names = {"authorization_code": "OauthAccessTokenRequestCode",
                 "refresh_token": "OauthAccessTokenRequestRefresh"}  # fmt: skip
        if grant not in names:
            return error(400, 1, f"grant_type {grant!r} is not supported")
        if problems := component_errors(names[grant], form):
            return error(400, 1, "Invalid request: " + "; ".join(problems))
        mode = state.take(PLATFORM, "token")
        if mode == "rate_limit":
            return error(429, 8, "Rate limit exceeded.", {"X-RateLimit-Reset": str(RATE_RESET)})
        if mode == "server_error":
            return error(503, 5, "Service unavailable.")
        if grant == "authorization_code":
            found = db().codes.pop(form["code"], None)
            if found is None or found["redirect_uri"] != form["redirect_uri"]:
                return error(400, 1, "Invalid authorization code.")
            user = found["user"]
            scopes = ALL_SCOPES
        else:
            old = db().refresh.get(form["refresh_token"])
            if old is None or old["spent"] or mode == "auth_revoked":
                return error(400, 1, "Invalid refresh token.")
            old["spent"] = True  # continuous refresh: the new refresh token replaces it
            user, scopes = old["user"], old["scopes"]
        access, refresh = issue(db(), user, scopes)
        now = int(clock.now().timestamp())
        return JSONResponse({"access_token": access, "token_type": "bearer", "expires_in": TOKEN_TTL,
                             "scope": ",".join(sorted(scopes)), "refresh_token": refresh,
                             "refresh_token_expires_in": REFRESH_TTL,
                             "refresh_token_expires_at": now + REFRESH_TTL,
                             "response_type": grant})  # fmt: skip

    async def user_account(request: Request, user: str, _mode: str | None) -> Response:
        return JSONResponse(db().users[user])

    def page(items: list[dict[str, Any]], request: Request) -> Response:
        size = int(request.query_params.get("page_size", 25))
        start = int(request.query_params.get("bookmark") or 0)
        more = start + size < len(items)
        return JSONResponse({"items": items[start : start + size],
                             "bookmark": str(start + size) if more else None})  # fmt: skip

    async def boards(request: Request, user: str, _mode: str | None) -> Response:
        mine = [
            {k: v for k, v in b.items() if k != "owner"}
            for b in db().boards.values()
            if b["owner"] == user
        ]
        return page(mine, request)

    def own_board(board_id: str, user: str) -> bool:
        board = db().boards.get(board_id)
        return board is not None and board["owner"] == user

    async def board_pins(request: Request, user: str, _mode: str | None) -> Response:
        board_id = request.path_params["board_id"]
        if not own_board(board_id, user):
            return error(404, 3, "Board not found.")
        found = [p for p in reversed(db().pins.values()) if p["board_id"] == board_id]
        return page(found, request)

    async def create_pin(request: Request, user: str, _mode: str | None) -> Response:
        body = request.state.body
        if not own_board(body["board_id"], user):
            return error(404, 3, "Board not found.")
        if problem := _media_problem(body["media_source"], db()):
            return error(400, 1, problem)
        pin_id = str(next(_ids))
        created = clock.now().astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
        pin = {"id": pin_id, "created_at": created, "board_id": body["board_id"], "user": user,
               "link": body.get("link"), "title": body.get("title"),
               "description": body.get("description"), "alt_text": body.get("alt_text"),
               "media_source": body["media_source"],
               "media": {"media_type": "video" if body["media_source"]["source_type"] == "video_id" else "image"}}  # fmt: skip
        db().pins[pin_id] = pin
        return JSONResponse(
            {k: v for k, v in pin.items() if k not in ("user", "media_source")}, status_code=201
        )

    def own_pin(request: Request, user: str) -> dict[str, Any] | None:
        pin = db().pins.get(request.path_params["pin_id"])
        return pin if pin is not None and pin["user"] == user else None

    async def delete_pin(request: Request, user: str, _mode: str | None) -> Response:
        pin = own_pin(request, user)
        if pin is None:
            return error(404, 3, "Pin not found.")
        del db().pins[pin["id"]]
        return Response(status_code=204)

    async def analytics(request: Request, user: str, _mode: str | None) -> Response:
        if own_pin(request, user) is None:
            return error(404, 3, "Pin not found.")
        start = date.fromisoformat(request.query_params["start_date"])
        end = date.fromisoformat(request.query_params["end_date"])
        today = clock.now().astimezone(UTC).date()
        if (today - start).days > 90 or (end - start).days > 90 or end < start:
            return error(400, 1, "Invalid date range: at most 90 days back and 90 days long.")
        summary = {"IMPRESSION": 120, "SAVE": 7, "PIN_CLICK": 9, "OUTBOUND_CLICK": 3,
                   "TOTAL_COMMENTS": 2, "TOTAL_REACTIONS": 11}  # fmt: skip
        wanted = request.query_params["metric_types"].split(",")
        return JSONResponse({"all": {"daily_metrics": [], "lifetime_metrics": {},
                                     "summary_metrics": {k: v for k, v in summary.items() if k in wanted}}})  # fmt: skip

    async def register_media(request: Request, user: str, _mode: str | None) -> Response:
        media_id = str(next(_ids))
        params = {"key": f"uploads/{media_id}", "policy": secrets.token_hex(8),
                  "x-amz-signature": secrets.token_hex(16), "Content-Type": "multipart/form-data"}  # fmt: skip
        db().media[media_id] = {"user": user, "status": "registered", "params": params, "slow": 1}
        upload_url = str(request.base_url).rstrip("/") + f"{PREFIX}/upload/{media_id}"
        return JSONResponse({"media_id": media_id, "media_type": "video", "upload_url": upload_url,
                             "upload_parameters": params}, status_code=201)  # fmt: skip

    async def upload(request: Request) -> Response:
        media = db().media.get(request.path_params["media_id"])
        form = await request.form()
        state.record(
            PLATFORM,
            "POST",
            request.url.path,
            {},
            {k: "<file>" if isinstance(v, UploadFile) else v for k, v in form.items()},
        )
        if media is None:
            return Response("<Error><Code>NoSuchUpload</Code></Error>", status_code=404)
        names = list(form.keys())
        missing = [k for k, v in media["params"].items() if form.get(k) != v]
        file = form.get("file")
        if missing or not isinstance(file, UploadFile) or names[-1] != "file":
            return Response("<Error><Code>InvalidPolicyDocument</Code></Error>", status_code=400)
        if state.take(PLATFORM, "media.upload") == "server_error":
            return Response("<Error><Code>InternalError</Code></Error>", status_code=503)
        media["status"] = "processing"
        media["size"] = len(await file.read())
        return Response(status_code=204)

    async def media_status(request: Request, user: str, mode: str | None) -> Response:
        media = db().media.get(request.path_params["media_id"])
        if media is None or media["user"] != user:
            return error(404, 3, "Media not found.")
        if mode == "processing_failed":
            media["status"] = "failed"
        elif mode == "slow_processing":
            media["slow"] += 1
        if media["status"] == "processing":
            media["slow"] -= 1
            if media["slow"] < 0:
                media["status"] = "succeeded"
        return JSONResponse({"media_id": request.path_params["media_id"], "media_type": "video",
                             "status": media["status"]})  # fmt: skip

    return Starlette(routes=[
        Route("/v5/oauth/", authorize, methods=["GET"]),
        Route("/v5/oauth/token", oauth_token, methods=["POST"]),
        Route("/upload/{media_id}", upload, methods=["POST"]),
        endpoint("user_account", "GET", "/user_account", user_account),
        endpoint("boards", "GET", "/boards", boards),
        endpoint("board_pins", "GET", "/boards/{board_id}/pins", board_pins),
        endpoint("pins.create", "POST", "/pins", create_pin),
        endpoint("pins.delete", "DELETE", "/pins/{pin_id}", delete_pin),
        endpoint("analytics", "GET", "/pins/{pin_id}/analytics", analytics),
        endpoint("media.create", "POST", "/media", register_media),
        endpoint("media.get", "GET", "/media/{media_id}", media_status),
    ])  # fmt: skip


def _json_schema(method: str, path: str) -> dict[str, Any] | None:
    body = _resolve(operation(method, path).get("requestBody", {}))
    found = body.get("content", {}).get("application/json", {}).get("schema")
    return found if isinstance(found, dict) else None
