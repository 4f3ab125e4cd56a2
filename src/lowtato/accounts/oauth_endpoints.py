"""The OAuth connect flow's routes: the link (API), the callback and the sandbox approval
page (browser)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from lowtato.accounts import oauth
from lowtato.auth.deps import AccountsWrite
from lowtato.errors import ValidationFailed
from lowtato.kit.params import one_of
from lowtato.kit.routing import JSONRoute
from lowtato.kit.session import Session
from lowtato.platforms.names import PLATFORMS

router = APIRouter(tags=["Accounts"], route_class=JSONRoute)


class ConnectLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    platform: str = Field(json_schema_extra=one_of(PLATFORMS))
    redirect_uri: str | None = Field(
        default=None, description="Where the browser goes after connecting (with account_id)."
    )


class ConnectLinkOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://lowtato.example/sandbox/oauth/linkedin/authorize?state=Zr4mQ9xK2vN8pL1w",
                    "state": "Zr4mQ9xK2vN8pL1w",
                    "expires_at": "2026-06-01T12:15:00Z",
                }
            ]
        }
    )

    url: str = Field(description="Open this in the account owner's browser.")
    state: str
    expires_at: str


@router.post("/api/v1/accounts/connect-link", summary="Start an OAuth connection", status_code=201)
async def connect_link(
    body: ConnectLinkRequest, principal: AccountsWrite, session: Session, request: Request
) -> ConnectLinkOut:
    """A link that asks the account owner to grant access (PKCE where the platform supports
    it). After approval the account is connected (its pages/organizations become
    subaccounts), an `account.connected` event is sent, and the browser goes to
    `redirect_uri?connected=true&account_id=…`. Links expire after 15 minutes and work once.
    With a test key the link opens the sandbox network's approval page."""
    link = await oauth.create_link(
        session, principal, request.app.state.services, body.platform, body.redirect_uri
    )
    return ConnectLinkOut(url=link.url, state=link.state, expires_at=link.expires_at)


def _page(title: str, text: str, warnings: Sequence[str] = (), status: int = 200) -> HTMLResponse:
    notes = "".join(f"<p><strong>Warning:</strong> {escape(w)}</p>" for w in warnings)
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>{escape(title)}</title>"
        f"<body style='font:16px system-ui;max-width:36em;margin:3em auto'>"
        f"<h1>{escape(title)}</h1><p>{escape(text)}</p>{notes}</body>",
        status_code=status,
    )


def _with_query(url: str, params: dict[str, str] | Sequence[tuple[str, str]]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


@router.get("/oauth/{platform}/callback", include_in_schema=False)
async def callback(platform: str, request: Request) -> Response:
    params = request.query_params
    failure: oauth.CallbackError | None = None
    try:
        done = await oauth.complete(
            request.app.state.db,
            request.app.state.services,
            platform,
            code=params.get("code"),
            state=params.get("state"),
            error=params.get("error"),
        )
    except oauth.CallbackError as exc:
        failure = exc
    if failure is not None:
        if failure.redirect_uri:
            return RedirectResponse(
                _with_query(failure.redirect_uri, {"connected": "false", "error": failure.message}),
                status_code=302,
            )
        return _page("Not connected", failure.message, status=400)
    account = done.account
    if done.redirect_uri:
        # One `warning` parameter per thing that will not work yet (``reach_warnings``).
        result = [("connected", "true"), ("account_id", account.id),
                  ("platform", account.platform)]  # fmt: skip
        result += [("warning", warning) for warning in done.warnings]
        target = _with_query(done.redirect_uri, result)
        return RedirectResponse(target, status_code=302)
    return _page(
        "Connected",
        f"{account.platform} account @{account.username} is connected as {account.id}. "
        "You can close this window.",
        done.warnings,
    )


@router.get("/sandbox/oauth/{platform}/authorize", include_in_schema=False)
async def sandbox_authorize(platform: str, request: Request) -> Response:
    """The sandbox network's consent page (test mode). ``?approve=1`` approves at once."""
    state = request.query_params.get("state", "")
    redirect_uri = request.query_params.get("redirect_uri", "")
    expected = oauth.callback_url(request.app.state.services, platform)
    if redirect_uri != expected:  # only ever back to our own callback: no open redirect
        raise ValidationFailed.field("redirect_uri", "not this server's callback URL")
    approve = _with_query(redirect_uri, {"code": "sandbox-approved", "state": state})
    deny = _with_query(redirect_uri, {"error": "access_denied", "state": state})
    if request.query_params.get("approve") == "1":
        return RedirectResponse(approve, status_code=302)
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>Sandbox {escape(platform)}</title>"
        f"<body style='font:16px system-ui;max-width:36em;margin:3em auto'>"
        f"<h1>Connect a sandbox {escape(platform)} account?</h1>"
        f"<p><a href='{escape(approve)}'>Approve</a> · <a href='{escape(deny)}'>Deny</a></p></body>"
    )
