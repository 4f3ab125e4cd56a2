"""Two properties of the routing table the hot path relies on.

- Every dependency is a coroutine (or async generator) function: FastAPI runs a plain
  ``def`` dependency in a worker thread, a thread hop per request that cost more than the
  whole database read of ``GET /api/v1/posts/{id}``.
- The routers matched first for speed (``app.HOT_ROUTERS``) take no request that a router
  listed before them in ``app.ROUTERS`` would have answered.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from lowtato.app import HOT_ROUTERS, ROUTERS


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def test_no_dependency_runs_in_a_worker_thread() -> None:
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    assert len(routes) > 50
    blocking = sorted(
        f"{route.path}: {getattr(call, '__qualname__', call)}"
        for route in routes
        for call in _calls(route.dependant)
        if not (inspect.iscoroutinefunction(call) or inspect.isasyncgenfunction(call))
    )
    assert blocking == []


def _example(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x1", path)


def test_hot_routers_take_no_path_of_a_router_listed_before_them() -> None:
    stolen = []
    for position, router in enumerate(ROUTERS):
        if router in HOT_ROUTERS:
            continue
        hot_after = [r for r in HOT_ROUTERS if ROUTERS.index(r) > position]
        for route in router.routes:
            assert isinstance(route, APIRoute)
            scope = {"type": "http", "path": _example(route.path), "method": "GET"}
            for hot in hot_after:
                for candidate in hot.routes:
                    assert isinstance(candidate, APIRoute)
                    matched, _ = candidate.matches({**scope, "method": next(iter(route.methods))})
                    if matched.name == "FULL":
                        stolen.append(f"{route.path} {route.methods} by {candidate.path}")
    assert stolen == []
