"""Contract fake of a Bluesky PDS (docs/reference/platforms.md §8 and §12 "Bluesky fake"), XRPC under
``/bsky/xrpc/<nsid>``.

It behaves like the real PDS where our adapter depends on it: app-password sessions with
expiring access JWTs and rotating refresh JWTs, Bearer checks on every authenticated call,
the ``{"error", "message"}`` body with the real status codes (``ExpiredToken`` is a 400),
``RateLimit-*`` headers, and ``app.bsky.feed.post`` record validation (text ≤300 graphemes and
≤3,000 UTF-8 bytes, facet byte ranges inside the text and on grapheme boundaries, ≤4 images
whose blobs were uploaded by the same account and are ≤1,000,000 bytes, ``createdAt``).

Tests seed accounts with ``seed_account`` and inspect ``records``. Failure injection goes by
the method's short name (``createRecord``, ``uploadBlob``, ``createSession``, ...):
``rate_limit`` (429 + reset headers), ``auth_expired`` (the presented access JWT expires now →
400 ExpiredToken), ``auth_revoked`` (the app password and every session are revoked),
``server_error`` (500), ``policy`` (400 InvalidRequest), ``timeout_after_commit`` (do it, then
hang past the client timeout and answer 504). The video service (``video.bsky.app``) is not
emulated: the adapter embeds videos as plain blobs.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.fakes.bluesky_lexicon import (
    MAX_IMAGE_BYTES,
    MAX_VIDEO_BYTES,
    POST,
    XrpcError,
    check_post,
    find_record,
    invalid,
    xrpc_error,
)
from tests.fakes.bodies import Received, receive
from tests.fakes.state import FakeState

PREFIX = "/bsky"
PLATFORM = "bluesky"
ACCESS_TTL = 7200  # PDS default: 120 minutes
REFRESH_TTL = 90 * 86400
LOGINS_PER_WINDOW, LOGIN_WINDOW = 30, 300  # createSession: 30 per 5 minutes per identifier
RATE_LIMIT_RESET = 42  # seconds announced by the rate_limit scenario
_S32 = "234567abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class Account:
    did: str
    handle: str
    password: str


def _data(state: FakeState) -> dict[str, Any]:
    data = state.data[PLATFORM]
    for key in ("accounts", "handles", "access", "refresh", "blobs", "records", "counts", "logins"):
        data.setdefault(key, {})
    data.setdefault("last_tid", 0)
    return data


def seed_account(
    state: FakeState,
    handle: str = "alice.test",
    password: str | None = None,
    did: str | None = None,
) -> Account:
    """An account that can log in; the app password is random unless given."""
    data = _data(state)
    account = Account(
        did or f"did:plc:{secrets.token_hex(12)}", handle, password or _app_password()
    )
    data["accounts"][account.did] = {
        "handle": handle,
        "password": account.password,
        "revoked": False,
    }
    data["handles"][handle.lower()] = account.did
    data["records"].setdefault(account.did, {})
    return account


def seed_handle(state: FakeState, handle: str, did: str | None = None) -> str:
    """A handle that resolves (a mention target); returns its DID."""
    did = did or f"did:plc:{secrets.token_hex(12)}"
    _data(state)["handles"][handle.lower()] = did
    return did


def set_counts(state: FakeState, uri: str, **counts: int) -> None:
    """Engagement counters getPosts reports: likes, reposts, replies, quotes."""
    _data(state)["counts"][uri] = counts


def expire_sessions(state: FakeState, did: str) -> None:
    """Every access JWT of the account expires now (the refresh JWTs stay valid)."""
    for entry in _data(state)["access"].values():
        if entry["did"] == did:
            entry["expires_at"] = 0.0


def seed_post(state: FakeState, did: str, text: str, created_at: str) -> str:
    """A post already in the account's repo (as if made elsewhere); returns its at:// URI."""
    data = _data(state)
    rkey = _tid(data)
    uri = f"at://{did}/{POST}/{rkey}"
    value = {"$type": POST, "text": text, "createdAt": created_at}
    data["records"].setdefault(did, {})[rkey] = {
        "uri": uri,
        "cid": _cid(uri.encode()),
        "value": value,
    }
    return uri


