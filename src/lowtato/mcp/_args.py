"""The argument types the tools share: bounded ids, the platform and event names as enums,
page bounds. A tool's input schema is built from these, so an agent sees the limits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

Id = Annotated[str, Field(min_length=1, max_length=100)]
Url = Annotated[str, Field(min_length=1, max_length=2048)]
Short = Annotated[str, Field(max_length=500)]
Platform = Literal[
    "twitter", "instagram", "linkedin", "tiktok", "facebook", "threads", "bluesky", "youtube",
    "pinterest",
]  # fmt: skip
Event = Literal[
    "post.published", "post.failed", "post.scheduled", "post.unconfirmed",
    "account.connected", "account.disconnected", "credits.low", "schedule.published",
]  # fmt: skip
Options = Annotated[
    dict[str, Any] | None,
    Field(description="Platform options (see list_platforms), e.g. YouTube title."),
]
When = Annotated[
    datetime | None, Field(description="ISO 8601 time with a timezone, in the future.")
]
Limit = Annotated[int, Field(ge=1, le=100)]
Offset = Annotated[int, Field(ge=0)]
IdempotencyKey = Annotated[
    str | None,
    Field(max_length=255, description="Send the same key to retry safely (no second create)."),
]
Json = dict[str, Any]
