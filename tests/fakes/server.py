"""One ASGI app serving every platform fake under its prefix, plus a control API, run on
loopback by the tests (the adapters make real HTTP calls to it).

Platform fakes are modules ``tests.fakes.<name>`` exporting ``PREFIX`` (e.g. ``"/x"``) and
``build(state) -> ASGI app``. A small media host under ``/media/`` serves test images and
videos for ``mediaUrls``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from tests.fakes import media_files
from tests.fakes.state import FakeState

FAKE_MODULES = (
    "x",
    "bluesky",
    "linkedin",
    "facebook",
    "instagram",
    "threads",
    "tiktok",
    "youtube",
    "pinterest",
)


def _platform_apps(state: FakeState) -> list[Mount]:
    mounts = []
    for name in FAKE_MODULES:
        try:
            module = importlib.import_module(f"tests.fakes.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"tests.fakes.{name}":
                continue  # that platform's fake is not written yet
            raise
        platform = getattr(module, "PLATFORM", name)
        app = _faults(_raw_errors(module.build(state), state, platform), state, platform)
        mounts.append(Mount(module.PREFIX, app=app))
    return mounts


# The shape each platform wraps its error message in, for the ``echo_token`` answer.
_ERROR_SHAPES: dict[str, Callable[[str], dict[str, Any]]] = {
    "x": lambda m: {"title": "Invalid Request", "detail": m, "errors": [{"message": m}]},
    "bluesky": lambda m: {"error": "InvalidRequest", "message": m},
    "linkedin": lambda m: {"status": 400, "code": "INVALID", "message": m},
    "facebook": lambda m: {"error": {"message": m, "type": "OAuthException", "code": 100}},
    "tiktok": lambda m: {"data": {}, "error": {"code": "invalid_params", "message": m}},
    "threads": lambda m: {"error": {"message": m, "type": "OAuthException", "code": 100}},
    "pinterest": lambda m: {"code": 1, "message": m},
    "youtube": lambda m: {"error": {"code": 400, "message": m, "errors": [{"reason": "invalid"}]}},
    "instagram": lambda m: {"error": {"message": m, "type": "OAuthException", "code": 100}},
}


def _raw_errors(app: ASGIApp, state: FakeState, platform: str) -> ASGIApp:
    """Answers a request ``state.inject_raw`` picked with garbage instead of the fake."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        mode = state.take_raw(platform, scope["path"]) if scope["type"] == "http" else None
        if mode is None:
            await app(scope, receive, send)
            return
        request = Request(scope, receive)
        if mode == "html_500":
            page = "<html><head><title>502 Bad Gateway</title><script>alert(1)</script></head>"
            page += "<body><h1>Internal Server Error</h1>" + "<p>upstream failed</p>" * 20_000
            response: Response = HTMLResponse(page + "</body></html>", status_code=500)
        else:
            token = request.headers.get("authorization", "").partition(" ")[2]
            body = (await request.body()).decode("utf-8", "replace")
            state.echoed += [token, body]
            message = f"Invalid token {token} for request {body} " + "x" * 4000
            response = JSONResponse(_ERROR_SHAPES[platform](message), status_code=400)
        await response(scope, receive, send)

    return wrapped


def _faults(app: ASGIApp, state: FakeState, platform: str) -> ASGIApp:
    """The platform handles the request; then ``state.chaos`` may lose the answer: it comes
    after the client gave up (hang), or the connection dies mid-answer (reset)."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        fault = (
            state.pick_fault(platform, scope["method"], scope["path"])
            if scope["type"] == "http"
            else None
        )
        if fault is None:
            await app(scope, receive, send)
            return

        async def swallow(_message: Any) -> None:
            return None

        if fault == "hang":
            await app(scope, receive, swallow)
            await asyncio.sleep(state.hang_seconds)
            await JSONResponse({"error": "gateway timeout"}, status_code=504)(scope, receive, send)
            return

        async def cut(message: Any) -> None:
            if message["type"] == "http.response.start":
                await send(message)
                return
            # uvicorn closes a connection whose answer was started and not finished.
            msg = "fault: the connection was reset after the platform committed"
            raise ConnectionResetError(msg)

        await app(scope, receive, cut)

    return wrapped


def build_app(state: FakeState) -> Starlette:
    async def reset(_request: Request) -> Response:
        state.reset()
        return JSONResponse({"ok": True})

    async def scenario(request: Request) -> Response:
        body = await request.json()
        state.inject(body["platform"], body["endpoint"], body["mode"], int(body.get("count", 1)))
        return JSONResponse({"ok": True})

    async def calls(_request: Request) -> Response:
        return JSONResponse({"calls": state.calls})

    async def media(request: Request) -> Response:
        name = request.path_params["name"]
        if padded := media_files.PADDED.match(name):
            size = int(padded["size"])
            return StreamingResponse(
                media_files.padded_mp4(size),
                media_type="video/mp4",
                headers={"Content-Length": str(size)},
            )
        found = media_files.FILES.get(name)
        if found is None:
            return JSONResponse({"error": "no such file"}, status_code=404)
        mime, data = found
        return Response(data, media_type=mime)

    return Starlette(
        routes=[
            Route("/__fake/reset", reset, methods=["POST"]),
            Route("/__fake/scenario", scenario, methods=["POST"]),
            Route("/__fake/calls", calls, methods=["GET"]),
            Route("/media/{name}", media, methods=["GET"]),
            *_platform_apps(state),
        ]
    )


@contextlib.asynccontextmanager
async def serve(state: FakeState) -> AsyncIterator[str]:
    """Run the fakes on 127.0.0.1 (a free port) in this event loop; yields the base URL."""
    async with serve_app(build_app(state)) as url:
        yield url


@contextlib.asynccontextmanager
async def serve_app(app: ASGIApp) -> AsyncIterator[str]:
    """Run any ASGI app on 127.0.0.1 (a free port) in this event loop; yields the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def problem(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    """A JSON error response in the platform's own shape."""
    return JSONResponse(body, status_code=status, headers=headers)
