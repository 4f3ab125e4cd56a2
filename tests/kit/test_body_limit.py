"""The request body limit (LOWTATO_MAX_BODY_BYTES): a body over it is 413 `payload_too_large`
before it is parsed, whether it announces its size (Content-Length) or streams it chunked, and
nothing is written. Media uploads keep their own, larger limits."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from tests.api import connect, error
from tests.conftest import AppFactory, Owner, client_for
from tests.media.files import noisy_png, upload_multipart

LIMIT = 64 * 1024


class Body:
    """A body sent chunk by chunk (no Content-Length), counting how much the server pulled."""

    def __init__(self, data: bytes, chunk: int = 8 * 1024) -> None:
        self.parts = [data[i : i + chunk] for i in range(0, len(data), chunk)]
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self.parts:
            self.pulled += len(part)
            yield part


def _post_body(account_id: str, text: str) -> bytes:
    return json.dumps({"post": {"accountId": account_id, "content": {"text": text}}}).encode()


async def _count(client: httpx.AsyncClient, owner: Owner) -> int:
    listed = await client.get("/api/v1/posts", headers=owner.headers)
    return int(listed.json()["meta"]["count"])


async def test_a_body_over_the_limit_is_413_from_content_length(
    app_factory: AppFactory, owner: Owner
) -> None:
    app = await app_factory(max_body_bytes=LIMIT)
    async with client_for(app) as client:
        account = await connect(client, owner)
        response = await client.post(
            "/api/v1/posts",
            headers={**owner.headers, "content-type": "application/json"},
            content=_post_body(account, "x" * (LIMIT + 1)),
        )
        assert response.status_code == 413, response.text
        body = error(response)
        assert body["code"] == "payload_too_large"
        assert body["details"] == {"limit": LIMIT}
        assert "LOWTATO_MAX_BODY_BYTES" in body["message"]
        assert response.headers["x-request-id"]
        assert await _count(client, owner) == 0


async def test_a_chunked_body_is_cut_off_once_it_passes_the_limit(
    app_factory: AppFactory, owner: Owner
) -> None:
    app = await app_factory(max_body_bytes=LIMIT)
    async with client_for(app) as client:
        account = await connect(client, owner)
        stream = Body(_post_body(account, "x" * (4 * LIMIT)))
        response = await client.post(
            "/api/v1/posts",
            headers={**owner.headers, "content-type": "application/json"},
            content=stream,
        )
        assert response.status_code == 413, response.text
        assert error(response)["code"] == "payload_too_large"
        # Refused as the limit was passed, not after the whole body arrived.
        assert stream.pulled <= LIMIT + 8 * 1024
        assert await _count(client, owner) == 0


async def test_a_body_within_the_limit_is_served(app_factory: AppFactory, owner: Owner) -> None:
    app = await app_factory(max_body_bytes=LIMIT)
    async with client_for(app) as client:
        account = await connect(client, owner)
        stream = Body(_post_body(account, "a short post"))
        response = await client.post(
            "/api/v1/posts",
            headers={**owner.headers, "content-type": "application/json"},
            content=stream,
        )
        assert response.status_code == 201, response.text
        assert await _count(client, owner) == 1


async def test_the_default_limit_is_one_mebibyte(client: httpx.AsyncClient, owner: Owner) -> None:
    account = await connect(client, owner)
    response = await client.post(
        "/api/v1/posts",
        headers={**owner.headers, "content-type": "application/json"},
        content=_post_body(account, "x" * (1024 * 1024)),
    )
    assert response.status_code == 413, response.text
    assert error(response)["details"] == {"limit": 1024 * 1024}


async def test_media_uploads_keep_their_own_limits(app_factory: AppFactory, owner: Owner) -> None:
    app = await app_factory(max_body_bytes=LIMIT)
    png = noisy_png(200, 200)
    assert len(png) > LIMIT
    async with client_for(app) as client:
        response = await upload_multipart(client, owner, "big.png", png)
        assert response.status_code == 201, response.text
