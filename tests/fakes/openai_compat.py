"""A local fake of an OpenAI-compatible API (``/v1/chat/completions``,
``/v1/images/generations``, ``/v1/audio/transcriptions``), validating requests the way the
OpenAI API does and answering in its shapes, with switchable failure modes.

Served on loopback with ``tests.fakes.server.serve_app``; ``base_url`` is ``<url>/v1``.
"""

from __future__ import annotations

import asyncio
import base64
import io
import time
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

API_KEY = "sk-fake-openai"
ROLES = {"system", "user", "assistant", "developer", "tool"}
SIZES = {"256x256", "512x512", "1024x1024", "1024x1536", "1536x1024", "1792x1024", "1024x1792"}


@dataclass
class OpenAIState:
    # "ok" | "slow" (sleep `delay` first) | "error" (500) | "rate" (429) | "garbage" (not JSON)
    mode: str = "ok"
    delay: float = 0.0
    # The chat answer; None → a deterministic sentence naming the last user message's start.
    reply: str | None = None
    transcript: str = "Hello from the recording."
    image_as_url: bool = False
    requests: list[dict[str, Any]] = field(default_factory=list)
    base_url: str = ""


def _error(status: int, message: str, code: str | None = None, kind: str = "invalid_request_error") -> JSONResponse:  # fmt: skip
    return JSONResponse(
        {"error": {"message": message, "type": kind, "param": None, "code": code}},
        status_code=status,
    )


def _chat_problem(body: dict[str, Any]) -> str | None:
    """What OpenAI would refuse in a chat completion request, or None."""
    messages = body.get("messages")
    max_tokens = body.get("max_tokens")
    temperature = body.get("temperature", 1)
    checks = [
        (isinstance(body.get("model"), str) and body["model"], "you must provide a model parameter"),
        (isinstance(messages, list) and messages, "'messages' must be a non-empty array"),
        (max_tokens is None or (isinstance(max_tokens, int) and max_tokens >= 1),
         "Invalid 'max_tokens': integer below minimum value."),
        (isinstance(temperature, int | float) and 0 <= temperature <= 2,
         "Invalid 'temperature': must be between 0 and 2."),
    ]  # fmt: skip
    for ok, message in checks:
        if not ok:
            return message
    for i, m in enumerate(messages or []):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            return f"Invalid value for 'messages[{i}].role'"
        if not isinstance(m.get("content"), str):
            return f"Invalid type for 'messages[{i}].content'"
    return None


def build(state: OpenAIState) -> Starlette:
    async def gate(request: Request) -> Response | None:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        if state.mode == "slow":
            await asyncio.sleep(state.delay)
        if state.mode == "error":
            return _error(500, "The server had an error while processing your request.",
                          kind="server_error")  # fmt: skip
        if state.mode == "rate":
            return _error(429, "Rate limit reached for requests.", "rate_limit_exceeded",
                          kind="requests")  # fmt: skip
        if state.mode == "garbage":
            return Response("<html>bad gateway</html>", status_code=200)
        return None

    async def chat(request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return _error(400, "We could not parse the JSON body of your request.")
        state.requests.append({"path": "chat", "body": body})
        problem = _chat_problem(body)
        if problem:
            return _error(400, problem)
        last = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
        text = state.reply if state.reply is not None else f"A post about: {last[:60]}"
        return JSONResponse({
            "id": f"chatcmpl-{len(state.requests)}", "object": "chat.completion",
            "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
        })  # fmt: skip

    async def images(request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        body = await request.json()
        state.requests.append({"path": "images", "body": body})
        if not body.get("model") or not isinstance(body.get("prompt"), str) or not body["prompt"]:
            return _error(400, "model and prompt are required")
        size = body.get("size", "1024x1024")
        if size not in SIZES:
            return _error(400, f"Invalid value for 'size': '{size}'.", "invalid_value")
        width, height = (int(v) for v in size.split("x"))
        png = io.BytesIO()
        Image.new("RGB", (width, height), (40, 120, 200)).save(png, "PNG")
        if state.image_as_url:
            return JSONResponse({"created": 0, "data": [{"url": f"{state.base_url}/files/{size}.png"}]})  # fmt: skip
        return JSONResponse(
            {"created": 0, "data": [{"b64_json": base64.b64encode(png.getvalue()).decode()}]}
        )

    async def files(request: Request) -> Response:
        width, height = (int(v) for v in request.path_params["size"].split("x"))
        png = io.BytesIO()
        Image.new("RGB", (width, height), (40, 120, 200)).save(png, "PNG")
        return Response(png.getvalue(), media_type="image/png")

    async def transcriptions(request: Request) -> Response:
        refused = await gate(request)
        if refused is not None:
            return refused
        form = await request.form()
        upload = form.get("file")
        state.requests.append({"path": "transcriptions", "model": form.get("model")})
        if not form.get("model"):
            return _error(400, "you must provide a model parameter")
        if upload is None or isinstance(upload, str):
            return _error(400, "'file' is a required property")
        data = await upload.read()
        if not data:
            return _error(400, "The audio file could not be decoded or its format is not supported.")  # fmt: skip
        return JSONResponse({"text": state.transcript})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", chat, methods=["POST"]),
            Route("/v1/images/generations", images, methods=["POST"]),
            Route("/v1/audio/transcriptions", transcriptions, methods=["POST"]),
            Route("/files/{size}.png", files),
        ]
    )
