"""Test mode refuses what live publishing refuses: the sandbox applies the live adapters'
rules (platforms.rules), at create time where the content says it and at publish time where
only the target does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, error
from tests.conftest import Owner, OwnerFactory
from tests.engine.conftest import sandbox_creates
from tests.legacy import legacy_account

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso


async def _page(client: httpx.AsyncClient, owner: Owner, account: str) -> str:
    response = await client.get(f"/api/v1/accounts/{account}/subaccounts", headers=owner.headers)
    (page,) = response.json()["subaccounts"]
    assert page["type"] == "facebook_page"
    return str(page["id"])


async def _post(
    client: httpx.AsyncClient, owner: Owner, post: dict[str, Any], frozen: FrozenClock
) -> httpx.Response:
    when = iso(frozen.now() + timedelta(seconds=30))
    return await client.post(
        "/api/v1/posts", headers=owner.headers, json={"post": post, "scheduledTime": when}
    )


async def test_a_sandbox_facebook_post_needs_a_page_like_a_live_one(
    app: FastAPI, client: httpx.AsyncClient, tester: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    account = await connect(client, tester, "facebook", "1")
    page = await _page(client, tester, account)
    content = {"content": {"text": "to the page"}, "accountId": account}
    on_page = (await _post(client, tester, {**content, "subaccountId": page}, frozen)).json()["id"]
    no_page = (await _post(client, tester, content, frozen)).json()["id"]
    frozen.advance(timedelta(seconds=30))
    await worker.run_once()
    published = (await client.get(f"/api/v1/posts/{on_page}", headers=tester.headers)).json()
    assert published["status"] == "published"
    failed = (await client.get(f"/api/v1/posts/{no_page}", headers=tester.headers)).json()
    assert (failed["status"], failed["error_code"]) == ("failed", "subaccount_required")
    assert "subaccountId" in failed["error_message"]
    assert await sandbox_creates(app, no_page) == 0


@pytest.mark.parametrize("livemode", [False, True])
@pytest.mark.parametrize(
    ("options", "media", "field"),
    [
        ({"post_type": "story"}, ["https://example.com/a.jpg"], "options.post_type"),
        ({"link": "https://example.com/menu"}, ["https://example.com/a.jpg"], "options.link"),
    ],
)
async def test_what_no_facebook_adapter_publishes_is_refused_at_create(
    app: FastAPI,
    client: httpx.AsyncClient,
    make_owner: OwnerFactory,
    livemode: bool,
    options: dict[str, Any],
    media: list[str],
    field: str,
) -> None:
    owner = await make_owner(livemode=livemode)
    account = (
        await legacy_account(app, owner, "facebook")
        if livemode
        else await connect(client, owner, "facebook", "1")
    )
    response = await client.post(
        "/api/v1/posts",
        headers=owner.headers,
        json={"post": {"accountId": account, "content": {"text": "", "mediaUrls": media},
                       "options": options}},
    )  # fmt: skip
    assert response.status_code == 400, response.text
    body = error(response)
    assert body["code"] == "validation_error"
    assert [d["field"] for d in body["details"]] == [field]
    posts = (await client.get("/api/v1/posts", headers=owner.headers)).json()
    assert posts["meta"]["count"] == 0
