"""The OpenAPI document, describing what the server really does.

On top of FastAPI's generation it adds: the API-key security schemes, the error envelope on
every operation (with the statuses the operation can return), the scope each route needs as
``x-required-scope`` (read from the auth dependency itself, so it cannot drift), the
rate-limit headers, and an example on every JSON answer (``kit.examples``). Served at
``/openapi.json`` and ``/.well-known/openapi.json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse

from lowtato.errors import LowtatoError
from lowtato.kit.examples import Examples, error_example

SCOPE_ATTR = "__lowtato_scope__"
# Set on the dependency that declares the Idempotency-Key header (idempotency/service.py).
IDEMPOTENT_ATTR = "__lowtato_idempotent__"

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


_IDEMPOTENCY_ERRORS = {
    "409": "The object's state forbids this (`conflict`), or the same `Idempotency-Key` is "
    "still running (`idempotency_key_in_use`, with `Retry-After`).",
    "422": "The `Idempotency-Key` was used with a different body (`idempotency_key_reused`).",
}
_NOT_FOUND = "An id in the path or body names nothing this key can see (`not_found`)."
_CONFLICT = "The object's state forbids this (`conflict`); the message says why."
_UNAVAILABLE = (
    "A write waited too long for the database, or a dependency is down "
    "(`service_unavailable`); nothing was changed. Retry after `Retry-After` seconds."
)
_WRITES = {"post", "put", "patch", "delete"}
_REF = re.compile(r"#/components/schemas/([A-Za-z0-9_.\-]+)")
_TOO_LARGE = "The JSON body is over the server's limit (`payload_too_large`); nothing was read."


def _error_classes() -> list[type[LowtatoError]]:
    found: list[type[LowtatoError]] = []
    stack: list[type[LowtatoError]] = [LowtatoError]
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def error_codes() -> dict[str, list[str]]:
    """Every error code the API can answer, by HTTP status (read from the error tree, so a
    new error class is documented without editing this file)."""
    found: dict[str, set[str]] = {}
    for cls in _error_classes():
        found.setdefault(str(cls.status), set()).add(cls.code)
    found.setdefault("413", set()).add("payload_too_large")
    return {status: sorted(codes) for status, codes in found.items()}


def error_messages() -> dict[str, str]:
    """Each error code's default message (the first class to declare the code wins)."""
    messages: dict[str, str] = {}
    for cls in _error_classes():
        messages.setdefault(cls.code, cls.default_message)
    return messages


def _add_examples(doc: dict[str, Any], codes: dict[str, list[str]]) -> None:
    """An example on every JSON response: the schema's (see ``kit.examples``) on a success,
    the envelope with a code the status carries on an error."""
    examples = Examples(doc.get("components", {}))
    messages = error_messages()
    for item in doc["paths"].values():
        for op in item.values():
            for status, resp in op.get("responses", {}).items():
                media = resp.get("content", {}).get("application/json")
                if media is None or "example" in media or "examples" in media:
                    continue
                if status[0] in "45" and "x-error-codes" in resp:
                    found = error_example(
                        resp.get("description", ""), codes.get(status, []), messages
                    )
                    if found is not None:
                        resp["content"] = {"application/json": {**media, "example": found}}
                elif status[0] == "2" or "x-error-codes" not in resp:  # e.g. health's 503
                    media["example"] = examples.of(media.get("schema", {}))


def operation_id(route: APIRoute) -> str:
    """A stable, readable operationId from the endpoint function's name: ``get_post`` →
    ``getPost`` (client generators turn it into method names)."""
    head, *rest = route.name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _drop_unused_schemas(doc: dict[str, Any]) -> None:
    schemas: dict[str, Any] = doc.get("components", {}).get("schemas", {})
    while True:
        text = json.dumps({k: v for k, v in doc.items() if k != "components"})
        text += json.dumps(schemas)
        used = set(_REF.findall(text))
        unused = [name for name in schemas if name not in used]
        if not unused:
            return
        for name in unused:
            del schemas[name]


def _marker(dependant: Dependant, attr: str) -> object:
    for dep in dependant.dependencies:
        value = getattr(dep.call, attr, None)
        if value:
            return value
        found = _marker(dep, attr)
        if found:
            return found
    return None


def _scope_of(dependant: Dependant) -> str | None:
    scope = _marker(dependant, SCOPE_ATTR)
    return str(scope) if scope else None


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


