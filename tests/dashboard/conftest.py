"""A signed-in dashboard client for the owner fixture."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import Owner, client_for
from tests.dashboard.helpers import give_password, sign_in


@pytest.fixture
async def signed_in(app: FastAPI, owner: Owner) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """(client with the session cookie, the session's CSRF token)."""
    await give_password(app, owner.email)
    async with client_for(app) as client:
        yield client, await sign_in(client, owner.email)
