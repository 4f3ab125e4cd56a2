"""The MCP server: each tool is one call of the SDK (``AsyncLowtato``), so an agent on MCP
gets exactly the REST API's answers, scopes, rate limits and errors.

An API error comes back as an MCP tool error (``isError``) whose text starts with the API's
error code: ``not_found: No post post_x``. How a tool reaches the API is the caller's choice
(``ClientFor``): over HTTP for ``lowtato mcp`` (stdio), in-process with the caller's key for
the ``/mcp`` endpoint (``lowtato.mcp.http``).
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import httpx
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.tools import Tool
from pydantic import ConfigDict
from starlette.types import ASGIApp

from lowtato.client import AsyncLowtato
from lowtato.mcp._api import ANNOTATIONS, Api, ClientFor, Ctx
from lowtato.mcp.tools import Tools

INSTRUCTIONS = (
    "Lowtato publishes and schedules social-media posts on 9 platforms. Start with "
    "list_accounts (account ids), write with generate_post, then create_post (draft, "
    "scheduled_time, or use_next_free_slot) and publish_post; poll get_post until status is "
    "'published' or 'failed'. Test keys (lt_test_) publish to a sandbox, never to a real "
    "platform. Errors read '<code>: <message>' with the API's error code."
)


def build_server(client_for: ClientFor, *, allow_url_fetch: bool = False) -> MCPServer:
    """The Lowtato MCP server. ``allow_url_fetch`` lets ``upload_media`` download a URL
    itself (stdio, on the agent's machine); the shared ``/mcp`` endpoint leaves it off so it
    never fetches addresses for a caller (a post's ``media_urls`` go through the API's
    guarded downloader instead)."""
    tools = Tools(Api(client_for, allow_url_fetch=allow_url_fetch))
    made = [
        _strict(Tool.from_function(method, annotations=getattr(method, ANNOTATIONS)))
        for _, method in inspect.getmembers(tools, inspect.ismethod)
        if hasattr(method, ANNOTATIONS)
    ]
    return MCPServer("lowtato", instructions=INSTRUCTIONS, version="0.1.0", tools=made)


def in_process(
    api: ASGIApp, base_url: str, key_from: Callable[[Mapping[str, str]], str | None]
) -> ClientFor:
    """Tools that call the app ``api`` in-process (``httpx.ASGITransport``) with the key the
    MCP request carried, so it meets the same checks as a REST call."""

    @asynccontextmanager
    async def client_for(ctx: Ctx) -> AsyncIterator[AsyncLowtato]:
        key = key_from({k.lower(): v for k, v in (ctx.headers or {}).items()})
        transport = httpx.ASGITransport(app=api)
        async with AsyncLowtato(
            key or "", base_url=base_url, transport=transport, max_retries=0
        ) as client:
            yield client

    return client_for


def _strict(tool: Tool) -> Tool:
    # Unknown arguments are refused (a misspelt option must not be silently dropped), and
    # the published schema says so.
    base = tool.fn_metadata.arg_model
    config = ConfigDict(**{**base.model_config, "extra": "forbid"})
    tool.fn_metadata.arg_model = type(base.__name__, (base,), {"model_config": config})
    tool.parameters["additionalProperties"] = False
    return tool
