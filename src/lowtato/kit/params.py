"""Request field types shared by every route, bounded to what the rest of the stack accepts.

Input the schema allows must never become a 500 further down: a page offset past 64 bits
overflows the database's INTEGER, a time that leaves years 1-9999 once converted to UTC
overflows Python's ``datetime``, and pydantic's lax mode would turn ``0.5`` into a timestamp or
``false`` into ``0`` although the schema says "date-time" and "integer". These types refuse such
input at validation, so it is a 400 ``validation_error`` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

# SQLite's INTEGER and PostgreSQL's BIGINT are signed 64-bit.
MAX_INT64 = 2**63 - 1

Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1-100 (more is a 400).")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT64, description="Items to skip, 0 or more.")]

# An ISO 8601 date-time starts with a four-digit year and a month; pydantic would also read a
# bare number as a Unix timestamp, which the schema's "date-time" does not allow.
_ISO_START = re.compile(r"^\d{4}-\d{2}")


def _iso_only(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_START.match(value):
        raise ValueError("must be an ISO 8601 date-time with a timezone, e.g. 2026-12-01T09:00:00Z")
    return value


def _in_utc_calendar(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("must fall within years 1-9999 once converted to UTC") from None
    return value


UtcDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_only), AfterValidator(_in_utc_calendar)]
"""A date-time with a timezone, written in ISO 8601, that converts to UTC."""

StrictInt = Annotated[int, Field(strict=True)]
"""A JSON integer: not a boolean, a float or a numeric string."""

StrictBool = Annotated[bool, Field(strict=True)]
"""A JSON boolean: not 0/1 or "yes"."""


def one_of(values: Iterable[str]) -> dict[str, Any]:
    """``json_schema_extra`` stating the values a string field accepts. The server checks them
    itself (with a message listing them), so the schema states what it enforces without
    pydantic's generic enum error replacing that message."""
    return {"enum": list(values)}
