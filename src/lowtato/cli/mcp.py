"""``lowtato mcp``: the MCP server over stdio, for Claude Desktop, Cursor and other MCP
clients that start a command."""

from __future__ import annotations

import importlib
import os

import anyio
import typer


def mcp() -> None:
    """Serve Lowtato's MCP tools over stdio, calling the API at $LOWTATO_BASE_URL
    (default http://127.0.0.1:8000) with the key in $LOWTATO_API_KEY."""
    key = os.environ.get("LOWTATO_API_KEY", "").strip()
    if not key:
        typer.echo("Set LOWTATO_API_KEY to your API key (lt_live_… or lt_test_…).", err=True)
        raise typer.Exit(2)
    # The MCP SDK (some 16 MiB resident) loads when this command runs, not whenever any
    # `lowtato` command, `serve` included, starts (docs/performance.md).
    stdio = importlib.import_module("lowtato.mcp.stdio")
    anyio.run(stdio.serve_stdio, key, os.environ.get("LOWTATO_BASE_URL") or None)
