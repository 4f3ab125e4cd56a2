"""``/.well-known/agents.json`` (the agent card) and ``/sitemap.xml``: where an agent finds
the API, how it authenticates and what it can do. Capabilities come from the OpenAPI
document's tags and operations, so a new route shows up without editing this file."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from lowtato.platforms.names import Platform

# The public documents this server serves (sitemap order).
PUBLIC_PATHS = (
    "/docs",
    "/redoc",
    "/llms.txt",
    "/openapi.json",
    "/.well-known/openapi.json",
    "/.well-known/agents.json",
    "/pricing.json",
    "/api/v1/platforms",
    "/api/health",
)


def capabilities(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per OpenAPI tag: its operations as ``METHOD path`` with their summaries."""
    found: dict[str, list[dict[str, str]]] = {}
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            tag = (op.get("tags") or ["Other"])[0]
            found.setdefault(tag, []).append(
                {
                    "operation": f"{method.upper()} {path}",
                    "summary": op.get("summary", ""),
                    "scope": op.get("x-required-scope") or "none",
                }
            )
    return [{"name": tag, "operations": ops} for tag, ops in found.items()]


def agent_card(doc: dict[str, Any], base_url: str, limits: dict[str, int]) -> dict[str, Any]:
    base = base_url.rstrip("/")
    return {
        "schema_version": "1.0",
        "name": "Lowtato",
        "description": "Social media automation API for AI agents: connect accounts on nine "
        "platforms, generate content, schedule it into time slots, publish it (never twice) "
        "and read analytics, with signed webhooks. Test keys post to a sandbox network.",
        "url": base,
        "version": doc["info"]["version"],
        "platforms": [p.value for p in Platform],
        "authentication": {
            "schemes": [
                {"type": "apiKey", "in": "header", "name": "x-api-key"},
                {"type": "http", "scheme": "bearer"},
            ],
            "key_formats": {"live": "lt_live_…", "test": "lt_test_… (sandbox network)"},
            "scopes": sorted(
                {
                    op["x-required-scope"]
                    for item in doc["paths"].values()
                    for op in item.values()
                    if isinstance(op, dict) and op.get("x-required-scope")
                }
            ),
            "obtain": "Ask the server's operator (lowtato keys create) or the owner's settings.",
        },
        "api": {
            "base_url": base,
            "openapi": f"{base}/openapi.json",
            "openapi_well_known": f"{base}/.well-known/openapi.json",
            "docs": f"{base}/docs",
            "redoc": f"{base}/redoc",
            "llms_txt": f"{base}/llms.txt",
        },
        "mcp": {
            "http": {
                "url": f"{base}/mcp",
                "transport": "streamable-http",
                "auth": "x-api-key or Authorization: Bearer header",
            },
            "stdio": {
                "command": "lowtato",
                "args": ["mcp"],
                "env": {"LOWTATO_API_KEY": "lt_live_…", "LOWTATO_BASE_URL": base},
            },
        },
        "pricing": f"{base}/pricing.json",
        "rate_limits": limits,
        "errors": {
            "envelope": {"error": {"code": "string", "message": "string", "details": "optional"}}
        },
        "capabilities": capabilities(doc),
    }


def sitemap(base_url: str) -> str:
    base = base_url.rstrip("/")
    urls = "".join(f"  <url><loc>{escape(base + path)}</loc></url>\n" for path in PUBLIC_PATHS)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}</urlset>\n"
    )
