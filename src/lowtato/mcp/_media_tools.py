"""Media tools: upload (from base64, or a URL on stdio), read and delete an upload."""

from __future__ import annotations

import base64
from typing import Annotated

import httpx
from mcp.types import CallToolResult as Answer
from pydantic import Field

from lowtato.mcp._api import Ctx, ToolSet, fail, tool
from lowtato.mcp._args import Id, Url

MAX_FETCH_BYTES = 50 * 1024 * 1024


class MediaTools(ToolSet):
    @tool()
    async def upload_media(
        self,
        ctx: Ctx,
        *,
        url: Url | None = None,
        base64_data: str | None = None,
        mime_type: Annotated[str | None, Field(max_length=100)] = None,
        filename: Annotated[str | None, Field(max_length=255)] = None,
    ) -> Answer:
        """Store an image or video from base64 (or a data: URL), or from a url (local
        server only): {id, url, mime_type, kind, size}. Use the url in create_post
        media_urls. Errors: unsupported_media_type, payload_too_large."""
        if (url is None) == (base64_data is None):
            return fail("validation_error", "Pass exactly one of url or base64_data.")
        if url is not None:
            if not self.api.allow_url_fetch:
                message = (
                    "This server does not download URLs; put the URL in create_post "
                    "media_urls (the API fetches it safely) or send base64_data."
                )
                return fail("validation_error", message)
            try:
                base64_data, mime_type = await _download(url, mime_type)
            except Refused as exc:
                return fail("validation_error", str(exc))
        data = base64_data
        return await self.api.run(
            ctx,
            lambda lt: lt.media.upload(base64_data=data, mime_type=mime_type, filename=filename),
        )

    @tool(read_only=True)
    async def get_media(self, ctx: Ctx, media_id: Id) -> Answer:
        """An uploaded file: {id, url, mime_type, kind (image|video), size, width, height,
        duration_seconds, filename, created_at}. not_found if no such upload for this key
        (or it was deleted)."""
        return await self.api.run(ctx, lambda lt: lt.media.get(media_id))

    @tool(destructive=True)
    async def delete_media(self, ctx: Ctx, media_id: Id) -> Answer:
        """Delete an upload: {deleted: true}; its URL stops working at once. Errors:
        conflict (a draft, scheduled or publishing post still uses it; details name the
        posts), not_found."""
        return await self.api.run(ctx, lambda lt: lt.media.delete(media_id))


class Refused(Exception):
    """A URL upload_media cannot use; the message says why."""


async def _download(url: str, mime_type: str | None) -> tuple[str, str | None]:
    """The file at ``url`` as base64 (stdio only: the agent's own machine fetches it)."""
    if not url.startswith(("https://", "http://")):
        raise Refused("url must start with https:// or http://.")
    async with httpx.AsyncClient(timeout=30.0, follow_redirects=True) as http:
        try:
            response = await http.get(url)
        except httpx.HTTPError as exc:
            raise Refused(f"Could not download {url}: {exc!r}") from exc
    if response.status_code != 200 or len(response.content) > MAX_FETCH_BYTES:
        message = (
            f"Could not download {url}: HTTP {response.status_code}, {len(response.content)} bytes."
        )
        raise Refused(message)
    kind = mime_type or response.headers.get("content-type", "").split(";")[0] or None
    return base64.b64encode(response.content).decode("ascii"), kind
