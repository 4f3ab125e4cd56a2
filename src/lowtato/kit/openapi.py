"""The OpenAPI document, describing what the server really does.

On top of FastAPI's generation it adds: the API-key security schemes, the error envelope on
every operation (with the statuses the operation can return), the scope each route needs as
``x-required-scope`` (read from the auth dependency itself, so it cannot drift), and the
rate-limit headers. Served at ``/openapi.json`` and ``/.well-known/openapi.json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse

SCOPE_ATTR = "__lowtato_scope__"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "example": "validation_error"},
                "message": {"type": "string"},
                "details": {},
            },
        },
        "retryAfter": {"type": "integer", "description": "Seconds; only on 429."},
    },
}

_RATE_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed per window for this policy (read/write/upload).",
    "X-RateLimit-Remaining": "Requests left in the current sliding window.",
    "X-RateLimit-Reset": "Seconds (delay, not a timestamp) until the window frees a slot.",
    "RateLimit": "IETF RateLimit field: policy;r=remaining;t=seconds.",
    "RateLimit-Policy": "IETF RateLimit-Policy field: policy;q=quota;w=window seconds.",
}

_AUTH_ERRORS = {
    "401": "Missing, malformed, unknown or revoked API key (`unauthorized`).",
    "402": "Free plan (`api_access_not_in_plan`) or not enough credits.",
    "403": "The key lacks the scope named in `x-required-scope` (`missing_scope`).",
    "429": "Rate limited (`rate_limited`); see `Retry-After`.",
}


def _scope_of(dependant: Dependant) -> str | None:
    for dep in dependant.dependencies:
        scope = getattr(dep.call, SCOPE_ATTR, None)
        if scope:
            return str(scope)
        found = _scope_of(dep)
        if found:
            return found
    return None


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every API route, including those of included routers.

    Recent FastAPI includes routers lazily; ``iter_route_contexts`` resolves their prefixes.
    """
    iter_contexts = getattr(fastapi_routing, "iter_route_contexts", None)
    if iter_contexts is None:  # older FastAPI copies included routes into app.routes
        for route in app.routes:
            if isinstance(route, APIRoute):
                yield route.path_format, route
        return
    for context in iter_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            yield str(context.path_format), route


def build(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=(
            'Every error is `{"error": {"code", "message", "details"?}}`. Authenticate '
            "with `x-api-key` or `Authorization: Bearer`. Keys with no scopes have full access."
        ),
        routes=app.routes,
    )
    components = doc.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "x-api-key"},
        "BearerKey": {"type": "http", "scheme": "bearer"},
    }
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    headers = {
        name: {"description": d, "schema": {"type": "integer" if name[:2] == "X-" else "string"}}
        for name, d in _RATE_HEADERS.items()
    }
    for path, route in api_routes(app):
        if not route.include_in_schema:
            continue
        scope = _scope_of(route.dependant)
        for method in route.methods or ():
            op = doc["paths"].get(path, {}).get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            if "422" in responses and "400" not in responses:
                responses["400"] = responses.pop("422")
            responses.pop("422", None)
            responses.setdefault("400", {"description": "Invalid JSON or validation error."})
            responses.setdefault(
                "500", {"description": "Internal error (a bug); quotes a request id."}
            )
            if scope:
                op["x-required-scope"] = scope
                op["security"] = [{"ApiKeyHeader": []}, {"BearerKey": []}]
                for status, text in _AUTH_ERRORS.items():
                    responses.setdefault(status, {"description": text})
                for status, resp in responses.items():
                    if status.startswith("2"):
                        resp["headers"] = headers
            for status, resp in responses.items():
                if status[0] in "45":
                    resp["content"] = error_ref
    return doc


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    async def well_known(_request: Request) -> JSONResponse:
        return JSONResponse(app.openapi())

    app.add_route("/.well-known/openapi.json", well_known, include_in_schema=False)
