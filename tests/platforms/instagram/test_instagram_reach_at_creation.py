"""Instagram downloads each media file itself: a post whose media are uploaded here, while
LOWTATO_PUBLIC_URL is not publicly reachable, is still created (the operator may fix it before
the publish time) but its answer warns what will fail and how to fix it. Media on other public
hosts, a public LOWTATO_PUBLIC_URL, LOWTATO_ALLOW_PRIVATE_URLS and test keys (the sandbox does
not refuse private media URLs) get no warning."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import later
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for, empty_database
from tests.legacy import legacy_account
from tests.media.files import uploaded

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry

PRIVATE = "http://127.0.0.1:8000"
ELSEWHERE = "https://cdn.example.com/dog.jpg"


async def _app(app_factory: AppFactory, **overrides: Any) -> FastAPI:
    overrides.setdefault("public_url", PRIVATE)
    overrides.setdefault("allow_private_urls", False)
    app = await app_factory(**overrides)
    await empty_database(app.state.db)
    return app


def nested(account: str, media: list[str]) -> dict[str, Any]:
    return {"post": {"accountId": account, "content": {"text": "hi", "mediaUrls": media}},
            "scheduledTime": later()}  # fmt: skip


def flat(account: str, media: list[str]) -> dict[str, Any]:
    return {"account_id": account, "content": "hi", "media_urls": media, "scheduled_at": later()}


def assert_warns_of_public_url(warnings: list[str], public_url: str = PRIVATE) -> None:
    (warning,) = warnings
    assert f"LOWTATO_PUBLIC_URL ({public_url})" in warning
    assert "cannot reach" in warning and "media_not_public" in warning
    assert "public https address" in warning and "public host" in warning


async def _live_instagram(app: FastAPI, make_owner: OwnerFactory) -> tuple[Owner, str]:
    owner = await make_owner(livemode=True)
    return owner, await legacy_account(app, owner, "instagram")


@pytest.mark.parametrize("shape", [nested, flat])
@pytest.mark.parametrize("by", ["url", "id"])
async def test_hosted_media_with_a_private_public_url_is_created_with_a_warning(
    app_factory: AppFactory, make_owner: OwnerFactory, shape: Any, by: str
) -> None:
    app = await _app(app_factory)
    owner, account = await _live_instagram(app, make_owner)
    async with client_for(app) as client:
        media = await uploaded(client, owner, "photo.jpg")
        response = await client.post("/api/v1/posts", headers=owner.headers,
                                      json=shape(account, [media[by]]))  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "scheduled"
        assert_warns_of_public_url(response.json()["warnings"])
        # Media elsewhere on the internet: nothing to warn about.
        response = await client.post("/api/v1/posts", headers=owner.headers,
                                     json=shape(account, [ELSEWHERE]))  # fmt: skip
        assert (response.status_code, response.json()["warnings"]) == (201, []), response.text


@pytest.mark.parametrize(
    ("overrides", "platform"),
    [
        ({"public_url": "https://lowtato.example.com"}, "instagram"),
        ({"allow_private_urls": True}, "instagram"),
        ({}, "twitter"),  # X is sent the bytes: it downloads nothing
    ],
    ids=["public", "allow_private", "twitter"],
)
async def test_no_warning_when_the_platform_gets_the_media(
    app_factory: AppFactory, make_owner: OwnerFactory, overrides: dict[str, Any], platform: str
) -> None:
    app = await _app(app_factory, **overrides)
    owner = await make_owner(livemode=True)
    account = await legacy_account(app, owner, platform)
    async with client_for(app) as client:
        media = await uploaded(client, owner, "photo.jpg")
        response = await client.post("/api/v1/posts", headers=owner.headers,
                                     json=nested(account, [media["url"]]))  # fmt: skip
    assert (response.status_code, response.json()["warnings"]) == (201, []), response.text


async def test_editing_a_scheduled_post_to_hosted_media_warns(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    app = await _app(app_factory)
    owner, account = await _live_instagram(app, make_owner)
    async with client_for(app) as client:
        media = await uploaded(client, owner, "photo.jpg")
        created = await client.post("/api/v1/posts", headers=owner.headers,
                                    json=nested(account, [ELSEWHERE]))  # fmt: skip
        post_id = created.json()["id"]
        patched = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                                     json={"media_urls": [media["id"]]})  # fmt: skip
        assert patched.status_code == 200, patched.text
        assert patched.json()["media_urls"] == [media["url"]]
        assert_warns_of_public_url(patched.json()["warnings"])
        patched = await client.patch(f"/api/v1/schedules/{post_id}", headers=owner.headers,
                                     json={"media_urls": [ELSEWHERE]})  # fmt: skip
        assert (patched.status_code, patched.json()["warnings"]) == (200, [])


async def test_bulk_warns_per_post(app_factory: AppFactory, make_owner: OwnerFactory) -> None:
    app = await _app(app_factory)
    owner, account = await _live_instagram(app, make_owner)
    async with client_for(app) as client:
        media = await uploaded(client, owner, "photo.jpg")
        items = [
            {"content": "hosted", "platforms": ["instagram"], "account_id": account,
             "media_urls": [media["url"]], "scheduled_at": later()},
            {"content": "elsewhere", "platforms": ["instagram"], "account_id": account,
             "media_urls": [ELSEWHERE], "scheduled_at": later()},
        ]  # fmt: skip
        response = await client.post("/api/v1/posts/bulk", headers=owner.headers,
                                     json={"posts": items})  # fmt: skip
    assert response.status_code == 201, response.text
    hosted, elsewhere = response.json()["posts"]
    assert_warns_of_public_url(hosted["warnings"])
    assert elsewhere["warnings"] == []


async def test_test_keys_get_no_warning_and_the_sandbox_publishes(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    """The sandbox does not refuse media URLs Instagram could not reach (it downloads
    nothing), so a test-mode post with media uploaded here is not warned about."""
    app = await _app(app_factory)
    owner = await make_owner()
    async with client_for(app) as client:
        connected = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": "instagram", "access_token": "tok", "platform_user_id": "ig1"})  # fmt: skip
        assert connected.json()["warnings"] == []
        media = await uploaded(client, owner, "photo.jpg")
        body = nested(connected.json()["id"], [media["url"]])
        del body["scheduledTime"]
        response = await client.post("/api/v1/posts", headers=owner.headers, json=body)
        assert (response.status_code, response.json()["warnings"]) == (201, []), response.text
        await _publish_in_sandbox(app, client, owner, response.json()["id"])


async def _publish_in_sandbox(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, post_id: str
) -> None:
    response = await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
    assert response.status_code == 200, response.text
    await Worker(app.state.db, build_registry(app.state.services), concurrency=1).run_once()
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["status"] == "published", post
