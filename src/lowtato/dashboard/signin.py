"""Sign-in (password or one-time link), self sign-up, sign-out and the test/live switch."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from lowtato.auth.models import User
from lowtato.dashboard import service
from lowtato.dashboard.web import (
    COOKIE,
    PRE_COOKIE,
    SignedIn,
    new_pre_token,
    render,
    see_other,
    set_pre_cookie,
    set_session_cookie,
    settings_of,
    throttle_signin,
    tokens_match,
)
from lowtato.errors import LowtatoError, RateLimited

router = APIRouter(include_in_schema=False)


def _form(request: Request, name: str, status: int = 200, **context: str) -> Response:
    """A sign-in form with a fresh double-submit token (cookie + hidden field)."""
    token = new_pre_token()
    response = render(request, name, None, status, pre_csrf=token, **context)
    set_pre_cookie(request, response, token)
    return response


def _pre_checked(request: Request, given: str) -> bool:
    return tokens_match(request.cookies.get(PRE_COOKIE, ""), given)


async def _signed_in(request: Request, user: User) -> Response:
    lifetime = timedelta(hours=settings_of(request).dashboard_session_hours)
    async with request.app.state.db.transaction() as session:
        opened = await service.open_session(session, user, lifetime)
    response = see_other("/posts")
    set_session_cookie(request, response, opened.token)
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


@router.get("/signin")
async def signin_page(request: Request) -> Response:
    return _form(request, "signin.html")


@router.post("/signin")
async def signin(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not _pre_checked(request, csrf):
        return _form(request, "signin.html", 403, problem="The form expired; try again.")
    try:
        await throttle_signin(request, email)
    except RateLimited as exc:
        response = _form(request, "signin.html", 429, problem=exc.message, email=email)
        response.headers.update(exc.headers)
        return response
    async with request.app.state.db.transaction(readonly=True) as session:
        user = await service.verify(session, email, password)
    if user is None:
        return _form(request, "signin.html", 401, problem="Wrong email or password.", email=email)
    return await _signed_in(request, user)


@router.get("/signin/link")
async def link_page(request: Request, token: str = "") -> Response:
    # A button, not an instant sign-in: link previewers that GET the URL do not spend it.
    return _form(request, "signin_link.html", token=token)


@router.post("/signin/link")
async def link_signin(
    request: Request, token: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = ""
) -> Response:
    if not _pre_checked(request, csrf):
        return _form(request, "signin_link.html", 403, token=token, problem="Try again.")
    async with request.app.state.db.transaction() as session:
        user = await service.redeem_link(session, token)
    if user is None:
        return _form(
            request, "signin.html", 400, problem="This sign-in link was used or has expired."
        )
    return await _signed_in(request, user)


@router.post("/signup")
async def signup(
    request: Request,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    if not settings_of(request).dashboard_signup:
        return _form(request, "signin.html", 403, problem="Sign-up is not open on this server.")
    if not _pre_checked(request, csrf):
        return _form(request, "signin.html", 403, problem="The form expired; try again.")
    try:
        await throttle_signin(request, email)
        async with request.app.state.db.transaction() as session:
            user = await service.sign_up(session, email, password)
    except LowtatoError as exc:
        return _form(request, "signin.html", exc.status, problem=exc.message, email=email)
    return await _signed_in(request, user)


@router.post("/signout")
async def signout(request: Request, viewer: SignedIn) -> Response:
    async with request.app.state.db.transaction() as session:
        await service.close_session(session, viewer)
    response = see_other("/signin")
    response.delete_cookie(COOKIE, path="/")
    return response


@router.post("/mode")
async def switch_mode(
    request: Request,
    viewer: SignedIn,
    mode: Annotated[str, Form()] = "test",
    back: Annotated[str, Form()] = "/posts",
) -> Response:
    async with request.app.state.db.transaction() as session:
        await service.switch_mode(session, viewer, mode == "live")
    # Only a path of this site: the field must not turn into an open redirect.
    local = back.startswith("/") and not back.startswith(("//", "/\\"))
    return see_other(back if local else "/posts", notice=f"Now in {mode} mode.")


@router.get("/")
async def home(viewer: SignedIn) -> Response:
    return see_other("/posts")
