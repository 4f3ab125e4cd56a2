"""A media URL that misbehaves at publish time costs the server a bounded amount and fails (or
retries) only its own post, with ``media_unavailable`` / ``media_too_large`` and a message
naming the URL: a huge declared size, a lying Content-Type, a gzip bomb, a drip feed, a stalled
body, redirect loops and chains; and one owner's slow URLs leave other owners' posts alone."""

from __future__ import annotations

import asyncio
import os
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from tests.api import connect, create_post
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for
from tests.media.files import uploaded
from tests.media.hostile import HUGE_BYTES, MIB, Hostile, hostile_server

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry

VIDEO_LIMIT = 64 * MIB
# A download stopped early leaves at most what the sockets buffered (a few MiB on loopback)
# sent by the server; one read to the end would be the whole declared size or more.
STOPPED_EARLY = 16 * MIB
# Hang guard: far above what any of these takes when the fix works; a hang fails instead.
GUARD = 30.0


@pytest.fixture
async def hostile() -> AsyncIterator[Hostile]:
    async with hostile_server() as server:
        yield server


@pytest.fixture
async def strict(app: FastAPI, app_factory: AppFactory) -> FastAPI:
    """Small image limit, short download timeouts (``app`` first: it empties the database)."""
    return await app_factory(
        media_max_image_bytes=MIB,
        media_max_video_bytes=VIDEO_LIMIT,
        media_fetch_timeout_seconds=2.0,
        media_fetch_idle_seconds=0.5,
    )


async def _publish(app: FastAPI, owner: Owner, url: str, user: str = "did:plc:hostile") -> str:
    async with client_for(app) as client:
        account = await connect(client, owner, "bluesky", user)
        response = await create_post(
            client,
            owner,
            account,
            post={"accountId": account, "content": {"text": "media", "mediaUrls": [url]}},
        )
        assert response.status_code == 201, response.text
        post_id = str(response.json()["id"])
        response = await client.post(f"/api/v1/posts/{post_id}/publish", headers=owner.headers)
        assert response.status_code < 300, response.text
        return post_id


async def _post(app: FastAPI, owner: Owner, post_id: str) -> dict[str, Any]:
    async with client_for(app) as client:
        response = await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)
        return dict(response.json())


async def _run(app: FastAPI) -> None:
    async with asyncio.timeout(GUARD):
        await Worker(app.state.db, build_registry(app.state.services)).run_once()


async def _until_published(app: FastAPI, owner: Owner, post_id: str) -> None:
    while True:
        if (await _post(app, owner, post_id))["status"] == "published":
            return
        await asyncio.sleep(0.05)


async def _published_with(app: FastAPI, owner: Owner, url: str) -> dict[str, Any]:
    post_id = await _publish(app, owner, url)
    await _run(app)
    post = await _post(app, owner, post_id)
    assert os.listdir(Path(app.state.services.storage.spool_dir)) == []
    return post


async def test_an_image_announcing_more_than_the_image_limit_is_refused_unread(
    strict: FastAPI, owner: Owner, hostile: Hostile
) -> None:
    url = f"{hostile.url}/huge.png"
    post = await _published_with(strict, owner, url)
    assert (post["status"], post["error_code"]) == ("failed", "media_too_large"), post
    assert post["error_message"] == (
        f"media {url} announces {HUGE_BYTES} bytes of image/png, over the {MIB}-byte limit "
        "for images; it was not downloaded"
    )
    assert hostile.sent["/huge.png"] < STOPPED_EARLY


async def test_a_lying_content_type_gets_the_limit_of_what_the_bytes_are(
    strict: FastAPI, owner: Owner, hostile: Hostile
) -> None:
    # Declared video/mp4 (whose limit is 64 MiB), no length, endless: the bytes are a PNG.
    url = f"{hostile.url}/liar.mp4"
    post = await _published_with(strict, owner, url)
    assert (post["status"], post["error_code"]) == ("failed", "media_too_large"), post
    assert post["error_message"] == (
        f"media {url} is a PNG image (judged by its bytes) larger than the {MIB}-byte limit "
        "for images; the download was stopped"
    )
    assert hostile.sent["/liar.mp4"] < STOPPED_EARLY


async def test_a_gzip_bomb_is_stopped_at_the_decoded_limit_in_bounded_memory(
    strict: FastAPI, owner: Owner, hostile: Hostile
) -> None:
    # ~128 KiB on the wire, 128 MiB decoded; the largest file accepted (a video) is 64 MiB.
    url = f"{hostile.url}/bomb.png"
    tracemalloc.start()
    try:
        # The first publish pays for imports, caches and SQL compilation: not the bomb's cost.
        warm = await _published_with(strict, owner, f"{hostile.url}/ok.png")
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        post = await _published_with(strict, owner, url)
        growth = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert warm["status"] == "published", warm
    assert (post["status"], post["error_code"]) == ("failed", "media_too_large"), post
    assert post["error_message"] == (
        f"media {url} is a PNG image (judged by its bytes) larger than the {MIB}-byte limit "
        "for images; the download was stopped"
    )
    assert growth < STOPPED_EARLY, f"decoding the bomb grew traced memory by {growth}"


