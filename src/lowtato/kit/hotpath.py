"""The GETs agents poll, served without FastAPI's router and dependency solver.

Profiled in-process, an authenticated ``GET /api/v1/posts/{id}`` spent about a fifth of its
CPU matching routes (the application's router, then the included router's, route by route)
and a third solving dependencies, against a few percent reading the post
(docs/performance.md). For routes whose whole input is their path and whose dependencies each
take only the request, none of that work decides anything: this layer matches them itself
and calls the same dependencies and the same endpoint, in the same order, then validates and
serialises the result with FastAPI's own ``serialize_response``. Errors go to the
application's exception handlers, as FastAPI would send them; the log line and metrics name
the same route. Everything else, and every route of another shape, goes on to FastAPI.

Which routes qualify is read from the routes themselves at the first request
(``hot_routes``): a GET ``APIRoute`` with only plain ``str`` path parameters, no query,
header, cookie or body parameters, and only ``async def`` dependencies whose sole parameter
is the ``Request`` (authentication with its rate limit, the fast-read handle). A hot route is
taken only when no route before it in FastAPI's order would answer the same GET, so a fixed
path declared before a ``/{id}`` route keeps its own handler.
``tests/kit/test_hotpath.py`` compares both paths' answers byte for byte.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi import routing as fastapi_routing
from fastapi.datastructures import DefaultPlaceholder
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, serialize_response
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

_Dependency = Callable[[Request], Awaitable[Any]]


@dataclass(frozen=True)
class HotRoute:
    route: APIRoute
    pattern: re.Pattern[str]
    # Patterns of the GET routes FastAPI tries first: a path one of them matches is theirs.
    earlier: tuple[re.Pattern[str], ...]
    dependencies: tuple[tuple[str, _Dependency], ...]

    async def respond(self, request: Request, params: dict[str, str]) -> Response:
        route = self.route
        values: dict[str, Any] = dict(params)
        solved: dict[_Dependency, Any] = {}  # FastAPI calls a dependency once per request
        for name, dependency in self.dependencies:
            if dependency not in solved:
                solved[dependency] = await dependency(request)
            values[name] = solved[dependency]
        result = await route.endpoint(**values)
        if isinstance(result, Response):
            return result
        content = await serialize_response(
            field=route.response_field,
            response_content=result,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            dump_json=True,
        )
        status = route.status_code or 200
        return Response(content, status_code=status, media_type="application/json")


def _plain_dependencies(dependant: Dependant) -> tuple[tuple[str, _Dependency], ...] | None:
    found = []
    for sub in dependant.dependencies:
        leaf = not (
            sub.path_params or sub.query_params or sub.header_params or sub.cookie_params
            or sub.body_params or sub.dependencies or sub.response_param_name
            or sub.background_tasks_param_name or sub.security_scopes_param_name
        )  # fmt: skip
        call = sub.call
        if call is None or not inspect.iscoroutinefunction(call):
            return None
        takes_request = list(inspect.signature(call).parameters) == [sub.request_param_name]
        if not (leaf and takes_request and sub.use_cache and sub.name):
            return None
        found.append((sub.name, call))
    return tuple(found)


def _qualifies(route: APIRoute) -> tuple[tuple[str, _Dependency], ...] | None:
    dependant = route.dependant
    if (
        route.methods != {"GET"}
        or not isinstance(route.response_class, DefaultPlaceholder)
        or route.response_field is None
        or not inspect.iscoroutinefunction(route.endpoint)
        or dependant.query_params or dependant.header_params or dependant.cookie_params
        or dependant.body_params or dependant.request_param_name
        or dependant.response_param_name or dependant.background_tasks_param_name
        or any(p.field_info.annotation is not str or p.field_info.metadata
               for p in dependant.path_params)
    ):  # fmt: skip
        return None
    return _plain_dependencies(dependant)


def _pattern_of(route: Any, path_format: str | None) -> re.Pattern[str] | None:
    if path_format is not None:
        return compile_path(path_format)[0]
    return getattr(route, "path_regex", None)


def hot_routes(app: FastAPI) -> list[HotRoute]:
    """The routes this layer serves, in FastAPI's matching order."""
    found: list[HotRoute] = []
    earlier: list[re.Pattern[str]] = []
    for context in fastapi_routing.iter_route_contexts(app.routes):
        route = context.original_route
        api = route if isinstance(route, APIRoute) else None
        pattern = _pattern_of(route, str(context.path_format) if api else None)
        methods = getattr(route, "methods", None)
        if pattern is None or (methods is not None and "GET" not in methods):
            continue  # a Mount (no methods) may answer any GET under it, so it counts
        # A route an include moved (a prefix of its own) keeps FastAPI's path.
        dependencies = _qualifies(api) if api and context.path_format == api.path_format else None
        if api and dependencies is not None:
            found.append(HotRoute(api, pattern, tuple(earlier), dependencies))
        earlier.append(pattern)
    return found


class HotPathMiddleware:
    """Innermost of the application's middleware, so the request context and body limit
    still wrap every request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.routes: list[HotRoute] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            served = await self._serve(scope, receive, send)
            if served:
                return
        await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> bool:
        app: FastAPI = scope["app"]
        if app.dependency_overrides:  # tests that replace a dependency get FastAPI's path
            return False
        if self.routes is None:
            self.routes = hot_routes(app)
        path = scope["path"]
        for hot in self.routes:
            match = hot.pattern.match(path)
            if match is None:
                continue
            if any(other.match(path) for other in hot.earlier):
                return False
            scope["route"] = hot.route
            scope["path_params"] = params = match.groupdict()
            request = Request(scope, receive)
            try:
                response = await hot.respond(request, params)
            except Exception as exc:
                handler = _handler_for(app, exc)
                if handler is None:
                    raise
                response = await handler(request, exc)
            await response(scope, receive, send)
            return True
        return False


def _handler_for(app: FastAPI, exc: Exception) -> Any:
    """The exception handler Starlette's ``ExceptionMiddleware`` would pick: the nearest
    class in the exception's MRO."""
    for cls in type(exc).__mro__:
        if cls is Exception:  # that one is the server error handler's, outside
            return None
        if cls in app.exception_handlers:
            return app.exception_handlers[cls]
    return None
