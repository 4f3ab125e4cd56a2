"""Request context: a request id on every response, headers computed during the request
(rate limits), the security headers of ``pages``, and the last line of defence that turns an
unhandled exception into a 500 envelope naming the request id, with the traceback in the log
and never in the body."""

from __future__ import annotations

import logging
import re

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lowtato.errors import InternalError
from lowtato.kit.ids import new_request_id
from lowtato.kit.pages import protect

log = logging.getLogger("lowtato.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-Id"] = request_id
                for name, value in (state.get("response_headers") or {}).items():
                    if name not in headers:
                        headers[name] = value
                protect(headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error in request %s", request_id)
            if started:
                raise
            error = InternalError(
                f"Internal error. Quote request id {request_id} when reporting it.",
                details={"request_id": request_id},
            )
            await JSONResponse(error.body(), status_code=500)(scope, receive, send_with_headers)
