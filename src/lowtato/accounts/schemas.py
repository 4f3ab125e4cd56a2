"""Account request/response models."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from lowtato.kit.params import one_of
from lowtato.platforms.names import PLATFORMS

# Tokens travel in HTTP headers (``Authorization: Bearer …``), which carry only visible ASCII;
# OAuth 2.0 tokens (RFC 6750 b64token) and Bluesky app passwords are ASCII anyway.
TOKEN_PATTERN = r"^[\x21-\x7e]+$"  # noqa: S105 - a character class, not a secret
TOKEN_DOC = "Visible ASCII characters only, no spaces (as the platform issued it)."  # noqa: S105
# Longer than any platform's token lifetime; past this the expiry time would overflow.
MAX_TOKEN_LIFETIME = 10 * 365 * 24 * 3600


# What every example of an account shows.
_ACCOUNT: Final[JsonDict] = {
    "id": "acc_01kt1gw6g09k0knd661gkyn34x",
    "platform": "bluesky",
    "username": "acme.bsky.social",
}


class AccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_ACCOUNT,
                    "fullname": "Acme Coffee",
                    "profile_image_url": None,
                    "is_active": True,
                    "sandbox": False,
                    "disconnected_reason": None,
                    "token_expires_at": "2026-06-01T14:00:00Z",
                }
            ]
        }
    )

    id: str
    platform: str
    username: str
    fullname: str
    profile_image_url: str | None
    is_active: bool
    sandbox: bool = Field(description="True for test-mode accounts on the sandbox network.")
    disconnected_reason: str | None = Field(
        default=None, description="Why the account is inactive (the platform's reason)."
    )
    token_expires_at: datetime | None = Field(
        default=None,
        description="When the stored access token expires (null: unknown or does not expire). "
        "Lowtato refreshes it before then.",
    )


class AccountList(BaseModel):
    accounts: list[AccountOut]


class SubAccountOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "sub_01kt1gw6g0v4f4vz5tzx2d8wy7",
                    "external_id": "104859381234567",
                    "name": "Acme Coffee Paris",
                    "type": "facebook_page",
                }
            ]
        }
    )

    id: str
    external_id: str
    name: str
    type: str = Field(description="facebook_page, linkedin_organization, pinterest_board, …")


class SubAccountList(BaseModel):
    subaccounts: list[SubAccountOut]


class ConnectRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"platform": "twitter", "access_token": "…", "platform_user_id": "12345",
                 "refresh_token": "…", "platform_username": "myhandle"},
                {"platform": "bluesky", "platform_username": "me.bsky.social",
                 "access_token": "app-password", "platform_user_id": "did:plc:…"},
            ],
            # The contract's required platform_user_id; a username alone also identifies it.
            "anyOf": [{"required": ["platform_user_id"]}, {"required": ["platform_username"]}],
        },
    )  # fmt: skip

    platform: str = Field(json_schema_extra=one_of(PLATFORMS))
    access_token: str = Field(
        min_length=1, max_length=8192, pattern=TOKEN_PATTERN, description=TOKEN_DOC
    )
    platform_user_id: str = Field(
        default="",
        max_length=200,
        description="The account's id on the platform. Required unless `platform_username` "
        "is given (400 `validation_error` when both are missing).",
    )
    refresh_token: str | None = Field(
        default=None, max_length=8192, pattern=TOKEN_PATTERN, description=TOKEN_DOC
    )
    platform_username: str | None = Field(default=None, max_length=200)
    service_url: str | None = Field(
        default=None, description="Bluesky only: the PDS URL (default https://bsky.social)."
    )
    expires_in: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=MAX_TOKEN_LIFETIME,
        description="Access token lifetime, s (at most 10 years; omit it for a token that does "
        "not expire).",
    )


class Connected(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    **_ACCOUNT,
                    "connected": True,
                    "warnings": [],
                }
            ]
        }
    )

    id: str
    platform: str
    username: str
    connected: bool = True
    warnings: list[str] = Field(
        default_factory=list,
        description="What will not work yet with this account, e.g. Instagram cannot download "
        "media uploaded here while LOWTATO_PUBLIC_URL is a private address.",
    )