def revoke_app_password(state: FakeState, did: str) -> None:
    """The user deletes the account's app password in Bluesky's settings."""
    _revoke(_data(state), did)


def records(state: FakeState, did: str) -> list[dict[str, Any]]:
    """The account's post records (oldest first) as ``{"uri", "cid", "value"}``."""
    repo = _data(state)["records"].get(did, {})
    return [repo[rkey] for rkey in sorted(repo)]


def _app_password() -> str:
    raw = secrets.token_hex(8)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _cid(seed: bytes, prefix: str = "bafyrei") -> str:
    return (
        prefix + base64.b32encode(hashlib.sha256(seed).digest()).decode().lower().rstrip("=")[:52]
    )


# The atproto TID syntax: 13 base32-sortable characters, top bit clear.
TID_SYNTAX = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def _tid(data: dict[str, Any]) -> str:
    micros = max(time.time_ns() // 1000, data["last_tid"] + 1)
    data["last_tid"] = micros
    value, chars = (micros << 10) | 7, []
    for _ in range(13):
        chars.append(_S32[value & 31])
        value >>= 5
    return "".join(reversed(chars))


@dataclass
class Call:
    state: FakeState
    data: dict[str, Any]
    request: Request
    body: Any
    raw: bytes
    did: str = ""
    token: str = ""
    blob: Received | None = None  # an uploadBlob body: counted and hashed, not kept


def _bearer(call: Call) -> str:
    header = call.request.headers.get("authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise XrpcError(401, "AuthenticationRequired", "Authentication Required")
    return header[7:].strip()


def _authenticate(call: Call, mode: str | None) -> None:
    token = _bearer(call)
    if token in call.data["refresh"]:
        raise XrpcError(400, "InvalidToken", "Bad token scope")
    entry = call.data["access"].get(token)
    if entry is None:
        raise XrpcError(400, "InvalidToken", "Token could not be verified")
    if call.data["accounts"][entry["did"]]["revoked"]:
        raise XrpcError(400, "InvalidToken", "Token has been revoked")
    if mode == "auth_expired":
        entry["expires_at"] = 0.0
    if entry["expires_at"] <= time.time():
        raise XrpcError(400, "ExpiredToken", "Token has expired")
    call.did, call.token = entry["did"], token


def _issue(data: dict[str, Any], did: str) -> dict[str, Any]:
    access, refresh = (
        f"fake-access-{secrets.token_hex(12)}",
        f"fake-refresh-{secrets.token_hex(12)}",
    )
    data["access"][access] = {"did": did, "expires_at": time.time() + ACCESS_TTL}
    data["refresh"][refresh] = {"did": did, "expires_at": time.time() + REFRESH_TTL}
    handle = data["accounts"][did]["handle"]
    return {
        "accessJwt": access,
        "refreshJwt": refresh,
        "handle": handle,
        "did": did,
        "active": True,
    }


def _revoke(data: dict[str, Any], did: str) -> None:
    """The user deleted the app password: it no longer logs in and its sessions are dead."""
    data["accounts"][did]["revoked"] = True
    for store in (data["access"], data["refresh"]):
        for token in [t for t, e in store.items() if e["did"] == did]:
            del store[token]


def _repo_did(data: dict[str, Any], repo: object) -> str | None:
    if not isinstance(repo, str):
        return None
    did = repo if repo in data["accounts"] else data["handles"].get(repo.lower())
    return did if did in data["accounts"] else None


def create_session(call: Call) -> JSONResponse:
    body = call.body if isinstance(call.body, dict) else {}
    identifier, password = body.get("identifier"), body.get("password")
    if not isinstance(identifier, str) or not isinstance(password, str):
        raise invalid("Input must have the properties identifier and password")
    now = time.time()
    attempts = [
        t for t in call.data["logins"].get(identifier.lower(), []) if t > now - LOGIN_WINDOW
    ]
    attempts.append(now)
    call.data["logins"][identifier.lower()] = attempts
    if len(attempts) > LOGINS_PER_WINDOW:
        reset = str(int(now) + LOGIN_WINDOW)
        headers = {"RateLimit-Limit": str(LOGINS_PER_WINDOW), "RateLimit-Remaining": "0",
                   "RateLimit-Reset": reset, "RateLimit-Policy": f"{LOGINS_PER_WINDOW};w={LOGIN_WINDOW}"}  # fmt: skip
        return xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    did = _repo_did(call.data, identifier)
    account = call.data["accounts"].get(did) if did else None
    if account is None or account["revoked"] or account["password"] != password:
        raise XrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
    return JSONResponse(_issue(call.data, did or ""))


def refresh_session(call: Call, mode: str | None) -> JSONResponse:
    token = _bearer(call)
    if token in call.data["access"]:
        raise XrpcError(400, "InvalidToken", "Invalid token type")
    entry = call.data["refresh"].get(token)
    if entry is None:  # unknown, already rotated, or revoked
        raise XrpcError(400, "ExpiredToken", "Token has been revoked")
    if mode == "auth_expired" or entry["expires_at"] <= time.time():
        del call.data["refresh"][token]
        raise XrpcError(400, "ExpiredToken", "Token has expired")
    del call.data["refresh"][token]  # rotation: the old refresh JWT is dead from now on
    return JSONResponse(_issue(call.data, entry["did"]))


def get_session(call: Call) -> JSONResponse:
    handle = call.data["accounts"][call.did]["handle"]
    return JSONResponse({"did": call.did, "handle": handle, "active": True})


def resolve_handle(call: Call) -> JSONResponse:
    did = call.data["handles"].get(call.request.query_params.get("handle", "").lower())
    if did is None:
        raise invalid("Unable to resolve handle")
    return JSONResponse({"did": did})


def upload_blob(call: Call) -> JSONResponse:
    mime = call.request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not mime or mime == "application/json":
        raise invalid("Missing or invalid Content-Type for the blob")
    got = call.blob
    if got is None or not got.size:
        raise invalid("Empty blob")
    limit = MAX_IMAGE_BYTES if mime.startswith("image/") else MAX_VIDEO_BYTES
    if got.size > limit:
        msg = f"This file is too large. It is {got.size} bytes but the maximum size is {limit}."
        raise XrpcError(400, "BlobTooLarge", msg)
    cid = _cid(got.sha256.digest(), "bafkrei")
    call.data["blobs"][cid] = {"did": call.did, "mimeType": mime, "size": got.size}
    blob = {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": got.size}
    return JSONResponse({"blob": blob})


def _own_repo(call: Call) -> dict[str, Any]:
    body = call.body if isinstance(call.body, dict) else {}
    if _repo_did(call.data, body.get("repo")) != call.did:
        raise XrpcError(401, "AuthenticationRequired", "Authentication Required")
    if body.get("collection") != POST:
        raise invalid(f"this fake stores only {POST} records, not {body.get('collection')!r}")
    return body


def create_record(call: Call) -> JSONResponse:
    body = _own_repo(call)
    record = body.get("record")
    if not isinstance(record, dict):
        raise invalid('Input must have the property "record"')
    if record.get("$type") != POST:
        raise invalid(f"Invalid $type: expected {POST}, got {record.get('$type')}")
    check_post(call.data, call.did, record)
    rkey = body.get("rkey") or _tid(call.data)
    if not isinstance(rkey, str) or not TID_SYNTAX.match(rkey):
        # A PDS validates the key against the lexicon's keySchema: posts need a TID.
        raise invalid(f"Invalid record key for {POST}: must be a TID, got {rkey!r}")
    repo = call.data["records"].setdefault(call.did, {})
    if rkey in repo:  # a second create at a key never makes a second record
        raise invalid(f"Record already exists: {rkey}")
    uri = f"at://{call.did}/{POST}/{rkey}"
    cid = _cid(json.dumps(record, sort_keys=True).encode() + rkey.encode())
    repo[rkey] = {"uri": uri, "cid": cid, "value": record}
    commit = {"cid": _cid(uri.encode()), "rev": _tid(call.data)}
    return JSONResponse({"uri": uri, "cid": cid, "commit": commit, "validationStatus": "valid"})


def delete_record(call: Call) -> JSONResponse:
    body = _own_repo(call)
    if not isinstance(body.get("rkey"), str):
        raise invalid('Input must have the property "rkey"')
    call.data["records"].get(call.did, {}).pop(body["rkey"], None)  # deleting twice is fine
    return JSONResponse({"commit": {"cid": _cid(body["rkey"].encode()), "rev": _tid(call.data)}})


def list_records(call: Call) -> JSONResponse:
    params = call.request.query_params
    did = _repo_did(call.data, params.get("repo"))
    if did is None:
        raise invalid(f"Could not find repo: {params.get('repo')}")
    if params.get("collection") != POST:
        return JSONResponse({"records": []})
    limit = int(params.get("limit", "50"))
    if not 1 <= limit <= 100:
        raise invalid("limit must be between 1 and 100")
    repo = call.data["records"].get(did, {})
    keys = sorted(repo, reverse=params.get("reverse") != "true")
    if cursor := params.get("cursor"):
        keys = [k for k in keys if (k < cursor if params.get("reverse") != "true" else k > cursor)]
    page = keys[:limit]
    out: dict[str, Any] = {"records": [repo[k] for k in page]}
    if len(keys) > limit:
        out["cursor"] = page[-1]
    return JSONResponse(out)


def get_record(call: Call) -> JSONResponse:
    params = call.request.query_params
    did = _repo_did(call.data, params.get("repo"))
    if did is None:
        raise invalid(f"Could not find repo: {params.get('repo')}")
    rkey = params.get("rkey")
    if not rkey:
        raise invalid('Params must have the property "rkey"')
    found = call.data["records"].get(did, {}).get(rkey)
    if params.get("collection") != POST or found is None:
        return xrpc_error(
            400,
            "RecordNotFound",
            f"Could not locate record: at://{did}/{params.get('collection')}/{rkey}",
        )
    return JSONResponse(found)


def get_posts(call: Call) -> JSONResponse:
    uris = call.request.query_params.getlist("uris")
    if not uris or len(uris) > 25:
        raise invalid("uris must have between 1 and 25 elements")
    posts = []
    for uri in uris:
        found = find_record(call.data, uri)
        if found is None:
            continue  # deleted or unknown posts are left out, not an error
        author = uri[5:].split("/")[0]
        counts = call.data["counts"].get(uri, {})
        replies = sum(
            1 for repo in call.data["records"].values() for r in repo.values()
            if (r["value"].get("reply") or {}).get("parent", {}).get("uri") == uri
        )  # fmt: skip
        posts.append({
            "uri": uri, "cid": found["cid"], "record": found["value"],
            "author": {"did": author, "handle": call.data["accounts"].get(author, {}).get("handle", "handle.invalid")},
            "likeCount": counts.get("likes", 0), "repostCount": counts.get("reposts", 0),
            "replyCount": counts.get("replies", 0) + replies, "quoteCount": counts.get("quotes", 0),
            "bookmarkCount": 0, "indexedAt": found["value"]["createdAt"],
        })  # fmt: skip
    return JSONResponse({"posts": posts})


# nsid → (HTTP method, handler, needs an access JWT)
ROUTES: dict[str, tuple[str, Any, bool]] = {
    "com.atproto.server.createSession": ("POST", create_session, False),
    "com.atproto.server.refreshSession": ("POST", refresh_session, False),
    "com.atproto.server.getSession": ("GET", get_session, True),
    "com.atproto.identity.resolveHandle": ("GET", resolve_handle, False),
    "com.atproto.repo.uploadBlob": ("POST", upload_blob, True),
    "com.atproto.repo.createRecord": ("POST", create_record, True),
    "com.atproto.repo.deleteRecord": ("POST", delete_record, True),
    "com.atproto.repo.listRecords": ("GET", list_records, False),
    "com.atproto.repo.getRecord": ("GET", get_record, False),
    "app.bsky.feed.getPosts": ("GET", get_posts, True),
}


def _rate_headers(remaining: int, reset_in: int) -> dict[str, str]:
    return {
        "RateLimit-Limit": "3000", "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(int(time.time()) + reset_in), "RateLimit-Policy": "3000;w=300",
    }  # fmt: skip


def _injected(
    state: FakeState, data: dict[str, Any], mode: str | None, call: Call
) -> JSONResponse | None:
    """The answer an injected failure mode gives before the method runs, if it replaces it."""
    if mode == "rate_limit":
        headers = {**_rate_headers(0, RATE_LIMIT_RESET), "Retry-After": str(RATE_LIMIT_RESET)}
        return xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", headers)
    if mode == "server_error":
        return xrpc_error(500, "InternalServerError", "Internal Server Error")
    if mode == "policy":
        return xrpc_error(400, "InvalidRequest", "The record was refused by the PDS (policy)")
    if mode in ("duplicate", "processing_failed", "slow_processing"):
        return xrpc_error(500, "InternalServerError", f"the Bluesky fake does not emulate {mode}")
    if mode == "auth_revoked":  # the user revoked the app password: its sessions die with it
        token = call.request.headers.get("authorization", "")[7:]
        owner = (data["access"].get(token) or data["refresh"].get(token) or {}).get("did")
        identifier = call.body.get("identifier") if isinstance(call.body, dict) else None
        owner = owner or _repo_did(data, identifier)
        if owner:
            _revoke(data, owner)
    return None


async def _dispatch(
    state: FakeState, request: Request, body: Any, raw: bytes, blob: Received | None
) -> JSONResponse:
    nsid = request.path_params["nsid"]
    route = ROUTES.get(nsid)
    if route is None:
        return xrpc_error(501, "MethodNotImplemented", "Method Not Implemented")
    method, handler, authed = route
    if request.method != method:
        return xrpc_error(
            400, "InvalidRequest", f"Incorrect HTTP method ({request.method}) expected {method}"
        )
    data = _data(state)
    call = Call(state, data, request, body, raw, blob=blob)
    mode = state.take(PLATFORM, nsid.rsplit(".", 1)[-1])
    response = _injected(state, data, mode, call)
    if response is not None:
        return response
    try:
        if authed:
            _authenticate(call, mode)
        if handler is refresh_session:
            response = refresh_session(call, mode)
        elif mode == "auth_expired" and not authed:  # createSession: the password expired
            raise XrpcError(401, "AuthenticationRequired", "Invalid identifier or password")
        else:
            response = handler(call)
    except XrpcError as exc:
        response = exc.response
    if mode == "timeout_after_commit" and response.status_code == 200:
        await asyncio.sleep(state.hang_seconds)  # done, but the answer comes after the timeout
        return xrpc_error(504, "UpstreamTimeout", "Upstream timed out")
    return response


def build(state: FakeState) -> Starlette:
    async def xrpc(request: Request) -> JSONResponse:
        blob = None
        if request.path_params["nsid"] == "com.atproto.repo.uploadBlob":
            blob, raw = await receive(request), b""
        else:
            raw = await request.body()
        try:
            is_json = raw and "json" in request.headers.get("content-type", "")
            body: Any = json.loads(raw) if is_json else None
        except ValueError:
            body = None
        logged = {
            k: v for k, v in request.headers.items() if k in ("authorization", "content-type")
        }
        size = blob.size if blob is not None else len(raw)
        shown = body if body is not None else ({"bytes": size} if size else None)
        state.record(PLATFORM, request.method, request.url.path, logged, shown)
        response = await _dispatch(state, request, body, raw, blob)
        if response.status_code != 429:
            response.headers.update(_rate_headers(2999, 300))
        return response

    return Starlette(routes=[Route("/xrpc/{nsid}", xrpc, methods=["GET", "POST"])])