async def test_a_drip_fed_url_is_cut_off_at_the_total_time_limit(
    strict: FastAPI, owner: Owner, hostile: Hostile
) -> None:
    url = f"{hostile.url}/drip.png"
    post = await _published_with(strict, owner, url)
    # A slow server may be better later: the post retries (and fails once out of attempts).
    assert (post["status"], post["publish_state"]) == ("publishing", "retrying"), post
    assert post["error_code"] == "media_unavailable"
    assert post["error_message"].startswith(
        f"media {url} could not be fetched: {hostile.url} did not send a complete response "
        "within 2 s; retrying in "
    ), post["error_message"]


async def test_a_stalled_url_is_cut_off_when_idle(
    strict: FastAPI, owner: Owner, hostile: Hostile
) -> None:
    url = f"{hostile.url}/stall.png"
    post = await _published_with(strict, owner, url)
    assert (post["status"], post["publish_state"]) == ("publishing", "retrying"), post
    assert post["error_code"] == "media_unavailable"
    assert post["error_message"].startswith(
        f"media {url} could not be fetched: {hostile.url} sent nothing for 0.5 s; retrying in "
    ), post["error_message"]


async def test_a_redirect_loop_fails_the_post_at_once(
    strict: FastAPI, owner: Owner, hostile: Hostile
) -> None:
    url = f"{hostile.url}/loop"
    post = await _published_with(strict, owner, url)
    assert (post["status"], post["error_code"]) == ("failed", "media_unavailable"), post
    assert post["error_message"] == (
        f"media {url} cannot be fetched: {hostile.url} redirects in a loop (back to an "
        "address already visited)"
    )
    # The loop was seen on its first turn, not followed to the redirect limit.
    assert hostile.requests == ["/loop"]


async def test_a_redirect_chain_is_followed_three_hops_then_fails_the_post(
    strict: FastAPI, owner: Owner, hostile: Hostile
) -> None:
    url = f"{hostile.url}/hop/0"
    post = await _published_with(strict, owner, url)
    assert (post["status"], post["error_code"]) == ("failed", "media_unavailable"), post
    assert post["error_message"] == (
        f"media {url} cannot be fetched: {hostile.url} redirected more than 3 times; "
        "use the final URL directly"
    )
    assert hostile.requests == ["/hop/0", "/hop/1", "/hop/2", "/hop/3"]


async def test_one_owners_slow_urls_do_not_hold_back_another_owners_post(
    app: FastAPI, app_factory: AppFactory, make_owner: OwnerFactory, hostile: Hostile
) -> None:
    # Two workers, one download per owner at a time. Owner A's two posts come first and their
    # URL answers only when the test says so; owner B's post is published meanwhile.
    limited = await app_factory(media_fetch_per_owner=1, media_fetch_idle_seconds=60.0)
    a, b = await make_owner(), await make_owner()
    # On two accounts: one account's posts go out one after another anyway.
    slow = [await _publish(limited, a, f"{hostile.url}/hang.png", f"did:plc:a{i}") for i in (1, 2)]
    quick = await _publish(limited, b, f"{hostile.url}/ok.png", user="did:plc:other")
    # A file uploaded to this server is read from storage: it needs no download turn.
    async with client_for(limited) as client:
        own_file = (await uploaded(client, a))["url"]
    own = await _publish(limited, a, own_file, user="did:plc:a3")
    worker = Worker(
        limited.state.db, build_registry(limited.state.services), concurrency=2, poll_interval=0.05
    )
    running = asyncio.create_task(worker.run())
    try:
        async with asyncio.timeout(GUARD):
            await _until_published(limited, b, quick)
            await _until_published(limited, a, own)
        # B's post (and A's post of an uploaded file) went out while one of A's downloads was
        # still held open by the server...
        assert hostile.hanging == 1
        # ...and A's other post waits its turn: not sending, not failed, no attempt spent.
        posts = [await _post(limited, a, post_id) for post_id in slow]
        assert sorted(p["status"] for p in posts) == ["publishing", "scheduled"], posts
        assert [p["error_code"] for p in posts] == [None, None], posts
        # Once the server answers, both of A's posts go out.
        hostile.release.set()
        async with asyncio.timeout(GUARD):
            for post_id in slow:
                await _until_published(limited, a, post_id)
    finally:
        hostile.release.set()
        await worker.stop(grace=5)
        await running
