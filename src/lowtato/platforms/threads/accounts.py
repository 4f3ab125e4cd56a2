"""The account side of Threads: login, tokens and who the profile is
(docs/reference/platforms.md §7 "Auth").

- The authorize dialog (``threads.net/oauth/authorize``) returns a code; ``POST
  /oauth/access_token`` trades it (with the app secret) for a short-lived token (1 h) and the
  ``user_id``; ``GET /access_token?grant_type=th_exchange_token`` trades that for a long-lived
  one (60 days). There are no refresh tokens and no PKCE.
- ``GET /refresh_access_token?grant_type=th_refresh_token`` extends a long-lived token that is
  at least 24 hours old and not expired; one not refreshed within its 60 days dies.

The token endpoints are outside the versioned root and take their parameters as Threads
defines them (query or form, client secret included); they go only to the Threads host.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from lowtato.kit import clock
from lowtato.platforms.base import AdapterContext, Identity, OAuthApp, TokenSet
from lowtato.platforms.errors import RefreshRefused, Rejected
from lowtato.platforms.threads.client import DEFAULT_AUTH_URL, threads_api

# §7 "Scopes": every call, publishing, replies (thread chains, first comments), insights, delete.
SCOPES = (
    "threads_basic",
    "threads_content_publish",
    "threads_manage_replies",
    "threads_manage_insights",
    "threads_delete",
)
LONG_LIVED = timedelta(days=60)
MIN_REFRESH_AGE = timedelta(hours=24)  # §7: a younger token cannot be refreshed


def authorize_url(ctx: AdapterContext, app: OAuthApp, *, redirect_uri: str, state: str) -> str:
    """``{auth}/oauth/authorize`` with the scopes comma-separated (§7 "Authorize")."""
    params = {
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "scope": ",".join(SCOPES),
        "response_type": "code",
        "state": state,
    }
    host = (ctx.auth_url or DEFAULT_AUTH_URL).rstrip("/")
    return f"{host}/oauth/authorize?{urlencode(params)}"


def _tokens(body: dict[str, Any]) -> TokenSet:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise Rejected("Threads' token answer had no access_token.", code="oauth_failed")
    expires = body.get("expires_in")
    return TokenSet(token, None, int(expires) if isinstance(expires, int | float) else None)


async def exchange_code(
    ctx: AdapterContext, app: OAuthApp, *, code: str, redirect_uri: str
) -> TokenSet:
    """Code → short-lived token → long-lived token (60 days, no refresh token)."""
    form = {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "code": code,
    }
    api = threads_api(ctx)
    short = _tokens(await api.token_call("POST", "oauth/access_token", form=form))
    params = {
        "grant_type": "th_exchange_token",
        "client_secret": app.client_secret,
        "access_token": short.access_token,
    }
    return _tokens(await api.token_call("GET", "access_token", params=params))


def too_young(expires_at: datetime | None) -> bool:
    """Whether a long-lived token expiring at ``expires_at`` is under 24 hours old (Threads
    refuses to refresh it yet); unknown expiry: assume it is old enough."""
    if expires_at is None:
        return False
    return expires_at - clock.now() > LONG_LIVED - MIN_REFRESH_AGE


async def refresh(ctx: AdapterContext, token: str) -> TokenSet:
    """``th_refresh_token``: a fresh 60-day token for ``token``. A dead token is AuthExpired;
    any other refusal is RefreshRefused (retried a few times, then the account disconnects)."""
    params = {"grant_type": "th_refresh_token", "access_token": token}
    try:
        return _tokens(
            await threads_api(ctx).token_call("GET", "refresh_access_token", params=params)
        )
    except Rejected as exc:
        raise RefreshRefused(exc.reason) from exc


async def whoami(ctx: AdapterContext, token: str) -> Identity:
    """``GET /me?fields=id,username,name,threads_profile_picture_url`` (§7 "Who am I")."""
    fields = "id,username,name,threads_profile_picture_url"
    me = await threads_api(ctx).get("me", token, {"fields": fields})
    username = str(me.get("username") or me["id"])
    picture = me.get("threads_profile_picture_url")
    return Identity(
        str(me["id"]),
        username,
        str(me.get("name") or username),
        picture if isinstance(picture, str) else None,
    )
