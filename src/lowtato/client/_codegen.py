"""Writes the sync client from the async one (``python -m lowtato.client._codegen``), the
way httpcore keeps its two halves identical: one source, no drift. ``tests/client`` fails
when a generated file is stale."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
PAIRS = {"_async_client.py": "_sync_client.py", "_async_resources.py": "_sync_resources.py"}

_SUBS: list[tuple[str, str]] = [
    (r"\basync def\b", "def"),
    (r"\basync for\b", "for"),
    (r"\basync with\b", "with"),
    (r"\bawait ", ""),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\.aclose\(\)", ".close()"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"^import asyncio$", "import time"),
    (r"\b_async_(client|resources)\b", r"_sync_\1"),
    (r"\bAsync(?=[A-Z])", ""),
    (r"  # noqa: ASYNC\d+[^\n]*", ""),
]


def generate(source: str, async_name: str, sync_name: str) -> str:
    text = source
    for pattern, replacement in _SUBS:
        text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
    text = text.replace(
        f"``{sync_name}`` is generated from this file by ``python -m lowtato.client._codegen``;\n"
        "edit this one.",
        f"Generated from ``{async_name}`` by ``python -m lowtato.client._codegen``; do not\nedit.",
    )
    lines, seen = [], set()
    for line in text.splitlines(keepends=True):
        if line.startswith("import "):  # asyncio → time may repeat an import
            if line in seen:
                continue
            seen.add(line)
        lines.append(line)
    return _ruff_format("".join(lines))


def _ruff_format(text: str) -> str:
    # Renamed imports get re-sorted, ``for x in xs: yield x`` becomes ``yield from`` and
    # lines shortened by dropping ``await`` are re-wrapped, as the project's linter and
    # formatter want, so the generated files pass ``ruff check`` and ``ruff format --check``.
    name = str(HERE / "generated.py")
    fix = ["check", "--fix", "--unsafe-fixes", "--select", "I001,UP028", "--stdin-filename"]
    text = _ruff([*fix, name, "-"], text, check=False)
    return _ruff(["format", "--stdin-filename", name, "-"], text, check=True)


def _ruff(args: list[str], text: str, *, check: bool) -> str:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "ruff", *args],
        input=text,
        capture_output=True,
        text=True,
        check=check,
    )
    return result.stdout


def expected() -> dict[Path, str]:
    return {
        HERE / sync: generate((HERE / src).read_text(), src, sync) for src, sync in PAIRS.items()
    }


def main() -> None:
    for path, text in expected().items():
        path.write_text(text)


if __name__ == "__main__":
    main()
