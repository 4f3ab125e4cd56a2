"""Contract fake of the X API v2 (docs/reference/platforms.md §2 and §12 "X fake"), served under ``/x``.

It checks what X checks: a known, unexpired bearer token with the right scopes; request bodies
of `POST /2/tweets` and the media upload endpoints against the schemas of X's own OpenAPI
document (`SPEC_PATH`, a subset of JSON Schema validated by `schema_errors`); weighted text
length, media counts and kinds, processing state, chunk order and totals, reply targets,
duplicate text; PKCE and refresh-token rotation on the OAuth side. Answers use X's shapes:
problems (`type`/`title`/`detail`/`status`), validation errors (`errors[].message`), RFC 6749
token errors, and `x-rate-limit-*` headers on every API answer.

Failure injection: ``state.take("x", endpoint)`` with endpoints ``token``, ``users_me``,
``tweets`` (create), ``tweet_get``, ``tweet_delete``, ``user_tweets``, ``media_upload``,
``media_initialize``, ``media_append``, ``media_finalize``, ``media_status``,
``media_metadata``; ``state.hold("x", endpoint)`` holds the same endpoints. ``slow_processing`` and ``processing_failed`` act on ``media_status``
(each slow use is one more `in_progress` poll). Times come from ``lowtato.kit.clock`` so a
test's frozen clock moves this fake too. Data lives in ``state.data["x"]["store"]`` (the
fake's key is ``x``, as in the harness test; Lowtato's platform value is ``twitter``).
OAuth and users are here; posts and media are in ``tests.fakes.x_content``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from tests.fakes.state import FakeState

from lowtato.kit import clock

PREFIX = "/x"
PLATFORM = "x"
CLIENT_ID, CLIENT_SECRET = "twitter-client-id", "twitter-client-secret"
# X's official OpenAPI document, vendored (tests/fakes/specs/README.md names its source).
SPEC_PATH = Path(
    os.environ.get("LOWTATO_X_OPENAPI")
    or Path(__file__).resolve().parent / "specs" / "x-api-v2.openapi.json"
)
PROBLEMS = "https://api.x.com/2/problems/"
WINDOW = 900  # seconds: X's 15-minute rate-limit window
LIMITS = {  # §2 Rate limits, per user per 15 minutes
    "tweets": 100, "tweet_delete": 50, "media_upload": 500, "media_initialize": 1875,
    "media_append": 1875, "media_finalize": 1875, "media_status": 1000, "media_metadata": 500,
    "users_me": 75, "tweet_get": 900, "user_tweets": 900,
}  # fmt: skip
MAX_SIMPLE = {"tweet_image": 5 * 2**20, "tweet_gif": 15 * 2**20}
MAX_CHUNKED = {**MAX_SIMPLE, "tweet_video": 8 * 2**30}
MAGIC = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff", "image/gif": b"GIF8"}
POST_SCOPES = ("tweet.read", "tweet.write", "users.read")


@dataclass
class Tweet:
    id: str
    author_id: str
    text: str
    created_at: datetime
    media_ids: list[str]
    reply_to: str | None = None
    quote_of: str | None = None
    reply_settings: str | None = None
    deleted: bool = False
    metrics: dict[str, int] = field(default_factory=dict)


KEEP_BYTES = 1024 * 1024


@dataclass
class Media:
    id: str
    owner: str
    category: str
    media_type: str
    total_bytes: int
    # The first KEEP_BYTES received (all of a small file): enough to check the type, while a
    # big video is only counted and hashed, so the fake's memory does not grow with it.
    data: bytearray = field(default_factory=bytearray)
    received: int = 0
    sha256: Any = field(default_factory=hashlib.sha256)
    segments: int = 0
    state: str = "uploading"  # uploading | pending | in_progress | succeeded | failed | ready
    alt_text: str | None = None

    def take(self, chunk: bytes) -> None:
        if len(self.data) < KEEP_BYTES:
            self.data += chunk[: KEEP_BYTES - len(self.data)]
        self.received += len(chunk)
        self.sha256.update(chunk)

    @property
    def key(self) -> str:
        prefix = {"tweet_video": "7", "tweet_gif": "16"}.get(self.category, "3")
        return f"{prefix}_{self.id}"


@dataclass
class Store:
    clients: dict[str, str | None] = field(default_factory=lambda: {CLIENT_ID: CLIENT_SECRET})
    users: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    media: dict[str, Media] = field(default_factory=dict)
    tweets: dict[str, Tweet] = field(default_factory=dict)
    windows: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    browser_user: str = "1001"  # who approves on the authorize page
    check_after_secs: int = 1
    token_lifetime: int = 7200  # expires_in of issued access tokens (tests may make it absurd)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self) -> str:  # 19-digit snowflake-like ids, increasing with time
        return str(1_860_000_000_000_000_000 + next(self.ids) * 4096)

    def user(self, user_id: str, username: str | None = None) -> dict[str, str]:
        name = username or f"user{user_id}"
        return self.users.setdefault(user_id, {"id": user_id, "username": name, "name": name})

    def issue(self, user_id: str, scopes: str, client_id: str = CLIENT_ID) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        expires = clock.now().timestamp() + min(self.token_lifetime, 10**9)
        self.tokens[access] = {"user_id": user_id, "scopes": scopes.split(), "expires": expires}
        out = {"token_type": "bearer", "expires_in": self.token_lifetime, "access_token": access,
               "scope": scopes}  # fmt: skip
        if "offline.access" in scopes.split():
            self.refresh_tokens[refresh] = {"user_id": user_id, "scopes": scopes,
                                            "client_id": client_id, "spent": False}  # fmt: skip
            out["refresh_token"] = refresh
        return out


def store(state: FakeState) -> Store:
    data = state.data[PLATFORM]
    if "store" not in data:
        data["store"] = Store()
    found: Store = data["store"]
    return found


def seed_account(
    state: FakeState,
    user_id: str = "1001",
    username: str = "lowtato_fan",
    scopes: str = "tweet.read tweet.write users.read media.write offline.access",
) -> tuple[str, str]:
    """An account with tokens as if it had connected: (access_token, refresh_token)."""
    s = store(state)
    s.user(user_id, username)
    issued = s.issue(user_id, scopes)
    return issued["access_token"], issued.get("refresh_token", "")


# --- the X OpenAPI document, validated by hand (the subset of JSON Schema it uses) ------------


@cache
def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = json.loads(SPEC_PATH.read_text())["components"]["schemas"]
    return schemas


def schema_errors(name: str, value: Any) -> list[str]:
    """Messages in X's style (`$.field: ...`) for each way ``value`` breaks schema ``name``."""
    errors: list[str] = []
    _check(_schemas()[name], value, "$", errors)
    return errors


