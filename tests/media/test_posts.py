"""Media in posts: uploaded files (by URL or id) and URLs from elsewhere, checked at create time
and at publish time, published through the sandbox network and through the X fake."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from tests.api import connect, create_post, error
from tests.conftest import Owner, OwnerFactory, client_for
from tests.fakes.fixtures import Fakes
from tests.fakes.x import seed_account, store
from tests.media.files import FILES, mp4, upload_json, uploaded, webm

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock, iso
from lowtato.platforms.sandbox.models import SandboxPost


async def _post(client: httpx.AsyncClient, owner: Owner, post_id: str) -> dict[str, Any]:
    return dict((await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json())


async def _due_post(
    client: httpx.AsyncClient,
    owner: Owner,
    account: str,
    media: list[str],
    frozen: FrozenClock,
    text: str = "with media",
) -> str:
    response = await create_post(
        client,
        owner,
        account,
        text,
        scheduledTime=iso(frozen.now() + timedelta(minutes=1)),
        post={"accountId": account, "content": {"text": text, "mediaUrls": media}},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _sandbox_media(app: FastAPI, post_id: str) -> list[dict[str, Any]]:
    async with app.state.db.transaction() as session:
        row = await session.scalar(
            select(SandboxPost).where(SandboxPost.request_post_id == post_id)
        )
        assert row is not None
        return list(row.media)


async def test_uploaded_media_publish_through_the_sandbox(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    png, jpg = await uploaded(client, owner, "pic.png"), await uploaded(client, owner, "photo.jpg")
    account = await connect(client, owner, "bluesky", "did:plc:media")
    post_id = await _due_post(client, owner, account, [png["url"], jpg["id"]], frozen)
    # The id is stored as the file's URL, which platforms can fetch.
    assert (await _post(client, owner, post_id))["media_urls"] == [png["url"], jpg["url"]]

    frozen.advance(timedelta(minutes=1))
    await worker.run_once()
    post = await _post(client, owner, post_id)
    assert post["status"] == "published", post
    assert await _sandbox_media(app, post_id) == [
        {"url": png["url"], "kind": "image"},
        {"url": jpg["url"], "kind": "image"},
    ]
    page = await client.get(str(post["public_url"]).removeprefix("http://testserver"))
    assert png["url"] in page.text


async def test_media_url_from_elsewhere_is_fetched_at_publish_time(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Owner,
    worker: Worker,
    frozen: FrozenClock,
    fakes: Fakes,
) -> None:
    account = await connect(client, owner, "bluesky", "did:plc:remote")
    url = fakes.media("cat.png")
    post_id = await _due_post(client, owner, account, [url], frozen)
    frozen.advance(timedelta(minutes=1))
    await worker.run_once()
    assert (await _post(client, owner, post_id))["status"] == "published"
    # The type the sandbox applied its rules to came from the downloaded bytes.
    assert await _sandbox_media(app, post_id) == [{"url": url, "kind": "image"}]


async def test_media_that_cannot_be_fetched_fail_the_post_clearly(
    client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock, fakes: Fakes
) -> None:
    account = await connect(client, owner, "twitter", "42")
    missing = await _due_post(client, owner, account, [fakes.media("missing.png")], frozen)
    not_media = await _due_post(client, owner, account, [fakes.media("page.html")], frozen)
    frozen.advance(timedelta(minutes=1))
    await worker.run_once()

    post = await _post(client, owner, missing)
    assert (post["status"], post["error_code"]) == ("failed", "media_unavailable")
    assert post["error_message"] == (
        f"media {fakes.media('missing.png')} could not be fetched: HTTP 404"
    )
    post = await _post(client, owner, not_media)
    assert (post["status"], post["error_code"]) == ("failed", "media_unsupported")
    assert fakes.media("page.html") in post["error_message"]
    assert "not a JPEG, PNG, GIF, WebP, MP4 or WebM file" in post["error_message"]


async def test_another_owners_or_modes_media_is_404_in_a_post(
    client: httpx.AsyncClient, owner: Owner, make_owner: OwnerFactory
) -> None:
    theirs = await uploaded(client, await make_owner())
    live_self = await make_owner(email=owner.email, livemode=True)
    mine_in_live = await uploaded(client, live_self)
    account = await connect(client, owner, "twitter", "7")
    for entry in (theirs["url"], theirs["id"], mine_in_live["url"], mine_in_live["id"]):
        response = await create_post(
            client,
            owner,
            account,
            post={"accountId": account, "content": {"text": "x", "mediaUrls": [entry]}},
        )
        assert response.status_code == 404, (entry, response.text)
        assert error(response)["code"] == "not_found"
        assert theirs["id"] in error(response)["message"] or mine_in_live["id"] in str(
            error(response)["message"]
        )
    # A URL of the right shape whose token is wrong is not the file either.
    mine = await uploaded(client, owner)
    forged = mine["url"].replace("/media/", "/media/AAAA", 1)
    response = await create_post(
        client,
        owner,
        account,
        post={"accountId": account, "content": {"text": "x", "mediaUrls": [forged]}},
    )
    assert response.status_code == 404


async def test_real_file_facts_are_checked_at_create_time(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    account = await connect(client, owner, "bluesky", "did:plc:rules")
    long_video = (await upload_json(client, owner, mp4(seconds=200))).json()
    a_webm = (await upload_json(client, owner, webm())).json()
    for media, words in ((long_video, "video is 200 s long"), (a_webm, "video/webm")):
        # Bluesky: videos up to 3 minutes, MP4 only; the duration comes from the upload.
        response = await create_post(
            client,
            owner,
            account,
            post={"accountId": account, "content": {"text": "v", "mediaUrls": [media["url"]]}},
        )
        assert response.status_code == 400, response.text
        assert words in error(response)["message"], error(response)["message"]
    ok = (await upload_json(client, owner, mp4(seconds=30))).json()
    response = await create_post(
        client,
        owner,
        account,
        post={"accountId": account, "content": {"text": "v", "mediaUrls": [ok["id"]]}},
    )
    assert response.status_code == 201, response.text


async def test_media_used_by_a_scheduled_post_cannot_be_deleted(
    client: httpx.AsyncClient, owner: Owner, frozen: FrozenClock
) -> None:
    media = await uploaded(client, owner)
    account = await connect(client, owner, "twitter", "8")
    post_id = await _due_post(client, owner, account, [media["url"]], frozen)
    response = await client.delete(f"/api/v1/media/{media['id']}", headers=owner.headers)
    assert response.status_code == 409
    assert error(response)["details"] == {"post_ids": [post_id]}
    await client.delete(f"/api/v1/posts/{post_id}", headers=owner.headers)
    response = await client.delete(f"/api/v1/media/{media['id']}", headers=owner.headers)
    assert response.status_code == 200


async def test_uploaded_media_reach_the_x_fake_from_storage(
    live_app: FastAPI, live_worker: Worker, make_owner: OwnerFactory, fakes: Fakes
) -> None:
    owner = await make_owner(livemode=True)
    access, refresh = seed_account(fakes.state, "1001", "lowtato_fan")
    async with client_for(live_app) as client:
        png, gif = await uploaded(client, owner, "pic.png"), await uploaded(client, owner)
        account = (
            await client.post(
                "/api/v1/accounts/connect",
                headers=owner.headers,
                json={
                    "platform": "twitter",
                    "access_token": access,
                    "refresh_token": refresh,
                    "platform_user_id": "1001",
                    "platform_username": "lowtato_fan",
                },
            )
        ).json()["id"]
        response = await create_post(
            client,
            owner,
            account,
            post={
                "accountId": account,
                "content": {"text": "pics", "mediaUrls": [png["url"], gif["id"]]},
            },
        )
        post_id = response.json()["id"]
        await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
        await live_worker.run_once()
        post = await _post(client, owner, post_id)
    assert post["status"] == "published", post
    (tweet,) = store(fakes.state).tweets.values()
    uploaded_bytes = [bytes(store(fakes.state).media[i].data) for i in tweet.media_ids]
    # http://testserver is not reachable: the bytes were read from storage, not over HTTP.
    assert uploaded_bytes == [FILES["pic.png"][1], FILES["pic.png"][1]]
