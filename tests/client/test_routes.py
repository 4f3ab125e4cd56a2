"""The SDK maps every route the server documents, with the right method, path and
idempotency, and stands on its own (no server code, sync half up to date)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
from tests.client.conftest import BASE

from lowtato.client import AsyncLowtato, Lowtato
from lowtato.client._codegen import expected
from lowtato.client._routes import NOT_MAPPED, ROUTES

CLIENT_DIR = Path(__file__).resolve().parents[2] / "src" / "lowtato" / "client"
MCP_DIR = CLIENT_DIR.parent / "mcp"


def _operations(doc: dict[str, Any]) -> dict[str, tuple[str, str, bool]]:
    found = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
            found[op["operationId"]] = (method.upper(), path, "Idempotency-Key" in headers)
    return found


async def test_every_documented_route_is_mapped(client: httpx.AsyncClient) -> None:
    served = _operations((await client.get("/openapi.json")).json())
    unmapped = set(served) - set(ROUTES) - NOT_MAPPED
    assert not unmapped, f"add these operations to lowtato/client/_routes.py: {unmapped}"
    gone = set(ROUTES) - set(served)
    assert not gone, f"the server no longer serves: {gone}"
    for op, route in ROUTES.items():
        assert served[op] == (route.method, route.path, route.idempotency_key), op


def test_every_route_has_a_method_on_both_clients() -> None:
    for client in (Lowtato("k", base_url=BASE), AsyncLowtato("k", base_url=BASE)):
        for route in ROUTES.values():
            target: Any = client
            for part in route.sdk.split("."):
                target = getattr(target, part)
            assert callable(target), route.sdk


def test_sync_client_is_generated_from_the_async_one() -> None:
    for path, text in expected().items():
        assert path.read_text() == text, f"run: python -m lowtato.client._codegen ({path.name})"


def test_client_and_mcp_import_no_server_code() -> None:
    for path in [*CLIENT_DIR.rglob("*.py"), *MCP_DIR.rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("lowtato."):
                    assert name.split(".")[1] in {"client", "mcp"}, f"{path.name}: {name}"
