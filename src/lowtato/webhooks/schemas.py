"""Webhook request and response shapes (``ListMeta`` and ``Deleted`` come from kit.schemas)."""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from lowtato.events.service import EventType
from lowtato.kit.params import one_of
from lowtato.kit.schemas import ListMeta

_STRICT = ConfigDict(extra="forbid")
MAX_URL_LENGTH = 2048
# The events an endpoint can subscribe to: the contract's seven plus post.unconfirmed.
# credits.low has no emitter until credits and billing exist.
SUBSCRIBABLE: Final = tuple(
    t.value
    for t in (
        EventType.post_published,
        EventType.post_failed,
        EventType.post_scheduled,
        EventType.post_unconfirmed,
        EventType.account_connected,
        EventType.account_disconnected,
        EventType.credits_low,
        EventType.schedule_published,
    )
)
EventName = Annotated[str, Field(json_schema_extra=one_of(SUBSCRIBABLE))]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://example.com/hooks/lowtato",
                    "events": ["post.published", "post.failed"],
                }
            ]
        },
    )

    url: str = Field(max_length=MAX_URL_LENGTH, description="HTTPS URL of your receiver.")
    events: list[EventName] = Field(
        min_length=1, max_length=50, description="Event types to receive (see the list above)."
    )


class WebhookUpdate(BaseModel):
    model_config = _STRICT

    url: str | None = Field(default=None, max_length=MAX_URL_LENGTH)
    events: list[EventName] | None = Field(default=None, min_length=1, max_length=50)
    is_active: bool | None = Field(
        default=None,
        strict=True,
        description="false pauses deliveries; true re-enables a disabled endpoint.",
    )


class WebhookDelete(BaseModel):
    model_config = _STRICT

    id: str


# What every example of a webhook shows.
_HOOK: Final[JsonDict] = {
    "id": "wh_01kt1gw6g0jv4bfrkdzkza7ajv",
    "url": "https://hooks.acme.example/lowtato",
    "events": ["post.published", "post.failed"],
}


class WebhookOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_HOOK,
                    "is_active": True,
                    "created_at": "2026-06-01T12:00:00Z",
                    "updated_at": "2026-06-01T12:00:00Z",
                    "disabled_reason": None,
                    "disabled_at": None,
                    "previous_secret_expires_at": None,
                }
            ]
        }
    )

    id: str
    url: str
    events: list[str]
    is_active: bool
    created_at: str
    updated_at: str
    disabled_reason: str | None = Field(
        default=None, description="Why the endpoint stopped receiving deliveries, if it did."
    )
    disabled_at: str | None = None
    previous_secret_expires_at: str | None = Field(
        default=None,
        description="After a rotation: until then the old secret also signs every delivery.",
    )


class WebhookCreated(BaseModel):
    """The secret is shown here and never again (rotate it to get a new one)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_HOOK,
                    "active": True,
                    "is_active": True,
                    "secret": "whsec_MfKQ9r8GKYqXnzJd3wT0Vn2l6cQpbU4e",
                    "created_at": "2026-06-01T12:00:00Z",
                }
            ]
        }
    )

    id: str
    url: str
    events: list[str]
    active: bool
    is_active: bool
    secret: str = Field(description="whsec_… — verify deliveries with it (Standard Webhooks).")
    created_at: str


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]


class SecretRotated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "wh_01kt1gw6g0jv4bfrkdzkza7ajv",
                    "secret": "whsec_Qp3Vn8xK2mL9rT4wZ7bC1dF6gH0jN5sY",
                    "previous_secret_expires_at": "2026-06-02T12:00:00Z",
                }
            ]
        }
    )

    id: str
    secret: str = Field(description="The new whsec_… secret; shown once.")
    previous_secret_expires_at: str = Field(
        description="Until then deliveries carry a signature by the old secret too."
    )


class AttemptOut(BaseModel):
    attempt: int
    at: str
    status_code: int | None
    duration_ms: int
    error: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "whd_01kt1gw6g0jyd2vwarv384mwrt",
                    "webhook_id": "wh_01kt1gw6g0jv4bfrkdzkza7ajv",
                    "event_id": "evt_01kt1gw6g00yn5wmc6nwya5697",
                    "event_type": "post.published",
                    "trigger": "event",
                    "redelivery_of": None,
                    "status": "succeeded",
                    "attempts": 2,
                    "max_attempts": 8,
                    "response_status": 200,
                    "duration_ms": 84,
                    "error": None,
                    "created_at": "2026-06-01T12:00:00Z",
                    "last_attempt_at": "2026-06-01T12:00:05Z",
                    "next_attempt_at": None,
                    "finished_at": "2026-06-01T12:00:05Z",
                    "attempt_log": [
                        {
                            "attempt": 1,
                            "at": "2026-06-01T12:00:00Z",
                            "status_code": 503,
                            "duration_ms": 120,
                            "error": "HTTP 503: busy",
                        },
                        {
                            "attempt": 2,
                            "at": "2026-06-01T12:00:05Z",
                            "status_code": 200,
                            "duration_ms": 84,
                            "error": None,
                        },
                    ],
                }
            ]
        }
    )

    id: str
    webhook_id: str
    event_id: str = Field(description="Sent as `webhook-id`; the same on retries and redeliveries.")
    event_type: str
    trigger: str = Field(description="event | redeliver | test")
    redelivery_of: str | None
    status: str = Field(description="pending | succeeded | failed")
    attempts: int
    max_attempts: int
    response_status: int | None = Field(description="HTTP status of the last attempt.")
    duration_ms: int | None = Field(description="Duration of the last attempt.")
    error: str | None = Field(description="Why the last attempt failed.")
    created_at: str
    last_attempt_at: str | None
    next_attempt_at: str | None
    finished_at: str | None
    attempt_log: list[AttemptOut]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    meta: ListMeta
