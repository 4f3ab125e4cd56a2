"""Answers of the API as pydantic models.

Every model keeps fields it does not know (``extra="allow"``, readable as attributes and in
``model_dump()``), and every field the server may omit has a default, so a newer server never
breaks an older client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Deleted(Model):
    deleted: bool = True


class Updated(Model):
    updated: bool = True


class PageMeta(Model):
    limit: int
    offset: int
    count: int
    has_more: bool


class Health(Model):
    status: str
    timestamp: datetime | None = None
    checks: dict[str, Any] = Field(default_factory=dict)


class Platforms(Model):
    """The platform catalogue: limits, media rules and the ``options`` schema per platform
    (read the fields as attributes or with ``model_dump()``)."""


class Account(Model):
    id: str
    platform: str
    username: str | None = None
    fullname: str | None = None
    profile_image_url: str | None = None
    is_active: bool = True
    sandbox: bool = False
    disconnected_reason: str | None = None
    token_expires_at: datetime | None = None


class AccountList(Model):
    accounts: list[Account]


class Subaccount(Model):
    id: str
    external_id: str | None = None
    name: str | None = None
    type: str | None = None


class SubaccountList(Model):
    subaccounts: list[Subaccount]


class ConnectedAccount(Model):
    id: str
    platform: str
    username: str | None = None
    connected: bool = True
    warnings: list[str] = Field(default_factory=list)  # what will not work yet, in words


class ConnectLink(Model):
    url: str
    state: str
    expires_at: datetime


class Post(Model):
    id: str
    status: str
    publish_state: str | None = None
    content_text: str | None = None
    target_type: str | None = None
    social_account_id: str | None = None
    subaccount_id: str | None = None
    media_urls: list[str] = Field(default_factory=list)
    options: dict[str, Any] = Field(default_factory=dict)
    public_url: str | None = None
    platform_post_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    result: dict[str, Any] | None = None
    scheduled_time: datetime | None = None
    published_at: datetime | None = None
    late_by_seconds: float | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class CreatedPost(Model):
    id: str
    status: str
    scheduled_time: datetime | None = None
    warnings: list[str] = Field(default_factory=list)  # what will fail at publish time


class PublishedPost(Model):
    """The answer of ``POST /posts/{id}/publish``: ``status`` may be ``failed`` (a 200)."""

    id: str
    status: str
    public_url: str | None = None
    publish_state: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class PostPage(Model):
    posts: list[Post]
    meta: PageMeta


class BulkItem(Model):
    id: str
    platform: str
    status: str
    index: int
    warnings: list[str] = Field(default_factory=list)


class BulkError(Model):
    index: int
    platform: str | None = None
    error: dict[str, Any] = Field(default_factory=dict)


class BulkResult(Model):
    created: int
    failed: int
    posts: list[BulkItem] = Field(default_factory=list)
    errors: list[BulkError] = Field(default_factory=list)


class ScheduledPost(Model):
    id: str
    content_text: str | None = None
    target_type: str | None = None
    social_account_id: str | None = None
    scheduled_time: datetime | None = None
    status: str | None = None


class SchedulePage(Model):
    scheduled_posts: list[ScheduledPost] = Field(alias="scheduledPosts")
    meta: PageMeta


class Slot(Model):
    id: str
    day: int
    hour: int
    minute: int = 0
    selected_targets: list[str] = Field(default_factory=list)
    platforms: list[str] = Field(default_factory=list)


class SlotList(Model):
    slots: list[Slot]
    timezone: str | None = None


class SlotsCreated(Model):
    created: int
    slots: list[Slot]


class AutoConfigured(Model):
    configured: bool = True
    slots_created: int
    timezone: str | None = None
    slots: list[Slot] = Field(default_factory=list)
    sources: dict[str, Any] = Field(default_factory=dict)


class Media(Model):
    id: str
    url: str
    mime_type: str
    kind: str
    size: int
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    sha256: str | None = None
    filename: str | None = None
    created_at: datetime | None = None


class Webhook(Model):
    id: str
    url: str
    events: list[str] = Field(default_factory=list)
    is_active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None
    disabled_reason: str | None = None
    disabled_at: datetime | None = None
    previous_secret_expires_at: datetime | None = None


class CreatedWebhook(Webhook):
    """A new endpoint; ``secret`` (``whsec_…``) is shown only here."""

    secret: str


class WebhookList(Model):
    webhooks: list[Webhook]


class RotatedSecret(Model):
    id: str
    secret: str
    previous_secret_expires_at: datetime | None = None


class Delivery(Model):
    id: str
    webhook_id: str
    event_id: str | None = None
    event_type: str | None = None
    trigger: str | None = None
    redelivery_of: str | None = None
    status: str
    attempts: int = 0
    max_attempts: int | None = None
    response_status: int | None = None
    duration_ms: int | None = None
    error: str | None = None
    created_at: datetime | None = None
    last_attempt_at: datetime | None = None
    next_attempt_at: datetime | None = None
    finished_at: datetime | None = None
    attempt_log: list[dict[str, Any]] = Field(default_factory=list)


class DeliveryPage(Model):
    deliveries: list[Delivery]
    meta: PageMeta


class Profile(Model):
    id: str
    email: str
    display_name: str | None = None
    plan: str
    credits_balance: float | None = None
    credits_monthly_allocation: float | None = None
    timezone: str | None = None
    language: str | None = None
    notification_preferences: dict[str, Any] = Field(default_factory=dict)
    onboarding_completed: bool = False
    user_type: str | None = None
    account_count: int | None = None
    created_at: datetime | None = None


class BrandKit(Model):
    brand_name: str | None = None
    brand_color: str | None = None
    tone: str | None = None
    topics: list[str] = Field(default_factory=list)
    logo_url: str | None = None
    website: str | None = None
    what_do_you_do: str | None = None
    who_do_you_help: str | None = None
    language: str | None = None


class Onboarding(Model):
    completed: bool = True
    brand_name: str | None = None
    platforms: list[str] = Field(default_factory=list)
    timezone: str | None = None
    posting_frequency: str | None = None
    user_type: str | None = None
    schedule_slots_created: int = 0
    slots: list[Slot] = Field(default_factory=list)


class Credits(Model):
    balance: float
    topup_balance: float | None = None
    used_this_month: float | None = None
    plan_limit: float | None = None
    plan: str | None = None
    resets_at: datetime | None = None


class AnalyticsSummary(Model):
    period: str | None = None
    total_posts: int = 0
    total_engagement: int = 0
    posts_this_week: int = 0
    top_platform: str | None = None
    best_posting_time: str | None = None
    best_posting_day: str | None = None
    engagement_trend: str | None = None
    engagement_change_percent: float | None = None
    platform_breakdown: list[dict[str, Any]] = Field(default_factory=list)


class PostAnalytics(Model):
    post_id: str
    platform: str | None = None
    published_at: datetime | None = None
    latest: dict[str, Any] | None = None
    snapshots: list[dict[str, Any]] = Field(default_factory=list)


class Listing(Model):
    id: str
    platform: str
    username_masked: str | None = None
    price_cents: int | None = None
    price_display: str | None = None


class Marketplace(Model):
    accounts: list[Listing]
    count: int = 0


class Purchase(Model):
    purchase_id: str
    account: dict[str, Any] = Field(default_factory=dict)
    paid_with: str | None = None
    amount_cents: int | None = None
    credits_charged: float | None = None
    livemode: bool | None = None
    connected: bool = False
    social_account_id: str | None = None
    connect_error: Any = None


class PurchaseList(Model):
    purchases: list[dict[str, Any]]
    count: int = 0


class Billing(Model):
    configured: bool = False
    plan: str | None = None
    subscription_status: str | None = None
    customer: Any = None
    card_on_file: bool = False
    card: dict[str, Any] | None = None


class Checkout(Model):
    checkout_url: str
    session_id: str


class Cancelled(Model):
    plan: str | None = None
    subscription_status: str | None = None
    cancel_at_period_end: bool | None = None


class Generated(Model):
    content: str
    hashtags: list[str] = Field(default_factory=list)
    character_count: int | None = None
    platform: str | None = None
    credits_used: float | None = None
    provider: str | None = None
    tone: str | None = None
    language: str | None = None
    title: str | None = None
    notes: list[str] = Field(default_factory=list)


class Image(Model):
    id: str
    url: str
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    size: int | None = None
    credits_used: float | None = None
    provider: str | None = None
    kind: str | None = None


class Source(Model):
    """A source; ``create`` answers only ``id`` and ``status`` (``queued``)."""

    id: str
    status: str
    source_type: str | None = None
    url: str | None = None
    text: str | None = None
    custom_instructions: str | None = None
    extracted_title: str | None = None
    extracted_content: str | None = None
    error_message: str | None = None
    notes: list[str] = Field(default_factory=list)
    created_at: datetime | None = None
    completed_at: datetime | None = None
