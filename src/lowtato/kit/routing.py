"""The route class of every API router: JSON bodies are checked for text the rest of the stack
cannot carry before FastAPI validates them.

JSON may escape a lone UTF-16 surrogate (``"\\ud800"``) and Python's ``json`` decodes it into a
``str`` that cannot be encoded as UTF-8, so it would fail later in the database driver, an HTTP
client or a log line as a 500. Such a string (value or key, at any depth) is refused here as a
400 ``validation_error`` naming where it is. Only routes that take a JSON body are checked (an
upload that streams its own body is left alone), and the parsed body is cached on the request,
so FastAPI does not parse it twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from lowtato.errors import InvalidJSON, ValidationFailed
from lowtato.kit.errors_http import field_name

_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_MESSAGE = (
    "contains a lone UTF-16 surrogate (\\ud800-\\udfff), which is not text; send valid UTF-8"
)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return True  # FastAPI reads a body without a content type as JSON
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def surrogate_paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Where in a decoded JSON document a string (or a key) holds a lone surrogate."""
    found: list[tuple[str | int, ...]] = []
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                found.append(where)
        elif isinstance(item, dict):
            for key, child in item.items():
                if _SURROGATE.search(key):
                    found.append(where)
                else:
                    stack.append((child, (*where, key)))
        elif isinstance(item, list):
            stack.extend((child, (*where, i)) for i, child in enumerate(item))
    return sorted(found, key=lambda p: [str(part) for part in p])


class JSONRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def checked(request: Request) -> Response:
            if _is_json(request.headers.get("content-type")) and await request.body():
                try:
                    document = await request.json()
                except json.JSONDecodeError:
                    document = None  # FastAPI answers invalid_json itself
                except UnicodeDecodeError as exc:
                    raise InvalidJSON("The request body is not valid JSON: not UTF-8.") from exc
                paths = surrogate_paths(document)
                if paths:
                    raise ValidationFailed.fields(
                        [{"field": field_name(p), "message": SURROGATE_MESSAGE} for p in paths]
                    )
            return await handler(request)

        return checked
