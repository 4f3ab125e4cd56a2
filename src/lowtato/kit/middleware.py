"""Request context: a request id on every response, headers computed during the request
(rate limits), the security headers of ``pages``, the last line of defence that turns an
unhandled exception into a 500 envelope naming the request id (the traceback in the log and
never in the body), and, when the response is done, the request's log line and (when metrics
are on) its samples — in this one middleware, so a request pays for one layer."""

from __future__ import annotations

import logging
import re
import time

from starlette.datastructures import MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lowtato.errors import InternalError
from lowtato.kit import logs, metrics
from lowtato.kit.ids import new_request_id
from lowtato.kit.pages import protect

log = logging.getLogger("lowtato.request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: bool = False) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = False
        status = 500
        began = time.perf_counter()

        async def send_with_headers(message: Message) -> None:
            nonlocal started, status
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
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
        finally:
            self._done(scope, state, request_id, status, time.perf_counter() - began)

    def _done(
        self, scope: Scope, state: dict[str, object], request_id: str, status: int, took: float
    ) -> None:
        # The route's template, never the raw path: ids stay out of metric labels.
        route = getattr(scope.get("route"), "path", None) or "<unmatched>"
        method = scope["method"]
        principal = state.get("principal")
        logs.request_line(
            request_id=request_id,
            method=method,
            route=route,
            status=status,
            duration_ms=took * 1000,
            owner_id=getattr(principal, "user_id", None),
        )
        if self.metrics:
            code = str(status)
            metrics.REQUESTS.labels(method, route, code).inc()
            metrics.LATENCY.labels(method, route, code).observe(took)
            if status == 429:
                metrics.RATE_LIMITED.labels(route).inc()
