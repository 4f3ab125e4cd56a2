"""Post request shapes and responses.

``POST /api/v1/posts`` accepts the nested camelCase shape
``{post: {accountId, content: {text, mediaUrls, platform}, target: {targetType}}, scheduledTime}``
and the flat snake_case shape ``{content, platform, account_id, media_urls, scheduled_at}``;
both normalise to one ``PostDraft``. Where both carry a field, the nested one wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from lowtato.errors import ValidationFailed
from lowtato.kit.params import StrictBool, UtcDateTime
from lowtato.kit.schemas import ListMeta
from lowtato.posts import outcomes

_STRICT = ConfigDict(extra="forbid")
MediaUrls = list[str]


class NestedContent(BaseModel):
    model_config = _STRICT
    text: str | None = None
    mediaUrls: MediaUrls | None = None  # noqa: N815 - contract field name
    platform: str | None = None


class NestedTarget(BaseModel):
    model_config = _STRICT
    targetType: str | None = None  # noqa: N815


class NestedPost(BaseModel):
    model_config = _STRICT
    accountId: str | None = None  # noqa: N815
    subaccountId: str | None = None  # noqa: N815
    content: NestedContent | None = None
    target: NestedTarget | None = None
    options: dict[str, Any] | None = None


class PostCreate(BaseModel):
    """Either shape, or a mix (nested wins). See the module docstring."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "post": {
                        "accountId": "acc_01jc…",
                        "content": {"text": "Hello from my agent", "mediaUrls": []},
                        "target": {"targetType": "twitter"},
                    },
                    "scheduledTime": "2026-12-01T09:00:00Z",
                },
                {
                    "account_id": "acc_01jc…",
                    "content": "Hello",
                    "scheduled_at": "2026-12-01T09:00:00Z",
                },
                {
                    "post": {"accountId": "acc_01jc…", "content": {"text": "Next slot"}},
                    "useNextFreeSlot": True,
                },
            ],
            # The two shapes: nested (`post.accountId` required) or flat (`account_id`).
            "anyOf": [
                {"title": "Nested (camelCase)", "required": ["post"]},
                {"title": "Flat (snake_case, as in /posts/bulk)", "required": ["account_id"]},
            ],
        },
    )

    post: NestedPost | None = Field(
        default=None, description="Nested shape: `{accountId, content: {text, mediaUrls, "
        "platform}, target: {targetType}, options}`. Wins over the flat fields."
    )  # fmt: skip
    scheduledTime: UtcDateTime | None = Field(  # noqa: N815
        default=None, description="Nested shape: when to publish (ISO 8601; UTC if no offset)."
    )
    useNextFreeSlot: StrictBool | None = Field(  # noqa: N815
        default=None, description="Nested shape: schedule into the next free recurring slot."
    )
    content: str | None = Field(default=None, description="Flat shape: the text.")
    platform: str | None = Field(
        default=None, description="Flat shape: the target platform (default: the account's)."
    )
    account_id: str | None = Field(default=None, description="Flat shape: the account.")
    subaccount_id: str | None = Field(default=None, description="Flat shape: page/board/org.")
    media_urls: MediaUrls | None = Field(default=None, description="Flat shape: media URLs.")
    scheduled_at: UtcDateTime | None = Field(default=None, description="Flat: when to publish.")
    use_next_free_slot: StrictBool | None = Field(
        default=None, description="Flat shape: schedule into the next free recurring slot."
    )
    options: dict[str, Any] | None = Field(
        default=None, description="Platform options (see GET /api/v1/platforms)."
    )


class PostDraft(BaseModel):
    """The normalised request; also what the idempotency fingerprint is computed over."""

    account_id: str
    subaccount_id: str | None = None
    platform: str | None = None
    text: str = ""
    media_urls: list[str] = Field(default_factory=list)
    options: dict[str, Any] = Field(default_factory=dict)
    scheduled_time: datetime | None = None
    use_next_free_slot: bool = False


def _first(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def normalize(body: PostCreate, *, field_prefix: str = "") -> PostDraft:
    nested = body.post or NestedPost()
    content = nested.content or NestedContent()
    target = nested.target or NestedTarget()
    account_id = _first(nested.accountId, body.account_id)
    if not account_id:
        raise ValidationFailed.field(
            f"{field_prefix}post.accountId",
            "required: the id of the account to post to (list them with GET /api/v1/accounts)",
        )
    target_type = _first(target.targetType, content.platform)
    flat_platform = body.platform
    return PostDraft(
        account_id=account_id,
        subaccount_id=_first(nested.subaccountId, body.subaccount_id),
        platform=_first(target_type, flat_platform),
        text=_first(content.text, body.content) or "",
        media_urls=_first(content.mediaUrls, body.media_urls) or [],
        options=_first(nested.options, body.options) or {},
        scheduled_time=_first(body.scheduledTime, body.scheduled_at),
        use_next_free_slot=bool(_first(body.useNextFreeSlot, body.use_next_free_slot)),
    )


WARNINGS_DOC = (
    "What will fail at publish time although the post was accepted, in plain sentences, each "
    "saying how to fix it; empty when nothing is known to be wrong. E.g. Instagram cannot "
    "download media uploaded to this server while LOWTATO_PUBLIC_URL is not a public address."
)


def warnings_field() -> Any:
    return Field(default_factory=list, description=WARNINGS_DOC)


class PostCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "post_01kt1gw6g0hy1r9dx43g3x9t3j",
                    "status": "scheduled",
                    "scheduled_time": "2026-06-02T09:30:00Z",
                }
            ]
        }
    )

    id: str
    status: str
    scheduled_time: str | None = None
    warnings: list[str] = warnings_field()


class PostOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "post_01kt1gw6g0hy1r9dx43g3x9t3j",
                    "status": "published",
                    "publish_state": None,
                    "content_text": "Fresh roast is in.",
                    "target_type": "bluesky",
                    "social_account_id": "acc_01kt1gw6g09k0knd661gkyn34x",
                    "subaccount_id": None,
                    "media_urls": [],
                    "options": {},
                    "public_url": "https://bsky.app/profile/acme.bsky.social/post/3kq2xyzabc22a",
                    "platform_post_id": "at://did:plc:abc123/app.bsky.feed.post/3kq2xyzabc22a",
                    "error_code": None,
                    "error_message": None,
                    "result": {},
                    "scheduled_time": "2026-06-02T09:30:00Z",
                    "published_at": "2026-06-02T09:30:02Z",
                    "late_by_seconds": 2,
                    "created_at": "2026-06-01T12:00:00Z",
                    "updated_at": "2026-06-02T09:30:02Z",
                }
            ]
        }
    )

    id: str
    status: Literal["draft", "scheduled", "publishing", "published", "failed"]
    publish_state: str | None = Field(
        description="While publishing: 'sending'; 'retrying' (the last attempt did not reach "
        "the platform, or the platform said later: error_code and error_message say why and "
        "when); or 'unconfirmed' when the platform's answer was lost and the post is being "
        "reconciled (it will not be sent twice)."
    )
    content_text: str
    target_type: str
    social_account_id: str
    subaccount_id: str | None
    media_urls: list[str]
    options: dict[str, Any]
    public_url: str | None
    platform_post_id: str | None
    error_code: str | None = Field(description=outcomes.describe())
    error_message: str | None = Field(
        description="What happened and what to do, in words (for people and agents)."
    )
    result: dict[str, Any] = Field(
        default_factory=dict,
        description="Platform extras once published: e.g. X thread ids, or a partial failure "
        "such as thread_error / first_comment_error (the post itself is published).",
    )
    scheduled_time: str | None
    published_at: str | None
    late_by_seconds: int | None = Field(
        default=None,
        description="Once published: how many seconds after scheduled_time it went out (0 when "
        "on time; large after an outage of the workers). Set options.max_delay (minutes) to "
        "have a post fail with `too_late` instead of going out later than that.",
    )
    created_at: str
    updated_at: str


class PostUpdated(PostOut):
    """The post after an edit, with what will fail at publish time."""

    warnings: list[str] = warnings_field()


class PostList(BaseModel):
    posts: list[PostOut]
    meta: ListMeta


class ScheduledPostSummary(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "post_01kt1gw6g0hy1r9dx43g3x9t3j",
                    "content_text": "Fresh roast is in.",
                    "target_type": "bluesky",
                    "social_account_id": "acc_01kt1gw6g09k0knd661gkyn34x",
                    "scheduled_time": "2026-06-02T09:30:00Z",
                    "status": "scheduled",
                }
            ]
        }
    )

    id: str
    content_text: str
    target_type: str
    social_account_id: str
    scheduled_time: str | None
    status: str


class ScheduleList(BaseModel):
    scheduledPosts: list[ScheduledPostSummary]  # noqa: N815
    meta: ListMeta


class ScheduleUpdate(BaseModel):
    model_config = _STRICT
    content_text: str | None = None
    scheduled_time: UtcDateTime | None = None
    media_urls: MediaUrls | None = None
    options: dict[str, Any] | None = None


class BulkItem(BaseModel):
    model_config = _STRICT
    content: str = ""
    platforms: list[str] = Field(min_length=1, description="One post is created per platform.")
    account_id: str | None = None
    scheduled_at: UtcDateTime | None = None
    media_urls: MediaUrls | None = None
    options: dict[str, Any] | None = None


class BulkCreate(BaseModel):
    model_config = _STRICT
    posts: list[BulkItem] = Field(min_length=1, max_length=50)


class BulkPost(BaseModel):
    id: str
    platform: str
    status: str
    index: int
    warnings: list[str] = warnings_field()


class BulkError(BaseModel):
    index: int
    platform: str | None = None
    error: dict[str, Any]


class BulkResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "created": 2,
                    "failed": 1,
                    "posts": [
                        {
                            "id": "post_01kt1gw6g0hy1r9dx43g3x9t3j",
                            "platform": "bluesky",
                            "status": "scheduled",
                            "index": 0,
                        },
                        {
                            "id": "post_01kt1gw6g1a2b3c4d5e6f7g8h9",
                            "platform": "linkedin",
                            "status": "scheduled",
                            "index": 0,
                        },
                    ],
                    "errors": [
                        {
                            "index": 1,
                            "platform": "twitter",
                            "error": {
                                "code": "not_found",
                                "message": "No connected twitter account.",
                            },
                        }
                    ],
                }
            ]
        }
    )

    created: int
    failed: int
    posts: list[BulkPost]
    errors: list[BulkError] | None = None


class PublishResult(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "post_01kt1gw6g0hy1r9dx43g3x9t3j",
                    "status": "published",
                    "public_url": "https://bsky.app/profile/acme.bsky.social/post/3kq2xyzabc22a",
                    "publish_state": None,
                    "error_code": None,
                    "error_message": None,
                }
            ]
        }
    )

    id: str
    status: str
    public_url: str | None = None
    publish_state: str | None = None
    error_code: str | None = Field(default=None, description=outcomes.describe())
    error_message: str | None = None

    @classmethod
    def of(cls, post: PostOut) -> PublishResult:
        return cls(
            id=post.id, status=post.status, public_url=post.public_url,
            publish_state=post.publish_state, error_code=post.error_code,
            error_message=post.error_message,
        )  # fmt: skip
