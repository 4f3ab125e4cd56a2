"""/accounts: connected accounts per platform, Connect (the OAuth connect flow), disconnect."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.accounts import oauth
from lowtato.accounts import service as accounts
from lowtato.accounts.schemas import SubAccountOut
from lowtato.dashboard.web import SignedIn, act, render, see_other, settings_of
from lowtato.errors import LowtatoError
from lowtato.platforms.names import PLATFORMS

router = APIRouter(include_in_schema=False)


@router.get("/accounts")
async def accounts_page(request: Request, viewer: SignedIn) -> Response:
    principal = viewer.principal
    listed = await accounts.list_accounts(request.app.state.db.reads, principal)
    subaccounts: dict[str, list[SubAccountOut]] = {}
    async with request.app.state.db.transaction(readonly=True) as session:
        for account in listed:
            subaccounts[account.id] = await accounts.list_subaccounts(
                session, principal, account.id
            )
    by_platform = {p: [a for a in listed if a.platform == p] for p in PLATFORMS}
    # The OAuth callback sends the browser back here with what happened.
    params = request.query_params
    connected = params.get("connected")
    outcome = ""
    if connected == "true":
        outcome = f"Connected {params.get('platform', '')} account {params.get('account_id', '')}."
    return render(
        request,
        "accounts.html",
        viewer,
        by_platform=by_platform,
        subaccounts=subaccounts,
        connected_notice=outcome,
        connect_error=params.get("error", "") if connected == "false" else "",
        warnings=params.getlist("warning"),
    )


@router.post("/accounts/connect")
async def connect(
    request: Request, viewer: SignedIn, platform: Annotated[str, Form()] = ""
) -> Response:
    back = f"{settings_of(request).public_url}/accounts"
    try:
        async with request.app.state.db.transaction() as session:
            link = await oauth.create_link(
                session, viewer.principal, request.app.state.services, platform, back
            )
    except LowtatoError as exc:
        return see_other("/accounts", error=exc.message)
    # To the platform's consent page (the sandbox's in test mode), which returns to /accounts.
    return RedirectResponse(link.url, status_code=303)


@router.post("/accounts/{account_id}/disconnect")
async def disconnect(request: Request, viewer: SignedIn, account_id: str) -> Response:
    async def work(session: AsyncSession) -> str:
        await accounts.remove_account(session, viewer.principal, account_id)
        return f"Account {account_id} disconnected; its scheduled posts will not be published."

    return await act(request, "/accounts", work)
