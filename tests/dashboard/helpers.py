"""Signing in to the dashboard over plain HTTP, as a browser would (forms and cookies)."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from lowtato.accounts import service as accounts
from lowtato.dashboard import service
from lowtato.dashboard.routes import router as dashboard_router
from lowtato.kit.principal import system_principal

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token the page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


async def give_password(app: FastAPI, email: str, password: str = PASSWORD) -> None:
    async with app.state.db.transaction() as session:
        await service.set_password(session, email, password)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in with the form; the client keeps the session cookie. Returns the CSRF token."""
    form = await client.get("/signin")
    answer = await client.post(
        "/signin", data={"email": email, "password": password, "csrf": csrf_of(form.text)}
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/posts"
    page = await client.get("/settings")
    assert page.status_code == 200
    return csrf_of(page.text)


async def sandbox_account(app: FastAPI, owner_id: str, platform: str) -> str:
    """A test-mode account on the sandbox network (as the demo bootstrap makes them)."""
    async with app.state.db.transaction() as session:
        account = await accounts.store_account(
            session,
            system_principal(owner_id, livemode=False),
            app.state.keyring,
            platform=platform,
            platform_user_id=f"sandbox-{platform}-{owner_id}",
            username=f"{platform}_{owner_id[-6:]}",
            fullname=f"Sandbox {platform}",
            access_token=None,
            sandbox=True,
        )
    return account.id


def dashboard_routes() -> set[tuple[str, str]]:
    """(method, path) of every dashboard route: pages and forms for a person signed in with a
    session, never for an API key (test_security checks each one refuses without a session)."""
    return {(m, r.path) for r in dashboard_router.routes for m in getattr(r, "methods", ())}
