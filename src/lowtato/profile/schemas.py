"""Profile request/response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lowtato.kit.params import StrictBool
from lowtato.kit.tz import validate_timezone_name


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
    timezone: str | None = Field(default=None, description="IANA zone, e.g. America/New_York")
    notification_preferences: NotificationPreferences | None = None

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else validate_timezone_name(value)


class Profile(BaseModel):
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
    account_count: int
    created_at: str


class Updated(BaseModel):
    updated: bool = True
