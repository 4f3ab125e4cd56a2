"""Media are streamed at publish time: a 64 MiB video goes from storage (an upload) or from a
URL (spooled to a temporary file) to the X fake's chunked upload in bounded pieces, so the
process's peak memory during the publish stays far below the file's size; the temporary file
is gone when the attempt ends."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, create_post
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.fakes import linkedin_store as linkedin
from tests.fakes.fixtures import Fakes
from tests.fakes.media_files import padded_mp4
from tests.fakes.x import seed_account, store
from tests.media.files import mp4, upload_multipart

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry

MIB = 1024 * 1024
BIG = 64 * MIB
SMALL = MIB
# Holding the whole file would cost 64 MiB at least (today's code: several times that); a
# streamed publish holds a few pieces of it, at either end of the connection.
BOUND = 16 * MIB


def _video(size: int) -> bytes:
    """A valid MP4 the upload probe accepts, padded to ``size`` bytes with a ``free`` box."""
    head = mp4()
    pad = size - len(head)
    return head + pad.to_bytes(4, "big") + b"free" + bytes(pad - 8)


async def _account(client: httpx.AsyncClient, owner: Owner, fakes: Fakes) -> str:
    access, refresh = seed_account(fakes.state, "1001", "lowtato_fan")
    response = await client.post(
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
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _media_url(
    client: httpx.AsyncClient, owner: Owner, fakes: Fakes, source: str, size: int
) -> tuple[str, str]:
    """(URL for the post, sha256 of the file's bytes)."""
    if source == "upload":
        data = _video(size)
        response = await upload_multipart(client, owner, "big.mp4", data, "video/mp4")
        assert response.status_code == 201, response.text
        return str(response.json()["url"]), hashlib.sha256(data).hexdigest()
    digest = hashlib.sha256()
    for piece in padded_mp4(size):
        digest.update(piece)
    return fakes.media(f"padded-{size}.mp4"), digest.hexdigest()


async def _publish(
    client: httpx.AsyncClient, owner: Owner, worker: Worker, account: str, url: str, text: str
) -> tuple[dict[str, Any], int]:
    """Publish a post carrying ``url``; (the post afterwards, peak traced memory growth)."""
    response = await create_post(
        client,
        owner,
        account,
        post={"accountId": account, "content": {"text": text, "mediaUrls": [url]}},
    )
    assert response.status_code == 201, response.text
    post_id = response.json()["id"]
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
    await worker.run_once()
    peak = tracemalloc.get_traced_memory()[1]
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    return post, peak - before


@pytest.mark.parametrize("source", ["upload", "url"])
async def test_a_64_mib_video_is_published_to_x_in_bounded_memory(
    live_app: FastAPI, live_worker: Worker, make_owner: OwnerFactory, fakes: Fakes, source: str
) -> None:
    owner = await make_owner(livemode=True)
    spool = Path(live_app.state.services.storage.spool_dir)
    async with client_for(live_app) as client:
        account = await _account(client, owner, fakes)
        small_url, _ = await _media_url(client, owner, fakes, source, SMALL)
        big_url, big_sha = await _media_url(client, owner, fakes, source, BIG)
        tracemalloc.start()
        try:
            # The first publish pays for imports, caches and SQL compilation: not the file's cost.
            small, small_growth = await _publish(
                client, owner, live_worker, account, small_url, "a small video"
            )
            big, big_growth = await _publish(
                client, owner, live_worker, account, big_url, "a big video"
            )
        finally:
            tracemalloc.stop()
    print(
        f"\n{source}: peak traced memory growth while publishing a {BIG // MIB} MiB video: "
        f"{big_growth / MIB:.1f} MiB (a {SMALL // MIB} MiB video: {small_growth / MIB:.1f} MiB)"
    )
    assert small["status"] == "published", small
    assert big["status"] == "published", big
    # X got every byte, in order.
    x = store(fakes.state)
    (tweet,) = [t for t in x.tweets.values() if t.text == "a big video"]
    (media,) = [x.media[i] for i in tweet.media_ids]
    assert (media.received, media.sha256.hexdigest()) == (BIG, big_sha)
    assert big_growth < BOUND, f"publishing {BIG} bytes grew traced memory by {big_growth}"
    # Nothing left behind: a download's temporary file ends with its attempt.
    assert os.listdir(spool) == []


async def test_a_failed_attempt_leaves_no_temporary_file(
    live_app: FastAPI, live_worker: Worker, make_owner: OwnerFactory, fakes: Fakes
) -> None:
    owner = await make_owner(livemode=True)
    spool = Path(live_app.state.services.storage.spool_dir)
    fakes.state.inject("x", "media_append", "server_error")
    async with client_for(live_app) as client:
        account = await _account(client, owner, fakes)
        url = fakes.media(f"padded-{2 * MIB}.mp4")
        response = await create_post(
            client,
            owner,
            account,
            post={"accountId": account, "content": {"text": "refused", "mediaUrls": [url]}},
        )
        post_id = response.json()["id"]
        await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
        await live_worker.run_once()
        post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    # X answered 503 mid-upload: the post waits for a retry, and the download is gone.
    assert (post["status"], post["publish_state"]) == ("publishing", "retrying"), post
    assert os.listdir(spool) == []


async def test_a_64_mib_video_is_published_to_linkedin_in_bounded_memory(
    live_app: FastAPI, live_worker: Worker, make_owner: OwnerFactory, fakes: Fakes
) -> None:
    owner = await make_owner(livemode=True)
    member = linkedin.seed_account(fakes.state)
    async with client_for(live_app) as client:
        response = await client.post(
            "/api/v1/accounts/connect",
            headers=owner.headers,
            json={
                "platform": "linkedin",
                "access_token": member.token,
                "refresh_token": member.refresh_token,
                "platform_user_id": member.sub,
                "platform_username": member.name,
                "expires_in": 5_184_000,
            },
        )
        assert response.status_code == 201, response.text
        account = response.json()["id"]
        tracemalloc.start()
        try:
            small, small_growth = await _publish(
                client, owner, live_worker, account, fakes.media(f"padded-{SMALL}.mp4"), "small"
            )
            big, big_growth = await _publish(
                client, owner, live_worker, account, fakes.media(f"padded-{BIG}.mp4"), "big"
            )
        finally:
            tracemalloc.stop()
    print(
        f"\nlinkedin: peak traced memory growth, {BIG // MIB} MiB video: {big_growth / MIB:.1f} "
        f"MiB (a {SMALL // MIB} MiB video: {small_growth / MIB:.1f} MiB)"
    )
    assert small["status"] == "published", small
    assert big["status"] == "published", big
    # LinkedIn took the video in its byte ranges, every one of them (one ETag per part).
    (video,) = [
        m
        for m in linkedin.data(fakes.state).media.values()
        if m.urn.startswith("urn:li:video") and m.size == BIG
    ]
    assert len(video.etags) == len(video.parts) == BIG // (4 * MIB)
    assert big_growth < BOUND, f"publishing {BIG} bytes grew traced memory by {big_growth}"


async def test_a_download_past_the_limit_is_refused_while_streaming(
    app: FastAPI, app_factory: AppFactory, owner: Owner, fakes: Fakes
) -> None:
    small = await app_factory(media_max_image_bytes=MIB, media_max_video_bytes=MIB)
    spool = Path(small.state.services.storage.spool_dir)
    url = fakes.media(f"padded-{2 * MIB}.mp4")
    async with client_for(small) as client:
        account = await connect(client, owner, "bluesky", "did:plc:limits")
        response = await create_post(
            client,
            owner,
            account,
            post={"accountId": account, "content": {"text": "too big", "mediaUrls": [url]}},
        )
        post_id = response.json()["id"]
        await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
        await Worker(small.state.db, build_registry(small.state.services)).run_once()
        post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert (post["status"], post["error_code"]) == ("failed", "media_too_large"), post
    # The fake media host sends Content-Length, so the file is refused before its body is read.
    assert post["error_message"] == (
        f"media {url} announces {2 * MIB} bytes of video/mp4, over the {MIB}-byte limit for "
        "videos; it was not downloaded"
    )
    assert os.listdir(spool) == []
