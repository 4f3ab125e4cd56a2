"""The OpenAI-compatible client against a local fake of the API: answers, the shapes a server
may use, and every failure as a ProviderError with a sentence a user can act on."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image
from tests.fakes.openai_compat import API_KEY, OpenAIState, build
from tests.fakes.server import serve_app

from lowtato.llm.client import LLMConfig, Message, OpenAICompatible, ProviderError


@pytest.fixture
async def fake() -> AsyncIterator[OpenAIState]:
    state = OpenAIState()
    async with serve_app(build(state)) as url:
        state.base_url = url
        yield state


def client(fake: OpenAIState, **overrides: Any) -> OpenAICompatible:
    config = LLMConfig(
        base_url=fake.base_url + "/v1",
        api_key=API_KEY,
        chat_model="gpt-test",
        image_model="img-test",
        transcribe_model="whisper-test",
        timeout=5.0,
        allow_private_urls=True,
    )
    return OpenAICompatible(replace(config, **overrides))


async def test_chat_sends_the_documented_request(fake: OpenAIState) -> None:
    fake.reply = "Fresh bread at dawn."
    text = await client(fake).chat(
        [Message("system", "You write posts."), Message("user", "bread")], max_tokens=200
    )
    assert text == "Fresh bread at dawn."
    body = fake.requests[-1]["body"]
    assert body["model"] == "gpt-test" and body["max_tokens"] == 200
    assert body["messages"] == [
        {"role": "system", "content": "You write posts."},
        {"role": "user", "content": "bread"},
    ]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("error", "HTTP 500: The server had an error"),
        ("rate", "HTTP 429: Rate limit reached"),
        ("garbage", "not a JSON object"),
    ],
)
async def test_failures_say_what_happened(fake: OpenAIState, mode: str, expected: str) -> None:
    fake.mode = mode
    with pytest.raises(ProviderError) as failed:
        await client(fake).chat([Message("user", "x")], max_tokens=10)
    assert expected in failed.value.reason


async def test_wrong_key_and_empty_answer(fake: OpenAIState) -> None:
    with pytest.raises(ProviderError) as failed:
        await client(fake, api_key="sk-wrong").chat([Message("user", "x")], max_tokens=10)
    assert failed.value.status == 401 and "Incorrect API key" in failed.value.reason
    fake.reply = "   "
    with pytest.raises(ProviderError, match="empty text"):
        await client(fake).chat([Message("user", "x")], max_tokens=10)


async def test_a_slow_provider_hits_the_deadline(fake: OpenAIState) -> None:
    fake.mode, fake.delay = "slow", 3.0
    with pytest.raises(ProviderError) as failed:
        await client(fake, timeout=0.5).chat([Message("user", "x")], max_tokens=10)
    assert "could not be reached" in failed.value.reason


async def test_unreachable_provider(fake: OpenAIState) -> None:
    with pytest.raises(ProviderError, match="could not be reached"):
        await client(fake, base_url="http://127.0.0.1:9/v1").chat(
            [Message("user", "x")], max_tokens=10
        )


@pytest.mark.parametrize("as_url", [False, True])
async def test_images_as_base64_or_url(fake: OpenAIState, as_url: bool) -> None:
    fake.image_as_url = as_url
    data = await client(fake).image("a loaf", size="1024x1536")
    assert Image.open(io.BytesIO(data)).size == (1024, 1536)
    with pytest.raises(ProviderError, match="Invalid value for 'size'"):
        await client(fake).image("a loaf", size="999x999")
    with pytest.raises(ProviderError, match="no image model"):
        await client(fake, image_model="").image("a loaf", size="1024x1024")


async def test_a_returned_image_url_is_checked_like_any_outside_url(fake: OpenAIState) -> None:
    """The provider's endpoint may be private (the operator chose it); a URL it hands back
    is fetched with the private-address checks on unless the operator allows private URLs."""
    fake.image_as_url = True
    with pytest.raises(ProviderError, match="could not be fetched"):
        await client(fake, allow_private_urls=False).image("a loaf", size="1024x1024")


async def test_transcription(fake: OpenAIState) -> None:
    fake.transcript = "We bake at four."
    text = await client(fake).transcribe(b"ID3fake", filename="a.mp3", mime_type="audio/mpeg")
    assert text == "We bake at four." and fake.requests[-1]["model"] == "whisper-test"
    with pytest.raises(ProviderError, match="could not be decoded"):
        await client(fake).transcribe(b"", filename="a.mp3", mime_type="audio/mpeg")
    with pytest.raises(ProviderError, match="no transcription model"):
        await client(fake, transcribe_model="").transcribe(
            b"x", filename="a.mp3", mime_type="audio/mpeg"
        )
