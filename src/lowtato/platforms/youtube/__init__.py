"""YouTube Data API v3 live adapter (docs/reference/platforms.md §9)."""
