"""Driving a live-mode account end to end: public API → job worker → contract fake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from tests.conftest import Owner
from tests.fakes.fixtures import Fakes

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock


@dataclass(kw_only=True)
class LivePublisher:
    client: httpx.AsyncClient
    owner: Owner
    account_id: str
    worker: Worker
    fakes: Fakes
    frozen: FrozenClock

    async def create(
        self,
        text: str,
        media: list[str] | None = None,
        *,
        subaccount: str | None = None,
        **options: Any,
    ) -> str:
        post: dict[str, Any] = {
            "accountId": self.account_id,
            "options": options,
            "content": {"text": text, "mediaUrls": media or []},
        }
        if subaccount:
            post["subaccountId"] = subaccount
        response = await self.client.post(
            "/api/v1/posts", headers=self.owner.headers, json={"post": post}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def publish(
        self,
        text: str,
        media: list[str] | None = None,
        *,
        subaccount: str | None = None,
        **options: Any,
    ) -> str:
        """Create a draft, publish it now, and let the worker run it."""
        post_id = await self.create(text, media, subaccount=subaccount, **options)
        response = await self.client.post(
            f"/api/v1/posts/{post_id}/publish", headers=self.owner.headers
        )
        assert response.status_code == 200, response.text
        await self.worker.run_once()
        return post_id

    async def get(self, post_id: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/posts/{post_id}", headers=self.owner.headers)
        return dict(response.json())

    async def later(self, seconds: float) -> None:
        """Let ``seconds`` pass and run whatever became due."""
        self.frozen.advance(timedelta(seconds=seconds))
        await self.worker.run_once()
