"""The MCP server over stdio (``lowtato mcp``): the agent's MCP client starts this process,
which calls a Lowtato API over HTTP with one key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from lowtato.client import AsyncLowtato
from lowtato.mcp._api import Ctx
from lowtato.mcp.server import build_server


async def serve_stdio(api_key: str, base_url: str | None) -> None:
    """Answer MCP on stdin/stdout until the client closes it."""
    async with AsyncLowtato(api_key, base_url=base_url) as client:

        @asynccontextmanager
        async def client_for(ctx: Ctx) -> AsyncIterator[AsyncLowtato]:
            yield client

        # Running on the agent's own machine, upload_media may download a URL for it.
        server = build_server(client_for, allow_url_fetch=True)
        await server.run_stdio_async()
