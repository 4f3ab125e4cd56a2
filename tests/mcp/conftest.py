"""The served app the MCP tests call over HTTP (with its embedded worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from tests.conftest import AppFactory
from tests.fakes.server import serve_app


@pytest.fixture
async def served(app_factory: AppFactory) -> AsyncIterator[tuple[FastAPI, str]]:
    app = await app_factory(worker=True, publish_wait_seconds=10.0)
    async with serve_app(app) as url:
        yield app, url
