"""The browser and token side of Facebook Login in the Facebook Pages fake (docs/reference/platforms.md §6
"Auth and page tokens"): the login dialog and ``/oauth/access_token``."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode, urlsplit

from starlette.responses import JSONResponse, RedirectResponse, Response
from tests.fakes.facebook_graph import (
    LONG_LIVED,
    PLATFORM,
    SHORT_LIVED,
    Call,
    FacebookData,
    failure,
    graph_error,
    seed_account,
)


async def dialog(call: Call) -> Response:
    p, db = call.params, call.db
    mode = call.state.take(PLATFORM, "dialog")
    if p.get("client_id") not in db.apps:
        return graph_error("bad_app")
    redirect = str(p.get("redirect_uri") or "")
    if urlsplit(redirect).scheme not in ("http", "https"):
        return graph_error("bad_redirect")
    if mode:  # any injected failure: the user pressed "Cancel"
        denied = {"error": "access_denied", "error_reason": "user_denied", "state": p.get("state")}
        return RedirectResponse(f"{redirect}?{urlencode(denied)}#_=_", status_code=302)
    user_id = db.login_as or seed_account(call.state).user_id
    code = secrets.token_urlsafe(24)
    db.codes[code] = {"client_id": p["client_id"], "redirect_uri": redirect, "user_id": user_id}
    query = urlencode({"code": code, "state": p.get("state", "")})
    return RedirectResponse(f"{redirect}?{query}#_=_", status_code=302)


def _token_answer(db: FacebookData, user_id: str, ttl: int) -> Response:
    token = db.issue("user", user_id, None, ttl)
    return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": ttl})


async def access_token(call: Call) -> Response:  # noqa: PLR0911 - one answer per OAuth error
    p, db = call.params, call.db
    if mode := call.mode("oauth"):
        return failure(mode, None)
    client_id = str(p.get("client_id"))
    if client_id not in db.apps:
        return graph_error("bad_app")
    if p.get("client_secret") != db.apps[client_id]:
        return graph_error("bad_secret")
    if p.get("grant_type") == "fb_exchange_token":
        old = db.tokens.get(str(p.get("fb_exchange_token")))
        if old is None or old.kind != "user" or old.revoked or (old.expires_at or 0) < time.time():
            return graph_error("expired")
        return _token_answer(db, old.user_id, LONG_LIVED)
    if not p.get("redirect_uri") or not p.get("code"):
        return graph_error("param", detail="Missing redirect_uri or code parameter")
    grant = db.codes.get(str(p["code"]))
    if grant is None:
        return graph_error("code_format")
    if grant.get("used"):
        return graph_error("code_used")
    if grant["redirect_uri"] != p["redirect_uri"] or grant["client_id"] != client_id:
        return graph_error("code_mismatch")
    grant["used"] = True
    return _token_answer(db, grant["user_id"], SHORT_LIVED)
