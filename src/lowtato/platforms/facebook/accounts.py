"""The account side of Facebook: login, tokens, who the user is and which Pages they run.

Graph's token model (docs/reference/platforms.md §6 "Auth and page tokens"):

- the login dialog returns a code; ``GET /oauth/access_token`` trades it (with the app secret)
  for a short-lived user token, and ``grant_type=fb_exchange_token`` trades that for a
  long-lived one (about 60 days). There are no refresh tokens;
- each Page the user manages has its own Page token (``GET /me/accounts``). A Page token
  obtained with a long-lived user token does not expire; it dies only with a password change,
  a lost Page role or revoked permissions. Publishing uses Page tokens only.

Facebook's server-side code flow is a confidential-client flow (the secret travels with the
code) and takes no PKCE, so ``code_challenge`` / ``code_verifier`` are not used.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from lowtato.platforms.base import (
    AdapterContext,
    Identity,
    OAuthApp,
    SubAccountInfo,
    TokenSet,
)
from lowtato.platforms.errors import Rejected
from lowtato.platforms.facebook.client import DEFAULT_AUTH_URL, GRAPH_VERSION, Graph

# docs/reference/platforms.md §6: listing Pages, posting, first comments, insights, Business-owned
# Pages.
SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_manage_posts",
    "pages_manage_engagement",
    "read_insights",
    "business_management",
)
PAGE_TYPE = "facebook_page"


def authorize_url(
    ctx: AdapterContext,
    app: OAuthApp,
    *,
    redirect_uri: str,
    state: str,
    scopes: tuple[str, ...] = SCOPES,
) -> str:
    """The Facebook Login dialog on ``ctx.auth_url`` (``www.facebook.com``)."""
    params = {
        "client_id": app.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "response_type": "code",
        "scope": ",".join(scopes),
    }
    host = (ctx.auth_url or DEFAULT_AUTH_URL).rstrip("/")
    return f"{host}/{GRAPH_VERSION}/dialog/oauth?{urlencode(params)}"


def _tokens(body: dict[str, Any]) -> TokenSet:
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise Rejected("Facebook's token answer had no access_token.", code="oauth_failed")
    expires = body.get("expires_in")
    return TokenSet(token, None, int(expires) if isinstance(expires, int | float) else None)


async def long_lived(ctx: AdapterContext, app: OAuthApp, user_token: str) -> TokenSet:
    """``fb_exchange_token``: a long-lived user token for ``user_token`` (short or long)."""
    params = {
        "grant_type": "fb_exchange_token",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "fb_exchange_token": user_token,
    }
    return _tokens(await Graph(ctx).oauth_token(params))


async def exchange_code(
    ctx: AdapterContext, app: OAuthApp, *, code: str, redirect_uri: str
) -> TokenSet:
    """Code → short-lived user token → long-lived user token (no refresh token).

    The second step matters: Page tokens listed with a short-lived user token expire with it
    within hours, those listed with a long-lived one never do.
    """
    params = {
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": redirect_uri,
        "code": code,
    }
    short = _tokens(await Graph(ctx).oauth_token(params))
    return await long_lived(ctx, app, short.access_token)


async def whoami(ctx: AdapterContext, user_token: str) -> Identity:
    """``GET /me?fields=id,name,picture``; Facebook shows no username, so the name is used."""
    me = await Graph(ctx).get("me", user_token, {"fields": "id,name,picture"})
    picture = ((me.get("picture") or {}).get("data") or {}).get("url")
    name = str(me.get("name") or me["id"])
    return Identity(str(me["id"]), name, name, picture if isinstance(picture, str) else None)


async def pages(ctx: AdapterContext, user_token: str) -> list[SubAccountInfo]:
    """The Pages the user can post to (``GET /me/accounts``), each with its Page token.

    Pages where the user lacks the ``CREATE_CONTENT`` task are left out: Graph refuses every
    post to them.
    """
    params: dict[str, str | int] = {"fields": "id,name,access_token,tasks", "limit": 100}
    found = []
    async for page in Graph(ctx).items("me/accounts", user_token, params):
        tasks = page.get("tasks")
        if isinstance(tasks, list) and "CREATE_CONTENT" not in tasks:
            continue
        token = page.get("access_token")
        name = str(page.get("name") or page["id"])
        found.append(
            SubAccountInfo(str(page["id"]), name, PAGE_TYPE, str(token) if token else None)
        )
    return found
