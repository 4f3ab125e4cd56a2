"""Marketplace request/response models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from lowtato.kit.params import one_of
from lowtato.platforms.names import PLATFORMS


class ListedAccount(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "mkt_01kt1gw6g0dr3rmx5zvmthmh4z",
                    "platform": "twitter",
                    "username_masked": "c*******s",
                    "price_cents": 500,
                    "price_display": "$5.00",
                }
            ]
        }
    )

    id: str = Field(description="The item's id (`mkt_…`), to buy with POST /purchase.")
    platform: str
    username_masked: str = Field(
        description="First and last character of the handle, asterisks between ('j******e')."
    )
    price_cents: int = Field(description="Price in US cents.")
    price_display: str = Field(description="Price for people, e.g. '$5.00'.")


class Listing(BaseModel):
    accounts: list[ListedAccount]
    count: int


class PurchaseRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"account_id": "mkt_…", "auto_connect": True}]},
    )

    account_id: str = Field(min_length=1, max_length=40, description="A listed item's id.")
    auto_connect: bool = Field(
        default=False,
        description="Connect the bought account to this key's owner and mode right away "
        "(when the item carries tokens; plan account limits apply).",
    )
    pay_with: Literal["credits", "card"] | None = Field(
        default=None,
        description="Default: credits when the balance covers the price, else the saved card "
        "when there is one, else 402 `insufficient_credits`.",
    )


class BoughtAccount(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "mkt_01kt1gw6g0dr3rmx5zvmthmh4z",
                    "platform": "twitter",
                    "username": "coffeenews",
                    "email": "coffeenews@mail.example",
                    "password": "s3cret-Pa55",
                    "totp_secret": None,
                }
            ]
        }
    )

    id: str
    platform: str
    username: str
    email: str
    password: str
    totp_secret: str | None = Field(description="The 2FA (TOTP) secret, base32; null if none.")


class PurchaseOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "purchase_id": "pur_01kt1gw6g05v267bgjneqhnc4t",
                    "paid_with": "card",
                    "amount_cents": 500,
                    "credits_charged": 0.0,
                    "livemode": False,
                    "connected": True,
                    "social_account_id": "acc_01kt1gw6g09k0knd661gkyn34x",
                    "connect_error": None,
                }
            ]
        }
    )

    purchase_id: str
    account: BoughtAccount
    paid_with: str = Field(description="`credits` or `card`.")
    amount_cents: int = Field(description="The price paid, in US cents.")
    credits_charged: float = Field(
        description="Credits taken from the balance (0 when paid by card or in test mode)."
    )
    livemode: bool = Field(description="False for a test-mode (sandbox) purchase.")
    connected: bool = Field(description="Whether the account was connected (auto_connect).")
    social_account_id: str | None = Field(
        default=None, description="The connected account's id (GET /api/v1/accounts)."
    )
    connect_error: str | None = Field(
        default=None, description="Why auto_connect did not connect it (the purchase stands)."
    )


class PurchaseRecord(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "pur_01kt1gw6g05v267bgjneqhnc4t",
                    "paid_with": "card",
                    "amount_cents": 500,
                    "price_display": "$5.00",
                    "credits_charged": 0.0,
                    "social_account_id": "acc_01kt1gw6g09k0knd661gkyn34x",
                    "created_at": "2026-06-01T12:00:00Z",
                }
            ]
        }
    )

    id: str
    account: BoughtAccount
    paid_with: str
    amount_cents: int
    price_display: str
    credits_charged: float
    social_account_id: str | None
    created_at: datetime


class PurchaseList(BaseModel):
    purchases: list[PurchaseRecord]
    count: int


PLATFORM_QUERY = one_of(PLATFORMS)
