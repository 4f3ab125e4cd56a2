"""Helpers to stock the operator's inventory, and a fake card processor. (The test apps have
the marketplace enabled: tests/conftest.py.)"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI

from lowtato.errors import PaymentRequired
from lowtato.marketplace import inventory


def line(platform: str, username: str, price_cents: int, **extra: Any) -> dict[str, Any]:
    return {"platform": platform, "username": username, "price_cents": price_cents,
            "email": f"{username}@mail.example", "password": f"pw-{username}-secret",
            "totp_secret": "ABCDEFGHIJKLMNOP", **extra}  # fmt: skip


async def stock(app: FastAPI, *lines: dict[str, Any]) -> inventory.ImportResult:
    """Import into the operator's live inventory, as ``lowtato marketplace import`` does."""
    items = inventory.parse_lines(json.dumps(x) for x in lines)
    return await inventory.import_items(app.state.db, app.state.keyring, items)


@dataclass
class FakeCards:
    """A card processor: ``answer`` is a payment id, None (no card), or "decline"."""

    answer: str | None = "pi_fake_1"
    charges: list[dict[str, Any]] = field(default_factory=list)

    async def charge(
        self, *, owner_id: str, amount_cents: int, description: str, idempotency_key: str
    ) -> str | None:
        self.charges.append({"owner_id": owner_id, "amount_cents": amount_cents,
                             "description": description, "idempotency_key": idempotency_key})  # fmt: skip
        if self.answer == "decline":
            raise PaymentRequired("Your card was declined. Use another card or pay with credits.")
        return self.answer


@pytest.fixture
def cards(app: FastAPI) -> FakeCards:
    fake = FakeCards()
    app.state.services.cards = fake
    return fake