def _check(schema: dict[str, Any], value: Any, path: str, errors: list[str]) -> None:  # noqa: PLR0912
    if "$ref" in schema:
        schema = _schemas()[schema["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in schema:
        if all(_sub_errors(option, value, path) for option in schema["anyOf"]):
            errors.append(f"{path}: does not match any allowed form")
        return
    kind = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool, "number": int | float}
    if kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        errors.append(f"{path}: {type(value).__name__} found, integer expected")
        return
    if kind == "string" and schema.get("format") == "binary" and isinstance(value, bytes):
        return
    if kind in types and not isinstance(value, types[kind]):
        errors.append(f"{path}: {type(value).__name__} found, {kind} expected")
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(map(str, schema["enum"]))
        errors.append(f"{path}: does not have a value in the enumeration [{allowed}]")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{path}: does not match the regex pattern {schema['pattern']}")
        if len(value) > schema.get("maxLength", len(value)):
            errors.append(f"{path}: may only be {schema['maxLength']} characters long")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{path}: must be at least {schema['minLength']} characters long")
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and not schema.get("minimum", value) <= value <= schema.get("maximum", value):
        errors.append(
            f"{path}: must be between {schema.get('minimum')} and {schema.get('maximum')}"
        )
    if isinstance(value, list):
        if not schema.get("minItems", 0) <= len(value) <= schema.get("maxItems", len(value)):
            errors.append(
                f"{path}: there must be {schema.get('minItems', 0)} to {schema.get('maxItems')} items"
            )
        for index, item in enumerate(value):
            _check(schema.get("items", {}), item, f"{path}[{index}]", errors)
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        errors.extend(f"{path}.{n}: is missing but it is required"
                      for n in schema.get("required", []) if n not in value)  # fmt: skip
        for name, item in value.items():
            if name in properties:
                _check(properties[name], item, f"{path}.{name}", errors)
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}.{name}: is not defined in the schema and the schema "
                              "does not allow additional properties")  # fmt: skip


