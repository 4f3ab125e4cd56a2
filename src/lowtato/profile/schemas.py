"""Profile request/response models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from lowtato.auth.models import UserType
from lowtato.brand.schemas import BrandName, LongText, Topics
from lowtato.kit.params import StrictBool, one_of
from lowtato.kit.tz import TimezoneName
from lowtato.platforms.names import PLATFORMS
from lowtato.slots.frequencies import PostingFrequency
from lowtato.slots.frequencies import describe as describe_frequencies
from lowtato.slots.schemas import SlotOut


class NotificationPreferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email_post_published: StrictBool | None = None
    email_post_failed: StrictBool | None = None
    email_credits_low: StrictBool | None = None
    email_weekly_report: StrictBool | None = None


class ProfileUpdate(BaseModel):
    """Only these fields can change; anything else (plan, credits, email, ids) is a 400."""

    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(default=None, max_length=200)
    timezone: TimezoneName | None = Field(
        default=None, description="IANA zone, e.g. America/New_York"
    )
    notification_preferences: NotificationPreferences | None = None


class Profile(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "usr_01kt1gw6g0q9x3jbpr1c25kbhj",
                    "email": "ada@example.com",
                    "display_name": "Ada",
                    "plan": "creator",
                    "credits_balance": 412.5,
                    "credits_monthly_allocation": 500.0,
                    "timezone": "Europe/Paris",
                    "language": "en",
                    "notification_preferences": {
                        "email_post_failed": True,
                        "email_weekly_report": False,
                    },
                    "onboarding_completed": True,
                    "user_type": "solo_creator",
                    "account_count": 3,
                    "created_at": "2026-05-02T08:30:00Z",
                }
            ]
        }
    )

    id: str
    email: str
    display_name: str
    plan: str
    credits_balance: float
    credits_monthly_allocation: float
    timezone: str
    language: str
    notification_preferences: dict[str, bool]
    onboarding_completed: bool
    user_type: str | None
    account_count: int
    created_at: str


def _required(value: str | None) -> str:
    if value is None:
        msg = "must not be blank"
        raise ValueError(msg)
    return value


class Onboarding(BaseModel):
    """Everything the five-step wizard asked, in one body."""

    model_config = ConfigDict(extra="forbid")

    brand_name: Annotated[BrandName, AfterValidator(_required)]
    platforms: list[Annotated[str, Field(strict=True, json_schema_extra=one_of(PLATFORMS))]] = (
        Field(min_length=1, max_length=len(PLATFORMS), description="Platforms you will post to")
    )
    timezone: TimezoneName | None = Field(
        default=None, description="IANA zone; becomes the profile's"
    )
    posting_frequency: PostingFrequency = Field(
        default=PostingFrequency.daily, description=f"Slots it plans: {describe_frequencies()}."
    )
    topics: Topics | None = None
    what_do_you_do: LongText | None = None
    who_do_you_help: LongText | None = None
    user_type: UserType | None = None


class OnboardingDone(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "completed": True,
                    "brand_name": "Acme Coffee",
                    "platforms": ["bluesky", "linkedin"],
                    "timezone": "Europe/Paris",
                    "posting_frequency": "daily",
                    "user_type": "solo_creator",
                    "schedule_slots_created": 1,
                }
            ]
        }
    )

    completed: Literal[True] = True
    brand_name: str
    platforms: list[str]
    timezone: str
    posting_frequency: PostingFrequency
    user_type: UserType | None
    schedule_slots_created: int
    slots: list[SlotOut] = Field(description="The recurring slots now planned (GET schedule/slots)")
