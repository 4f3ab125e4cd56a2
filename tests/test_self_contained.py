"""The repository stands on its own: comments and docs cite files inside it, and every such
file exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = [
    *ROOT.joinpath("src").rglob("*.py"),
    *ROOT.joinpath("tests").rglob("*.py"),
    *ROOT.joinpath("bench").rglob("*.py"),
    *ROOT.joinpath("bench").rglob("*.md"),
    *ROOT.joinpath("docs").rglob("*.md"),
    ROOT / "README.md",
]
OUTSIDE = re.compile(
    r"\.\./shared|(?<![\w/.])shared/(?:reference|contract|DESIGN|STYLE)|\.\./contract"
)
# A document cited by name must be the one in docs/ (no bare "platforms.md §2").
BARE = re.compile(
    r"(?<![\w/.-])(?:platforms|reliability|best-times)\.md|(?<![\w/.-])(?:DESIGN|STYLE)\.md"
)
CITED = re.compile(r"(?<![\w/.-])docs/[\w./-]+\.(?:md|txt)")


def _lines() -> list[tuple[Path, int, str]]:
    here = Path(__file__).resolve()
    return [
        (path, n, line)
        for path in TEXT
        if path.resolve() != here
        for n, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
    ]


def test_nothing_cites_files_outside_the_repository() -> None:
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()}" for p, n, line in _lines()
             if OUTSIDE.search(line) or BARE.search(line)]  # fmt: skip
    assert not found, "\n".join(found[:20])


def test_every_cited_document_exists() -> None:
    missing = sorted(
        {m for _, _, line in _lines() for m in CITED.findall(line) if not (ROOT / m).exists()}
    )
    assert not missing, missing
