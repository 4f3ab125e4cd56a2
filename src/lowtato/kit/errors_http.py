"""Exception handlers that render every error as the one envelope."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, compile_path

from lowtato.errors import (
    InvalidJSON,
    LowtatoError,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)
from lowtato.kit.openapi import api_routes

_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "posts", 0, "scheduled_at")`` → ``posts[0].scheduled_at`` (parameters keep
    their ``query.`` / ``path.`` / ``header.`` prefix)."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] if parts[0] == "body" else parts
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "body"


def validation_details(errors: list[Any]) -> list[dict[str, str]]:
    details = []
    for err in errors:
        message = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            message = "unknown field; remove it"
        details.append({"field": field_name(err.get("loc", ())), "message": message})
    return details


async def _lowtato(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LowtatoError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return await _lowtato(request, InvalidJSON())
    return await _lowtato(request, ValidationFailed.fields(validation_details(errors)))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        error: LowtatoError = NotFound(f"No route matches {request.method} {request.url.path}.")
    elif exc.status_code == 405:
        allow = _allowed_methods(request)
        error = MethodNotAllowed(
            f"{request.method} is not allowed on {request.url.path}; use {', '.join(allow)}."
        )
        return JSONResponse(error.body(), status_code=405, headers={"Allow": ", ".join(allow)})
    else:
        code = _CODES.get(exc.status_code, "http_error")
        body = {"error": {"code": code, "message": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    return await _lowtato(request, error)


def _allowed_methods(request: Request) -> list[str]:
    """Every method the resource at this path serves. Starlette names only the first route
    that matched, but one path may be served by several handlers (GET, POST and DELETE
    /api/v1/webhooks), so the answer is gathered from all of them — from the most specific
    path templates only: /api/v1/accounts/connect is its own resource, not an account id for
    DELETE /api/v1/accounts/{id} (as the OpenAPI document says)."""
    path = request.url.path
    by_template: dict[str, set[str]] = {}
    for full_path, api_route in api_routes(request.app):
        if compile_path(full_path)[0].match(path):
            by_template.setdefault(full_path, set()).update(api_route.methods or ())
    for route in request.app.routes:
        if isinstance(route, Route) and route.path_regex.match(path):
            by_template.setdefault(route.path, set()).update(route.methods or ())
    fewest = min((t.count("{") for t in by_template), default=0)
    methods = set().union(*(m for t, m in by_template.items() if t.count("{") == fewest))
    order = {m: i for i, m in enumerate(_METHOD_ORDER)}
    return sorted(methods, key=lambda m: (order.get(m, len(order)), m))


_CODES = {400: "validation_error", 401: "unauthorized", 413: "payload_too_large",
          415: "unsupported_media_type"}  # fmt: skip


# SQLite answers "database is locked" when a writer waited its busy timeout for another
# writer's lock: the request changed nothing (its transaction rolled back) and may be retried.
_LOCKED = "database is locked"
LOCKED_RETRY_AFTER = 1


async def _operational(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OperationalError)
    if _LOCKED not in str(exc.orig):
        raise exc
    error = ServiceUnavailable(
        "The database is busy with other writes; nothing was changed. Retry in a moment.",
        headers={"Retry-After": str(LOCKED_RETRY_AFTER)},
    )
    return await _lowtato(request, error)


def install(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(LowtatoError, _lowtato)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
