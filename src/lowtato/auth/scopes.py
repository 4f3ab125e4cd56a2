"""Scopes a key may carry. A key with no scopes has full access."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    posts_read = "posts:read"
    posts_write = "posts:write"
    accounts_read = "accounts:read"
    accounts_write = "accounts:write"
    analytics_read = "analytics:read"
    ai_generate = "ai:generate"
    webhooks_write = "webhooks:write"


ALL_SCOPES: tuple[str, ...] = tuple(s.value for s in Scope)


def parse_scopes(raw: str | list[str] | None) -> list[str]:
    """Validate a comma list (CLI) or list (API) of scopes; unknown ones raise ValueError."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    scopes = [s.strip() for s in items if s.strip()]
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown:
        msg = f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(ALL_SCOPES)}"
        raise ValueError(msg)
    return sorted(set(scopes))
