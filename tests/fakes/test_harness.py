"""The fake harness itself: media host, control API, failure injection."""

from __future__ import annotations

import httpx
from tests.fakes.fixtures import Fakes

from lowtato.media.sniff import sniff


async def test_media_host_serves_real_files(fakes: Fakes) -> None:
    async with httpx.AsyncClient() as client:
        for name, mime in [
            ("cat.png", "image/png"),
            ("dog.jpg", "image/jpeg"),
            ("clip.mp4", "video/mp4"),
        ]:
            response = await client.get(fakes.media(name))
            assert response.status_code == 200
            assert sniff(response.content[:64]) == mime
        missing = await client.get(fakes.media("nope.png"))
        assert missing.status_code == 404


async def test_control_api(fakes: Fakes) -> None:
    async with httpx.AsyncClient(base_url=fakes.url) as client:
        await client.post(
            "/__fake/scenario",
            json={"platform": "x", "endpoint": "tweets", "mode": "rate_limit", "count": 2},
        )
        assert fakes.state.take("x", "tweets") == "rate_limit"
        assert fakes.state.take("x", "tweets") == "rate_limit"
        assert fakes.state.take("x", "tweets") is None
        await client.post("/__fake/reset")
        assert (await client.get("/__fake/calls")).json() == {"calls": []}
