"""What every tool shares: how it reaches the API (``ClientFor``), how an API error becomes
an MCP tool error, and the tool annotations."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from lowtato.client import AsyncLowtato, LowtatoError

Ctx = Context[Any, Any]
ClientFor = Callable[[Ctx], AbstractAsyncContextManager[AsyncLowtato]]
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


class Api:
    """What a tool body gets: ``await self.api.run(ctx, lambda lt: lt.posts.get(post_id))``."""

    def __init__(self, client_for: ClientFor, *, allow_url_fetch: bool) -> None:
        self._client_for = client_for
        self.allow_url_fetch = allow_url_fetch

    async def run(
        self, ctx: Ctx, action: Callable[[AsyncLowtato], Awaitable[BaseModel]]
    ) -> CallToolResult:
        """The tool's answer: the API's answer as structured content (and as JSON text for
        clients that read only text), or a tool error ``code: message``."""
        try:
            async with self._client_for(ctx) as client:
                answer = await action(client)
        except LowtatoError as exc:
            return fail(exc.code or "error", exc.message, exc.details)
        data = answer.model_dump(mode="json", by_alias=True)
        return CallToolResult(
            content=[TextContent(type="text", text=json.dumps(data, ensure_ascii=False))],
            structured_content=data,
        )


class ToolSet:
    """A group of tools (accounts, media, webhooks, ...); ``tools.Tools`` joins them."""

    def __init__(self, api: Api) -> None:
        self.api = api


def tool(*, read_only: bool = False, destructive: bool = False) -> Callable[[F], F]:
    """Marks a ``Tools`` method as an MCP tool with its annotations (the method's name is
    the tool's name, its docstring the description)."""

    def mark(fn: F) -> F:
        hints = ToolAnnotations(
            read_only_hint=read_only,
            destructive_hint=destructive,
            idempotent_hint=read_only,
            open_world_hint=True,
        )
        setattr(fn, ANNOTATIONS, hints)
        return fn

    return mark


ANNOTATIONS = "__lowtato_tool__"


def fail(code: str, message: str, details: Any = None) -> CallToolResult:
    """A tool error whose text starts with the API's error code: ``not_found: No post …``
    (returned, not raised, so the SDK adds no prefix of its own)."""
    text = f"{code}: {message}"
    if details is not None:
        text += f" (details: {json.dumps(details, ensure_ascii=False, default=str)})"
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)
