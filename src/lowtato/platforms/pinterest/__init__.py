"""Pinterest API v5 adapter (docs/reference/platforms.md §10)."""
