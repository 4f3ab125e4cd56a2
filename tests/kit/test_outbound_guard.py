"""The suite's guard against outbound calls inside a database transaction really trips."""

from __future__ import annotations

from fastapi import FastAPI
from tests.fakes.fixtures import Fakes
from tests.outbound_guard import OutboundGuard

from lowtato.platforms.base import Credentials

CREDS = Credentials(platform_user_id="u1", username="u1", access_token="t")


async def test_http_inside_a_transaction_is_a_violation(
    app: FastAPI, fakes: Fakes, outbound_guard: OutboundGuard
) -> None:
    services = app.state.services
    await services.http.get(fakes.media("cat.png"))
    assert outbound_guard.violations == []
    # A read-only transaction holds a pooled connection: a worker's pool is not sized for
    # jobs keeping one while they wait on the network.
    async with app.state.db.transaction(readonly=True):
        await services.http.get(fakes.media("cat.png"))
    async with app.state.db.transaction():
        await services.http.get(fakes.media("cat.png"))
    assert [v.split(", at")[0] for v in outbound_guard.violations] == [
        f"HTTP GET {fakes.url}/media/cat.png inside a read transaction",
        f"HTTP GET {fakes.url}/media/cat.png inside a write transaction",
    ]
    outbound_guard.violations.clear()  # seen; the test itself passes


async def test_adapter_call_inside_a_write_transaction_is_a_violation(
    app: FastAPI, outbound_guard: OutboundGuard
) -> None:
    adapter, ctx = app.state.services.adapters.get("bluesky", sandbox=True)
    await adapter.whoami(ctx, CREDS)
    assert outbound_guard.violations == []
    async with app.state.db.transaction():
        await adapter.whoami(ctx, CREDS)
    assert [v.split(" inside")[0] for v in outbound_guard.violations] == [
        "bluesky adapter.whoami()"
    ]
    outbound_guard.violations.clear()
