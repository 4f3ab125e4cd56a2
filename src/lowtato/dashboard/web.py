"""What every dashboard page shares: the signed-in viewer (a dependency, not a middleware, so
the API's hot path never pays for it), CSRF checks, sign-in throttling, rendering, redirects.

CSRF: each session has a random token; every form carries it in the ``csrf`` field (the upload
sends it as ``X-CSRF-Token``) and any other method than GET/HEAD without the matching token is
refused with 403 and changes nothing. The sign-in form, before any session, uses a
double-submit cookie instead.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from importlib import resources
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.config import Settings
from lowtato.dashboard import service
from lowtato.dashboard.service import Viewer
from lowtato.errors import Forbidden, LowtatoError, RateLimited, Unauthorized
from lowtato.kit.ratelimit import Policy, RateLimiter

COOKIE: Final = "lowtato_session"
PRE_COOKIE: Final = "lowtato_signin"  # the sign-in form's double-submit CSRF token
SAFE: Final = frozenset({"GET", "HEAD"})
# The one route whose body is a file, never read here: it sends its token as a header only.
UPLOAD_PATH: Final = "/api/upload"
POLICY: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; form-action 'self' https: http:; base-uri 'none'; "
    "frame-ancestors 'none'"
)


@functools.cache
def _templates() -> Any:
    """Jinja2, loaded at the first page: an API-only server never pays its memory
    (docs/performance.md)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # noqa: PLC0415

    return Environment(
        loader=FileSystemLoader(str(resources.files("lowtato.dashboard") / "templates")),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def render(
    request: Request, name: str, viewer: Viewer | None, status: int = 200, **context: Any
) -> HTMLResponse:
    html = (
        _templates()
        .get_template(name)
        .render(
            viewer=viewer,
            path=request.url.path,
            notice=request.query_params.get("notice", ""),
            error=request.query_params.get("error", ""),
            signup=settings_of(request).dashboard_signup,
            **context,
        )
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={"Content-Security-Policy": POLICY, "Cache-Control": "no-store"},
    )


def see_other(path: str, **query: str) -> RedirectResponse:
    """Back to a page after a form (303: the browser GETs it, a reload does not re-post)."""
    shown = {k: v for k, v in query.items() if v}
    return RedirectResponse(f"{path}?{urlencode(shown)}" if shown else path, status_code=303)


def tokens_match(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


async def _viewer(request: Request) -> Viewer:
    async with request.app.state.db.transaction(readonly=True) as session:
        viewer = await service.load_session(session, request.cookies.get(COOKIE))
    if viewer is None:
        if request.method in SAFE:
            raise HTTPException(303, "sign in first", headers={"Location": "/signin"})
        raise Unauthorized("No dashboard session (signed out or expired); sign in again.")
    if request.method not in SAFE:
        given = request.headers.get("x-csrf-token")
        if given is None and request.url.path != UPLOAD_PATH:
            given = str((await request.form()).get("csrf", ""))
        if not tokens_match(viewer.csrf_token, given):
            raise Forbidden("The form's security token is missing or stale; reload the page.")
    return viewer


SignedIn = Annotated[Viewer, Depends(_viewer)]


def cookie_secure(request: Request) -> bool:
    return settings_of(request).public_url.lower().startswith("https://")


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = settings_of(request)
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(timedelta(hours=settings.dashboard_session_hours).total_seconds()),
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
    )


def new_pre_token() -> str:
    return secrets.token_urlsafe(24)


def set_pre_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        PRE_COOKIE, token, httponly=True, samesite="lax", secure=cookie_secure(request), path="/"
    )


def _signin_limiter(request: Request) -> RateLimiter:
    """The app's rate limiter, with the sign-in budget, made at first use (shares Redis when
    configured, so every API process counts the same attempts)."""
    state = request.app.state
    limiter: RateLimiter | None = getattr(state, "signin_limiter", None)
    if limiter is None:
        settings = settings_of(request)
        limiter = RateLimiter(
            {Policy.write: settings.dashboard_signin_limit},
            settings.rate_limit_window_seconds,
            settings.redis_url,
        )
        state.signin_limiter = limiter
    return limiter


async def throttle_signin(request: Request, email: str) -> None:
    """Refuse (429) when this email or this client address tried too often in the window."""
    limiter = _signin_limiter(request)
    client = request.client.host if request.client else "unknown"
    for who in (f"email:{email.strip().lower()}", f"ip:{client}"):
        decision = await limiter.hit(Policy.write, who, "signin")
        if not decision.allowed:
            raise RateLimited(decision.reset_after, decision.headers())


def plain_errors(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in exc.errors()
    )


async def act(
    request: Request,
    back: str,
    work: Callable[[AsyncSession], Awaitable[str]],
    extra: Mapping[str, str] | None = None,
) -> Response:
    """Run a form's action in its own transaction; back to ``back`` saying what happened (the
    service's own message when it refused, and then nothing changed)."""
    try:
        async with request.app.state.db.transaction() as session:
            notice = await work(session)
    except LowtatoError as exc:
        return see_other(back, error=exc.message, **(extra or {}))
    except ValidationError as exc:  # a form value the domain's schema refuses
        return see_other(back, error=plain_errors(exc), **(extra or {}))
    return see_other(back, notice=notice, **(extra or {}))
