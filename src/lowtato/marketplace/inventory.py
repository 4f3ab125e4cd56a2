"""What is for sale: the operator's imported accounts and each test owner's sandbox items,
with their credentials sealed by the key ring."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lowtato.errors import ValidationFailed
from lowtato.kit import clock
from lowtato.kit.crypto import KeyRing
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id
from lowtato.marketplace import repository
from lowtato.marketplace.models import ItemStatus, MarketplaceItem
from lowtato.marketplace.repository import ItemRepository
from lowtato.platforms.names import PLATFORMS

# Sandbox items a test owner first gets per platform, and the prices they cycle through.
SANDBOX_ITEMS_PER_PLATFORM = 2
SANDBOX_PRICES = (300, 500, 700, 1000)
SANDBOX_TOTP = "JBSWY3DPEHPK3PXP"  # a well-known demo secret; sandbox logins are fake anyway


class Credentials(BaseModel):
    """What the buyer gets (and ``auto_connect`` uses); sealed as one JSON ciphertext."""

    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=500)
    totp_secret: str | None = Field(default=None, max_length=200)
    access_token: str | None = Field(default=None, max_length=8192)
    refresh_token: str | None = Field(default=None, max_length=8192)
    platform_user_id: str | None = Field(default=None, max_length=200)


CREDENTIAL_FIELDS = set(Credentials.model_fields)


class ImportLine(Credentials):
    """One line of ``lowtato marketplace import``."""

    platform: str
    username: str = Field(min_length=1, max_length=200)
    price_cents: int = Field(strict=True, ge=1, le=100_000_000)


def credentials_aad(item_id: str) -> str:
    return f"marketplace_items.credentials:{item_id}"


def seal(keyring: KeyRing, item_id: str, credentials: Credentials) -> str:
    return keyring.encrypt(credentials.model_dump_json(), aad=credentials_aad(item_id))


def unseal(keyring: KeyRing, item: MarketplaceItem) -> Credentials:
    plain = keyring.decrypt(item.credentials_enc, aad=credentials_aad(item.id))
    return Credentials.model_validate_json(plain)


def parse_lines(lines: Iterable[str]) -> list[ImportLine]:
    """Every non-blank line as an item; the first bad one is a ``ValidationFailed`` naming its
    line number and field, so a file is imported whole or not at all."""
    items = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            message = f"line {number}: not JSON ({exc.msg})"
            raise ValidationFailed.field(f"line {number}", message) from exc
        try:
            item = ImportLine.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"]) or "line"
            message = f"line {number}, field '{field}': {first['msg']}"
            raise ValidationFailed.field(f"line {number}.{field}", message) from exc
        platform = item.platform.strip().lower()
        if platform not in PLATFORMS:
            message = (
                f"line {number}, field 'platform': unknown platform '{item.platform}'; "
                f"use one of {', '.join(PLATFORMS)}"
            )
            raise ValidationFailed.field(f"line {number}.platform", message)
        items.append(item.model_copy(update={"platform": platform}))
    return items


@dataclass(frozen=True)
class ImportResult:
    imported: int
    skipped: int


async def import_items(db: Database, keyring: KeyRing, items: list[ImportLine]) -> ImportResult:
    """Add the items to the operator's live inventory in one transaction, skipping any whose
    platform and username (case-insensitive) are already there or earlier in the file."""
    imported = skipped = 0
    async with db.transaction() as session:
        seen = await repository.operator_handles(session)
        for line in items:
            handle = (line.platform, line.username.lower())
            if handle in seen:
                skipped += 1
                continue
            seen.add(handle)
            credentials = Credentials.model_validate(line.model_dump(include=CREDENTIAL_FIELDS))
            repository.add_item(session, _item(keyring, None, platform=line.platform,
                                               username=line.username,
                                               price_cents=line.price_cents,
                                               credentials=credentials))  # fmt: skip
            imported += 1
    return ImportResult(imported, skipped)


async def operator_items(db: Database) -> list[MarketplaceItem]:
    async with db.transaction(readonly=True) as session:
        return await repository.operator_items(session)


def _item(
    keyring: KeyRing, owner_id: str | None, *, platform: str, username: str, price_cents: int,
    credentials: Credentials,
) -> MarketplaceItem:  # fmt: skip
    item_id = new_id("mkt")
    return MarketplaceItem(
        id=item_id,
        livemode=owner_id is None,
        owner_id=owner_id,
        platform=platform,
        username=username,
        price_cents=price_cents,
        credentials_enc=seal(keyring, item_id, credentials),
        status=ItemStatus.available,
        created_at=clock.now(),
    )


def sandbox_credentials(platform: str, number: int) -> tuple[str, Credentials]:
    """The deterministic fake login of a test owner's ``number``-th item on ``platform``;
    its tokens are sandbox tokens, so ``auto_connect`` works in test mode."""
    username = f"sandbox_{platform}_{number}"
    return username, Credentials(
        email=f"{username}@sandbox.lowtato.test",
        password=f"sandbox-password-{platform}-{number}",
        totp_secret=SANDBOX_TOTP,
        access_token=f"sandbox-token-{platform}-{number}",
        refresh_token=f"sandbox-refresh-{platform}-{number}",
        platform_user_id=f"sandbox-{platform}-{number}",
    )


async def stock_sandbox(repo: ItemRepository, keyring: KeyRing, stale_before: datetime) -> None:
    """Give a test owner sandbox items: two per platform on the first visit, then one more
    whenever a platform has none left for sale, so test mode can always buy something."""
    await repo.lock_owner()
    counts = await repo.sandbox_counts(stale_before)
    for platform in PLATFORMS:
        made, for_sale = counts.get(platform, (0, 0))
        if for_sale:
            continue
        wanted = SANDBOX_ITEMS_PER_PLATFORM if made == 0 else 1
        for number in range(made + 1, made + wanted + 1):
            username, credentials = sandbox_credentials(platform, number)
            price = SANDBOX_PRICES[(number - 1) % len(SANDBOX_PRICES)]
            owner = repo.principal.user_id
            repo.add(_item(keyring, owner, platform=platform, username=username,
                           price_cents=price, credentials=credentials))  # fmt: skip
