"""Request context: a request id on every response, headers computed during the request
(rate limits), the security headers of ``pages``, the last line of defence that turns an
unhandled exception into a 500 envelope naming the request id (the traceback in the log and
never in the body), and, when the response is done, the request's log line and (when metrics
are on) its samples — in this one middleware, so a request pays for one layer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lowtato.errors import InternalError
from lowtato.kit import logs, metrics
from lowtato.kit.ids import new_request_id
from lowtato.kit.pages import RawHeaders, protect

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
                message["headers"] = _finish_headers(
                    message.get("headers", ()), request_id, state.get("response_headers")
                )
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


def _finish_headers(
    raw: Iterable[tuple[bytes, bytes]], request_id: str, computed: dict[str, str] | None
) -> RawHeaders:
    """The response's headers plus ours: the request id (replacing any), the headers computed
    during the request (rate limits) where the response has none of its own, the security
    headers. Built on the raw list: Starlette's ``MutableHeaders`` scans it on every set."""
    headers = [(k, v) for k, v in raw if k.lower() != b"x-request-id"]
    headers.append((b"x-request-id", request_id.encode("latin-1")))
    present = {k.lower() for k, _ in headers}
    for name, value in (computed or {}).items():
        key = name.lower().encode("latin-1")
        if key not in present:
            headers.append((key, value.encode("latin-1")))
            present.add(key)
    protect(headers, present)
    return headers
