"""Response shapes every domain shares: a list page's ``meta``, a deletion's and an
update's answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ListMeta(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"limit": 20, "offset": 0, "count": 1, "has_more": False}]}
    )

    limit: int
    offset: int
    count: int = Field(description="Total matching items, not just this page.")
    has_more: bool


class Deleted(BaseModel):
    deleted: Literal[True] = True


class Updated(BaseModel):
    updated: Literal[True] = True
