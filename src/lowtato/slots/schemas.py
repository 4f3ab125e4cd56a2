"""Slot request/response models."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from lowtato.kit.params import one_of
from lowtato.kit.tz import TimezoneName
from lowtato.platforms.names import PLATFORMS

_STRICT = ConfigDict(extra="forbid")


class SlotIn(BaseModel):
    model_config = _STRICT
    day: int = Field(strict=True, ge=0, le=6, description="0 = Sunday … 6 = Saturday")
    hour: int = Field(strict=True, ge=0, le=23)
    minute: int = Field(default=0, strict=True, ge=0, le=59)
    selectedTargets: list[str] = Field(  # noqa: N815 - contract field name
        default_factory=list, description="Account ids; empty = every account."
    )


class SlotsCreate(BaseModel):
    model_config = _STRICT
    slots: list[SlotIn] = Field(min_length=1, max_length=200)


class SlotOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "slot_01kt1gw6g03v09skpabgvtmx0s",
                    "day": 1,
                    "hour": 9,
                    "minute": 30,
                    "selected_targets": ["acc_01kt1gw6g09k0knd661gkyn34x"],
                    "platforms": ["bluesky"],
                }
            ]
        }
    )

    id: str
    day: int
    hour: int
    minute: int
    selected_targets: list[str]
    platforms: list[str]


class SlotList(BaseModel):
    # Its slots repeat SlotOut's example (kit.examples).
    model_config = ConfigDict(json_schema_extra={"examples": [{"timezone": "Europe/Paris"}]})

    slots: list[SlotOut]
    timezone: str = Field(description="The owner's timezone the wall-clock times are in.")


class SlotsCreated(BaseModel):
    created: int
    slots: list[SlotOut]


class AutoConfigure(BaseModel):
    model_config = _STRICT
    platforms: list[Annotated[str, Field(json_schema_extra=one_of(PLATFORMS))]] = Field(
        min_length=1
    )
    posts_per_day: int = Field(default=1, strict=True, ge=1, le=10)
    timezone: TimezoneName | None = Field(
        default=None, description="IANA zone; also becomes the profile's"
    )
    include_weekends: bool = Field(default=False, strict=True)


class AutoConfigured(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "configured": True,
                    "slots_created": 1,
                    "timezone": "Europe/Paris",
                    "sources": {"bluesky": ["https://www.mediafa.st/schedule-bluesky-posts"]},
                }
            ]
        }
    )

    configured: bool = True
    slots_created: int
    timezone: str
    slots: list[SlotOut]
    sources: dict[str, list[str]] = Field(
        description="Per platform, where its best posting times come from."
    )