def _sub_errors(schema: dict[str, Any], value: Any, path: str) -> list[str]:
    errors: list[str] = []
    _check(schema, value, path, errors)
    return errors


# --- answers in X's shapes -------------------------------------------------------------------


def problem(
    status: int, title: str, detail: str, kind: str = "about:blank", **extra: Any
) -> Response:
    body = {"title": title, "detail": detail, "type": kind, "status": status, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def invalid(*messages: str) -> Response:
    return JSONResponse(
        {"errors": [{"parameters": {}, "message": m} for m in messages], "title": "Invalid Request",
         "detail": "One or more parameters to your request was invalid.",
         "type": PROBLEMS + "invalid-request"},
        status_code=400,
    )  # fmt: skip


def not_found(resource: str, resource_id: str, status: int = 404) -> Response:
    body = {"value": resource_id, "detail": f"Could not find {resource} with id: [{resource_id}].",
            "title": "Not Found Error", "resource_type": resource, "parameter": "id",
            "resource_id": resource_id, "type": PROBLEMS + "resource-not-found"}  # fmt: skip
    if status == 200:  # GET /2/tweets/{id}: a 200 carrying only `errors`
        return JSONResponse({"errors": [body]})
    return JSONResponse({**body, "status": status}, status_code=status)


def unauthorized() -> Response:
    return problem(401, "Unauthorized", "Unauthorized")


DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
POLICY = "You are not permitted to perform this action."


def injected(mode: str, reset: float) -> Response | None:
    if mode == "rate_limit":
        response = problem(429, "Too Many Requests", "Too Many Requests")
        response.headers.update(
            {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(int(reset))}
        )
        return response
    if mode in ("auth_expired", "auth_revoked"):
        return unauthorized()
    if mode == "duplicate":
        return problem(403, "Forbidden", DUPLICATE)
    if mode == "policy":
        return problem(403, "Forbidden", POLICY)
    if mode == "server_error":
        return problem(503, "Service Unavailable", "Service Unavailable")
    return None


async def _body_for_log(request: Request) -> Any:
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        form = await request.form()
        return {k: f"<{v.size} bytes>" if isinstance(v, UploadFile) else v for k, v in form.items()}
    if kind.startswith("application/x-www-form-urlencoded"):
        return dict(await request.form())
    raw = await request.body()
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode(errors="replace")


Handler = Callable[[Request, str, str | None], Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def endpoint(
    state: FakeState, name: str, scopes: tuple[str, ...], handler: Handler, method: str, path: str
) -> Endpoint:
    """Wrap ``handler(request, user_id, injected_mode)`` in what every API call goes through:
    logging, bearer auth, scopes, the inputs X's document declares for ``method path``, the
    15-minute rate-limit window and injected failures."""

    async def run(request: Request) -> Response:
        headers = {
            k: v for k, v in request.headers.items() if k in ("authorization", "content-type")
        }
        state.record(
            PLATFORM, request.method, request.url.path, headers, await _body_for_log(request)
        )
        s = store(state)
        bearer = request.headers.get("authorization", "")
        token = s.tokens.get(bearer[7:]) if bearer.startswith("Bearer ") else None
        now = clock.now().timestamp()
        if token is None or token["expires"] <= now:
            return unauthorized()
        if missing := [scope for scope in scopes if scope not in token["scopes"]]:
            return problem(403, "Forbidden", f"Missing required OAuth 2.0 scopes: {', '.join(missing)}",
                           PROBLEMS + "client-forbidden", reason="missing-scopes")  # fmt: skip
        if refused := await undeclared_inputs(request, method, path):
            return refused
        window = s.windows.setdefault((token["user_id"], name), [now + WINDOW, 0])
        if window[0] <= now:
            window[:] = [now + WINDOW, 0]
        window[1] += 1
        limit = LIMITS.get(name, 900)
        rate = {"x-rate-limit-limit": str(limit), "x-rate-limit-reset": str(int(window[0])),
                "x-rate-limit-remaining": str(max(0, limit - int(window[1])))}  # fmt: skip
        await state.pass_gate(PLATFORM, name)
        mode = state.take(PLATFORM, name)
        if mode == "auth_revoked":  # the token stays dead, and so does its refresh token
            s.tokens.pop(bearer[7:], None)
            for refresh in s.refresh_tokens.values():
                if refresh["user_id"] == token["user_id"]:
                    refresh["spent"] = True
        response = injected(mode, window[0]) if mode else None
        if response is None and window[1] > limit:
            response = injected("rate_limit", window[0])
        if response is None:
            response = await handler(request, token["user_id"], mode)
            if mode == "timeout_after_commit":  # the work is done; the answer comes too late
                await asyncio.sleep(state.hang_seconds)
                response = problem(504, "Gateway Timeout", "Gateway Timeout")
        for header, value in rate.items():
            response.headers.setdefault(header, value)
        return response

    return run


async def read_json(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        return None


@cache
def declared_inputs(method: str, path: str) -> tuple[frozenset[str], frozenset[str]]:
    """The query parameters and multipart form fields X's OpenAPI document declares for one
    operation (`path` as the document writes it, e.g. ``/2/tweets/{id}``)."""
    spec = json.loads(SPEC_PATH.read_text())

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = spec
            for part in node["$ref"].split("/")[1:]:
                target = target[part]
            node = target
        return node

    item = spec["paths"][path]
    operation = item[method.lower()]
    parameters = [
        resolve(p) for p in (*item.get("parameters", ()), *operation.get("parameters", ()))
    ]
    query = frozenset(p["name"] for p in parameters if p["in"] == "query")
    content = resolve(operation.get("requestBody", {})).get("content", {})
    multipart = resolve(content.get("multipart/form-data", {}).get("schema", {}))
    return query, frozenset(multipart.get("properties", {}))


async def undeclared_inputs(request: Request, method: str, path: str) -> Response | None:
    """X's 400 for any query parameter or form field its document does not declare."""
    query, form_fields = declared_inputs(method, path)
    errors = [
        {"parameters": {name: request.query_params.getlist(name)},
         "message": f"The query parameter [{name}] is not one of [{','.join(sorted(query))}]"}
        for name in sorted(set(request.query_params) - query)
    ]  # fmt: skip
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await request.form()
        errors += [
            {"parameters": {name: ["<form field>"]},
             "message": f"The form field [{name}] is not one of [{','.join(sorted(form_fields))}]"}
            for name in sorted(set(form) - form_fields)
        ]  # fmt: skip
    if not errors:
        return None
    return JSONResponse(
        {"errors": errors, "title": "Invalid Request",
         "detail": "One or more parameters to your request was invalid.",
         "type": "https://api.twitter.com/2/problems/invalid-request"},
        status_code=400,
    )  # fmt: skip


def _pkce(verifier: str, method: str) -> str:
    if method == "plain":
        return verifier
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _client(request: Request, form: dict[str, str], s: Store) -> str | None:
    """The authenticated client: Basic auth for confidential clients, `client_id` for public."""
    auth = request.headers.get("authorization", "")
    if auth.startswith("Basic "):
        client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        return client_id if client_id in s.clients and s.clients[client_id] == secret else None
    client_id = form.get("client_id", "")
    return client_id if client_id in s.clients and s.clients[client_id] is None else None


def build(state: FakeState) -> Starlette:
    from tests.fakes.x_content import content_routes  # noqa: PLC0415 - it imports this module

    if not SPEC_PATH.is_file():  # fail here, not as a puzzling 500 in the middle of a test
        msg = f"X OpenAPI document not found at {SPEC_PATH}; set LOWTATO_X_OPENAPI"
        raise FileNotFoundError(msg)

    async def authorize(request: Request) -> Response:
        q = request.query_params
        state.record(PLATFORM, "GET", request.url.path, {}, dict(q))
        s = store(state)
        checks = {
            "response_type must be code": q.get("response_type") == "code",
            "unknown client_id": q.get("client_id") in s.clients,
            "redirect_uri must be an http(s) URL": q.get("redirect_uri", "").startswith(("http://", "https://")),
            "state is required (at most 500 characters)": 0 < len(q.get("state", "")) <= 500,
            "code_challenge is required": bool(q.get("code_challenge")),
            "code_challenge_method must be S256 or plain": q.get("code_challenge_method") in ("S256", "plain"),
            "scope must include tweet.write": "tweet.write" in q.get("scope", "").split(),
        }  # fmt: skip
        if failed := [message for message, ok in checks.items() if not ok]:
            # X shows an error page to the user instead of redirecting.
            return PlainTextResponse("Something went wrong: " + "; ".join(failed), status_code=400)
        code = secrets.token_urlsafe(16)
        s.user(s.browser_user)
        s.codes[code] = {
            **dict(q),
            "user_id": s.browser_user,
            "expires": clock.now().timestamp() + 30,
        }
        return RedirectResponse(
            f"{q['redirect_uri']}?{urlencode({'state': q['state'], 'code': code})}", 302
        )

    async def token(request: Request) -> Response:  # noqa: PLR0911 - one answer per OAuth error
        form = {k: str(v) for k, v in (await request.form()).items()}
        auth = {"authorization": request.headers.get("authorization", "")}
        state.record(PLATFORM, "POST", request.url.path, auth, form)
        s = store(state)
        await state.pass_gate(PLATFORM, "token")
        mode = state.take(PLATFORM, "token")
        if mode and (answer := injected(mode, clock.now().timestamp() + WINDOW)) is not None:
            return answer
        client_id = _client(request, form, s)
        if client_id is None:
            return JSONResponse({"error": "unauthorized_client",
                                 "error_description": "Missing valid authorization header"}, 401)  # fmt: skip
        invalid_token = JSONResponse({"error": "invalid_request",
                                      "error_description": "Value passed for the token was invalid."}, 400)  # fmt: skip
        if form.get("grant_type") == "authorization_code":
            code = s.codes.pop(form.get("code", ""), None)  # single use
            if (
                code is None
                or code["expires"] < clock.now().timestamp()
                or code["client_id"] != client_id
            ):
                return JSONResponse({"error": "invalid_request", "error_description":
                                     "Value passed for the authorization code was invalid."}, 400)  # fmt: skip
            verifier_ok = (
                _pkce(form.get("code_verifier", ""), code["code_challenge_method"])
                == code["code_challenge"]
            )
            if form.get("redirect_uri") != code["redirect_uri"] or not verifier_ok:
                return invalid_token
            return JSONResponse(s.issue(code["user_id"], code["scope"], client_id))
        if form.get("grant_type") == "refresh_token":
            old = s.refresh_tokens.get(form.get("refresh_token", ""))
            if old is None or old["spent"] or old["client_id"] != client_id:
                return invalid_token
            old["spent"] = True  # rotation: a refresh token works once
            return JSONResponse(s.issue(old["user_id"], old["scopes"], client_id))
        return JSONResponse({"error": "unsupported_grant_type",
                             "error_description": "grant_type is not supported"}, 400)  # fmt: skip

    async def users_me(request: Request, user_id: str, _mode: str | None) -> Response:
        user: dict[str, str] = dict(store(state).user(user_id))
        if "profile_image_url" in request.query_params.get("user.fields", "").split(","):
            user["profile_image_url"] = (
                f"https://pbs.twimg.com/profile_images/{user_id}/me_normal.jpg"
            )
        return JSONResponse({"data": user})

    return Starlette(
        routes=[
            Route("/i/oauth2/authorize", authorize, methods=["GET"]),
            Route("/2/oauth2/token", token, methods=["POST"]),
            Route(
                "/2/users/me",
                endpoint(state, "users_me", ("users.read",), users_me, "GET", "/2/users/me"),
                methods=["GET"],
            ),
            *content_routes(state),
        ]
    )