def _error_statuses(
    responses: dict[str, Any], route: APIRoute, method: str, scope: str | None
) -> None:
    """The error statuses an operation can answer, derived from the route itself."""
    if "422" in responses and "400" not in responses:
        responses["400"] = responses.pop("422")
    responses.pop("422", None)  # FastAPI's validation error; ours is a 400
    responses.setdefault("400", {"description": "Invalid JSON or validation error."})
    responses.setdefault("500", {"description": "Internal error (a bug); quotes a request id."})
    responses.setdefault("503", {"description": _UNAVAILABLE})
    has_path_params = bool(route.dependant.path_params)
    if scope or has_path_params:
        responses.setdefault("404", {"description": _NOT_FOUND})
    if scope and has_path_params and method.lower() in _WRITES:
        responses.setdefault("409", {"description": _CONFLICT})
    if _marker(route.dependant, IDEMPOTENT_ATTR):
        for status, text in _IDEMPOTENCY_ERRORS.items():
            responses.setdefault(status, {"description": text})
    if route.body_field is not None:
        responses.setdefault("413", {"description": _TOO_LARGE})


def _returns_id(doc: dict[str, Any], response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = doc["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
    return "id" in schema.get("properties", {})


def _add_links(doc: dict[str, Any]) -> None:
    """OpenAPI links from each create to the operations on what it created: the ``id`` a 201
    answers is the first path parameter below the collection (``POST /api/v1/webhooks`` →
    ``/api/v1/webhooks/{webhook_id}/…``; ``POST /api/v1/accounts/connect`` →
    ``/api/v1/accounts/{account_id}/…``). A scheduled post's id is also its schedule's id."""
    paths: dict[str, dict[str, Any]] = doc["paths"]
    for create_path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if "{" in create_path or not created or not _returns_id(doc, created):
            continue
        bases = {create_path, create_path.rsplit("/", 1)[0]}
        if create_path == "/api/v1/posts":
            bases.add("/api/v1/schedules")
        links: dict[str, Any] = {}
        for path, target in paths.items():
            for base in bases:
                head, _, rest = path.partition(base + "/{")
                if head or not rest:
                    continue
                param = rest.split("}", 1)[0]
                for op in target.values():
                    links[op["operationId"]] = {
                        "operationId": op["operationId"],
                        "parameters": {f"path.{param}": "$response.body#/id"},
                    }
        if links:
            created["links"] = links


def _replay_like_created(responses: dict[str, Any]) -> None:
    """An idempotent create's replay (200) answers what the create (201) answered."""
    created, replay = responses.get("201"), responses.get("200")
    if created and replay and "content" in created and "content" not in replay:
        replay["content"] = created["content"]


def build(app: FastAPI, public_url: str = "") -> dict[str, Any]:
    doc = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=(
            'Every error is `{"error": {"code", "message", "details"?}}`. Authenticate '
            "with `x-api-key` or `Authorization: Bearer`. Keys with no scopes have full access."
        ),
        routes=app.routes,
        servers=[{"url": public_url.rstrip("/"), "description": "This server"}]
        if public_url
        else None,
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
    limited = {
        **headers,
        "Retry-After": {"description": "Seconds to wait before retrying.",
                        "schema": {"type": "integer"}},
    }  # fmt: skip
    codes = error_codes()
    for path, route in api_routes(app):
        if not route.include_in_schema:
            continue
        scope = _scope_of(route.dependant)
        for method in route.methods or ():
            op = doc["paths"].get(path, {}).get(method.lower())
            if op is None:
                continue
            responses = op.setdefault("responses", {})
            _error_statuses(responses, route, method, scope)
            if scope:
                op["x-required-scope"] = scope
                op["security"] = [{"ApiKeyHeader": []}, {"BearerKey": []}]
                for status, text in _AUTH_ERRORS.items():
                    responses.setdefault(status, {"description": text})
                for status, resp in responses.items():
                    if status.startswith("2"):
                        resp["headers"] = headers
                responses["429"]["headers"] = limited
            _replay_like_created(responses)
            for status, resp in responses.items():
                if status[0] in "45" and not resp.get("x-not-an-error"):
                    resp["content"] = error_ref
                    resp["x-error-codes"] = codes.get(status, [])
                resp.pop("x-not-an-error", None)
    _add_examples(doc, codes)
    _add_links(doc)
    _drop_unused_schemas(doc)
    return doc


def install_openapi(app: FastAPI, public_url: str = "") -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app, public_url)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    async def well_known(_request: Request) -> JSONResponse:
        return JSONResponse(app.openapi())

    app.add_route("/.well-known/openapi.json", well_known, include_in_schema=False)
