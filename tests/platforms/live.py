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


async def assert_errors_summarised(live: LivePublisher, platform: str, create_path: str) -> None:
    """The platform answers the create call with a JSON error quoting the token and the
    request, then with a huge HTML page: the post's error_message says what happened in a
    few readable words, with no HTML, token or echoed request."""
    state = live.fakes.state
    for mode in ("echo_token", "html_500"):
        state.inject_raw(platform, create_path, mode)
        post = await live.get(await live.publish(f"garbage answer {mode}"))
        message = str(post["error_message"] or "")
        assert post["status"] in ("failed", "publishing"), post
        assert message and len(message) <= 400, (len(message), message)
        assert "<" not in message and "alert" not in message and "garbage answer" not in message
        assert not any(secret and secret in message for secret in state.echoed), message
    token, _request = state.echoed
    assert len(token) >= 8  # the fake did echo a real token
