"""The MCP server over streamable HTTP at ``/mcp`` on the API server.

Every MCP request must carry an API key (``x-api-key`` or ``Authorization: Bearer``); one
without, or with a key the server refuses, gets a 401 in the API's error envelope before any
MCP message is read. Each tool call then goes through the SDK to the same app in-process
(``httpx.ASGITransport``) with the caller's key, so scopes, plan checks, rate limits and
test/live mode are exactly the REST API's. Retries are off: a 429 reaches the agent, which
can wait, instead of holding the request open here.

Stateless mode with JSON answers: any API process can answer any request, as for REST.
DNS-rebinding protection stays off because the endpoint needs a key a browser page cannot
supply (no cookies are involved).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

if TYPE_CHECKING:  # the SDK (~16 MB resident) and our API client load at the first MCP
    # request, not at start
    from mcp.server import MCPServer

# Answers None when the key is good, else the reason it is refused.
KeyCheck = Callable[[str], Awaitable[str | None]]
MISSING_KEY = "Send your API key in the x-api-key header (or Authorization: Bearer <key>)."


def key_from(headers: Mapping[str, str]) -> str | None:
    """The API key of a request, from ``x-api-key`` or ``Authorization: Bearer``."""
    key = headers.get("x-api-key", "").strip()
    if key:
        return key
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class McpEndpoint:
    """An ASGI app serving MCP for the API app ``api``."""

    def __init__(self, api: ASGIApp, base_url: str, check_key: KeyCheck | None = None) -> None:
        self._api = api
        self._base_url = base_url
        self._check_key = check_key
        self._server: MCPServer | None = None  # built at the first request: most apps never
        # serve MCP (each test builds one), and building the tools takes ~50 ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        key = key_from(headers)
        refused = MISSING_KEY if key is None else None
        if key is not None and self._check_key is not None:
            refused = await self._check_key(key)
        if refused is not None:
            await _unauthorized(send, refused)
            return
        # A session manager per request, run in this request's task: stateless, it keeps
        # nothing between requests, and its task group never outlives the request (an app
        # lifespan may start and stop in different tasks, which anyio refuses). Nothing
        # awaits between making it and taking it, so concurrent requests cannot swap them.
        if self._server is None:
            # The SDK loads with the tools at the first MCP request (docs/performance.md).
            tools = importlib.import_module("lowtato.mcp.server")
            self._server = tools.build_server(tools.in_process(self._api, self._base_url, key_from))
        from mcp.server.transport_security import TransportSecuritySettings  # noqa: PLC0415

        self._server.streamable_http_app(
            stateless_http=True, json_response=True,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )  # fmt: skip
        manager = self._server.session_manager
        async with manager.run():
            await manager.handle_request(scope, receive, send)


async def _unauthorized(send: Send, message: str) -> None:
    body = json.dumps({"error": {"code": "unauthorized", "message": message}}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"www-authenticate", b'Bearer realm="lowtato"'),
    ]
    await send({"type": "http.response.start", "status": 401, "headers": headers})
    await send({"type": "http.response.body", "body": body})
