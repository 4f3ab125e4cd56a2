"""Every error_code a post can end with is in the table agents read (OpenAPI, README)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from lowtato.posts.outcomes import OUTCOMES

SRC = Path(__file__).resolve().parents[2] / "src" / "lowtato"
README = Path(__file__).resolve().parents[2] / "README.md"
# A platform error code (Rejected(code=…), a class's `code = …`) or a code the publish flows
# give to fail(…) / record a retry with.
PATTERNS = (
    re.compile(r'code(?:: str)? ?= ?"([a-z_]+)"'),
    re.compile(r'(?:fail|_fail_post)\(\s*session,\s*post,\s*"([a-z_]+)"'),
)
# OAuth and delete errors never end a post; unknown_outcome always becomes `unconfirmed` first.
NOT_POST_CODES = {
    "oauth_failed",
    "oauth_not_supported",
    "oauth_client",
    "not_deleted",
    "unknown_outcome",
}


def _emitted() -> set[str]:
    found: set[str] = set()
    for path in [*SRC.joinpath("platforms").rglob("*.py"), *SRC.joinpath("posts").rglob("*.py")]:
        text = path.read_text()
        for pattern in PATTERNS:
            found.update(pattern.findall(text))
    return found - NOT_POST_CODES


def test_every_code_the_engine_and_adapters_use_is_described() -> None:
    missing = _emitted() - set(OUTCOMES)
    assert not missing, f"add these to posts/outcomes.py: {sorted(missing)}"


def test_the_readme_lists_every_code() -> None:
    readme = README.read_text()
    missing = [code for code in OUTCOMES if f"`{code}`" not in readme]
    assert not missing, missing


async def test_openapi_describes_the_codes(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    description = schema["components"]["schemas"]["PostOut"]["properties"]["error_code"][
        "description"
    ]
    for code, outcome in OUTCOMES.items():
        assert f"`{code}` ({outcome.action})" in description
