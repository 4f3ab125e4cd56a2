"""Libraries that only some requests need load at their first use, not when the server starts
(kit/lazy.py; docs/performance.md): each costs every idle ``lowtato serve`` its memory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lowtato.kit.lazy import lazy_module

# What the API app must not import on its own: billing's Stripe (and the requests stack it
# brings), Pillow, the MCP SDK and our API client, Alembic, Jinja2, limits and redis.
LATER = [
    "stripe",
    "requests",
    "PIL",
    "mcp",
    "lowtato.client",
    "alembic",
    "jinja2",
    "limits",
    "redis",
]


def _run(code: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter: this test session has imported everything already.
    return subprocess.run(  # noqa: S603 - our own code, on this interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )


def test_importing_the_app_and_its_cli_loads_none_of_the_libraries_needed_later() -> None:
    code = (
        "import json, sys\n"
        "import lowtato.cli.main, lowtato.app\n"
        f"print(json.dumps([m for m in {LATER!r} if m in sys.modules]))\n"
    )
    done = _run(code)
    assert json.loads(done.stdout) == []


def test_a_lazy_module_imports_at_the_first_attribute_read() -> None:
    code = (
        "import sys\n"
        "from lowtato.kit.lazy import lazy_module\n"
        "wave = lazy_module('wave')\n"
        "print('wave' in sys.modules, wave.Error.__module__, 'wave' in sys.modules)\n"
    )
    done = _run(code)
    assert done.stdout.split() == ["False", "wave", "True"]


def test_a_missing_module_fails_at_its_first_use_with_the_usual_error() -> None:
    missing = lazy_module("lowtato_no_such_module")
    with pytest.raises(ModuleNotFoundError, match="lowtato_no_such_module"):
        _ = missing.anything
