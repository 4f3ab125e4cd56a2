"""The request body limit (``LOWTATO_MAX_BODY_BYTES``): a body over it is answered 413
``payload_too_large`` before any of it is parsed.

The body is read here, counted as it arrives, and handed on only once complete and within the
limit: a ``Content-Length`` over the limit is refused before a byte is read, and a chunked body
(no length announced) as soon as it passes the limit, with the rest left unread and the
connection closed. Without this, a 30 MB post text was read whole, parsed and counted on the
event loop, and the whole server (health checks included) stood still meanwhile. Nothing the
JSON routes accept comes near the default (1 MiB): the longest post text any platform allows
is 63,206 characters.

Routes that stream large bodies themselves (the media upload, with its own per-type limits)
are exempt by path.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lowtato.errors import PayloadTooLarge


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body is larger than {limit} bytes, the limit for this route "
        "(LOWTATO_MAX_BODY_BYTES). Send less: media go through POST /api/v1/media/upload.",
        details={"limit": limit},
    )


def _content_length(scope: Scope) -> int | None:
    """The announced length; 0 when the request has no body at all (neither a length nor a
    chunked transfer, as for nearly every GET); None when the length is not known."""
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else None
        if name == b"transfer-encoding":
            chunked = True
    return None if chunked else 0


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit: int, exempt: Iterable[str] = ()) -> None:
        self.app = app
        self.limit = limit
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length == 0:  # nothing to read or count
            await self.app(scope, receive, send)
            return
        if length is not None and length > self.limit:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: bytes | None = b"".join(chunks)

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message: Message = {"type": "http.request", "body": body, "more_body": False}
                body = None
                return message
            return await receive()  # after the body: only a disconnect is left to hear

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = too_large(self.limit)
        # The rest of the body stays unread, so the connection cannot carry another request.
        response = JSONResponse(error.body(), status_code=error.status,
                                headers={"Connection": "close"})  # fmt: skip
        await response(scope, receive, send)
