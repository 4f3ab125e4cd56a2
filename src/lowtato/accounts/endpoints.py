"""``/api/v1/accounts``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lowtato.accounts import service
from lowtato.accounts.schemas import AccountList, Connected, ConnectRequest, SubAccountList
from lowtato.auth.deps import AccountsRead, AccountsWrite
from lowtato.kit.routing import JSONRoute
from lowtato.kit.schemas import Deleted
from lowtato.kit.session import Reads, Session

router = APIRouter(prefix="/api/v1/accounts", tags=["Accounts"], route_class=JSONRoute)


@router.get("", summary="List connected accounts")
async def list_accounts(principal: AccountsRead, reads: Reads) -> AccountList:
    """All connected accounts of this key's owner and mode (test keys see sandbox accounts)."""
    return AccountList(accounts=await service.list_accounts(reads, principal))


@router.get("/{account_id}/subaccounts", summary="List subaccounts")
async def list_subaccounts(
    account_id: str, principal: AccountsRead, session: Session
) -> SubAccountList:
    """Facebook Pages, LinkedIn organizations and Pinterest boards of an account."""
    return SubAccountList(
        subaccounts=await service.list_subaccounts(session, principal, account_id)
    )


@router.post("/connect", summary="Connect an account with OAuth tokens", status_code=201)
async def connect(body: ConnectRequest, principal: AccountsWrite, request: Request) -> Connected:
    """Store an account's tokens (encrypted at rest, never returned). With a live key the
    token is checked with the platform first (400 with the platform's reason when it is not
    accepted) and its pages/organizations become subaccounts. Connecting the same platform
    user again updates that account. Plan limits apply (402 `payment_required`). A live key
    and a platform this build cannot publish to live → 400 `platform_unavailable`. With a
    `lt_test_` key the account is a sandbox account and no platform is called."""
    # No request-wide session: the platform is asked before the account's transaction begins.
    services = request.app.state.services
    return await service.connect(services.db, principal, services, body)


@router.delete("/{account_id}", summary="Disconnect an account")
async def disconnect(account_id: str, principal: AccountsWrite, session: Session) -> Deleted:
    """Forget the account's tokens and hide it. Its scheduled posts become `failed` with
    `error_code: account_disconnected`."""
    await service.remove_account(session, principal, account_id)
    return Deleted()
