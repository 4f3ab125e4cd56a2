"""YouTube transcripts, TikTok and X posts, text, audio, perplexity-query and custom
instructions, with and without the AI providers they need.

YouTube: youtube-transcript-api runs unmodified against a loopback fake of the pages it
reads (watch page, innertube player, timedtext); the process's session sends YouTube's
origin there (``LOWTATO_SOURCES_YOUTUBE_URL``)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import Owner
from tests.fakes.openai_compat import OpenAIState
from tests.sources.conftest import create, get, settle, worker_for
from tests.sources.site import VIDEO_WITH_CAPTIONS, VIDEO_WITHOUT_CAPTIONS, SiteState

from lowtato.sources.urls import youtube_video_id


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={VIDEO_WITH_CAPTIONS}",
        f"https://youtube.com/watch?feature=share&v={VIDEO_WITH_CAPTIONS}&t=42s",
        f"https://m.youtube.com/watch?v={VIDEO_WITH_CAPTIONS}",
        f"https://youtu.be/{VIDEO_WITH_CAPTIONS}?si=abc",
        f"https://www.youtube.com/shorts/{VIDEO_WITH_CAPTIONS}",
        f"https://www.youtube.com/embed/{VIDEO_WITH_CAPTIONS}?start=3",
        f"https://www.youtube.com/live/{VIDEO_WITH_CAPTIONS}",
    ],
)
def test_video_id_from_every_url_form(url: str) -> None:
    assert youtube_video_id(url) == VIDEO_WITH_CAPTIONS


async def test_youtube_transcript_and_title(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    url = f"https://youtu.be/{VIDEO_WITH_CAPTIONS}"
    source = await settle(app, client, owner, {"sourceType": "youtube", "url": url})
    assert source["status"] == "ready", source
    assert source["extracted_title"] == "Baking rye bread at home"
    assert source["extracted_content"] == (
        "Welcome back to the bakery. Today we bake rye & spelt bread."
    )
    assert f"watch:{VIDEO_WITH_CAPTIONS}" in site.requests


async def test_a_video_without_transcript_fails_saying_so(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    url = f"https://www.youtube.com/watch?v={VIDEO_WITHOUT_CAPTIONS}"
    source = await settle(app, client, owner, {"sourceType": "youtube", "url": url})
    assert source["status"] == "failed"
    assert source["error_message"].startswith("the video has no transcript")


async def test_tiktok_caption_and_author(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    url = "https://www.tiktok.com/@crustqueen/video/7312345678901234567"
    source = await settle(app, client, owner, {"sourceType": "tiktok", "url": url})
    assert source["status"] == "ready", source
    assert source["extracted_content"] == "Three tips for a crisp crust #baking"
    assert source["extracted_title"].startswith("TikTok by crustqueen")
    assert f"tiktok:{url}" in site.requests


async def test_twitter_post_text_without_the_embed_markup(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    url = "https://x.com/bakery/status/1234567890"
    source = await settle(app, client, owner, {"sourceType": "twitter", "url": url})
    assert source["status"] == "ready", source
    assert source["extracted_title"] == "Post by Bakery"
    assert source["extracted_content"] == (
        "Fresh rye is out of the oven & ready at 8am.\nCome early! pic.twitter.com/x"
    )


@pytest.mark.parametrize(
    ("source_type", "url"),
    [("twitter", "https://twitter.com/bakery/status/missing"),
     ("tiktok", "https://www.tiktok.com/@x/video/missing")],
)  # fmt: skip
async def test_a_post_that_is_missing_or_private_fails(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, source_type: str, url: str
) -> None:
    source = await settle(app, client, owner, {"sourceType": source_type, "url": url})
    assert source["status"] == "failed"
    assert source["error_message"].startswith("the post was not found or is not public")


async def test_text_is_taken_as_it_is(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    text = "Our spring menu launches Monday.\nNew: rhubarb tarts and wild garlic focaccia."
    source = await settle(app, client, owner, {"sourceType": "text", "text": text})
    assert source["status"] == "ready"
    assert source["extracted_title"] == "Our spring menu launches Monday."
    assert source["extracted_content"] == text


async def test_content_over_the_cap_is_cut_and_says_so(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, ai: OpenAIState
) -> None:
    ai.reply = "Rye. " * 30_000  # 150,000 characters
    body = {"sourceType": "perplexity-query", "text": "Tell me everything about rye."}
    source = await settle(app, client, owner, body)
    assert source["status"] == "ready"
    assert len(source["extracted_content"]) == 100_000
    assert source["notes"] == [
        "extracted_content was cut to its first 100,000 characters (the source had 149,999)"
    ]


async def test_audio_is_transcribed_by_the_provider(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState, ai: OpenAIState
) -> None:
    ai.transcript = "Welcome to the bakery podcast. Today: rye."
    source = await settle(app, client, owner, {"sourceType": "audio",
                                               "url": site.base_url + "/talk.mp3"})  # fmt: skip
    assert source["status"] == "ready", source
    assert source["extracted_content"] == "Welcome to the bakery podcast. Today: rye."
    assert ai.requests[-1] == {"path": "transcriptions", "model": "whisper-test"}


async def test_audio_with_a_transcript_needs_no_provider(
    bare_app: FastAPI, bare_client: httpx.AsyncClient, owner: Owner
) -> None:
    body = {"sourceType": "audio", "text": "Transcript of our bakery podcast, episode one."}
    source = await settle(bare_app, bare_client, owner, body)
    assert source["status"] == "ready"
    assert source["extracted_content"] == body["text"]


async def test_audio_without_a_provider_fails_naming_the_settings(
    bare_app: FastAPI, bare_client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    body = {"sourceType": "audio", "url": site.base_url + "/talk.mp3"}
    source = await settle(bare_app, bare_client, owner, body)
    assert source["status"] == "failed"
    assert "LOWTATO_AI_BASE_URL" in source["error_message"]
    assert "LOWTATO_AI_TRANSCRIBE_MODEL" in source["error_message"]


async def test_perplexity_query_answered_by_the_search_endpoint(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, ai: OpenAIState
) -> None:
    ai.reply = "Rye flour prices rose 8% in 2026 (https://example.org/rye)."
    question = "How did rye flour prices change in 2026?"
    source = await settle(app, client, owner, {"sourceType": "perplexity-query", "text": question})
    assert source["status"] == "ready", source
    assert source["extracted_title"] == question
    assert source["extracted_content"] == ai.reply
    sent = ai.requests[-1]["body"]
    assert sent["model"] == "sonar-test" and sent["messages"][-1]["content"] == question


async def test_perplexity_query_without_a_search_endpoint_fails_clearly(
    bare_app: FastAPI, bare_client: httpx.AsyncClient, owner: Owner
) -> None:
    body = {"sourceType": "perplexity-query", "text": "What is new in baking?"}
    source = await settle(bare_app, bare_client, owner, body)
    assert source["status"] == "failed"
    assert "LOWTATO_AI_SEARCH_BASE_URL" in source["error_message"]
    assert source["extracted_content"] is None


async def test_custom_instructions_applied_by_the_provider(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, ai: OpenAIState
) -> None:
    ai.reply = "- Menu launches Monday\n- Rhubarb tarts"
    text = "Our spring menu launches Monday. New: rhubarb tarts."
    body = {"sourceType": "text", "text": text, "customInstructions": "Two bullet points"}
    source = await settle(app, client, owner, body)
    assert source["status"] == "ready"
    assert source["extracted_content"] == ai.reply
    assert source["raw_content"] == text and source["notes"] == []
    prompt = ai.requests[-1]["body"]["messages"][-1]["content"]
    assert "Two bullet points" in prompt and text in prompt


async def test_custom_instructions_without_a_provider_are_reported_not_applied(
    bare_app: FastAPI, bare_client: httpx.AsyncClient, owner: Owner
) -> None:
    text = "Our spring menu launches Monday."
    body = {"sourceType": "text", "text": text, "customInstructions": "Two bullet points"}
    source = await settle(bare_app, bare_client, owner, body)
    assert source["status"] == "ready"
    assert source["extracted_content"] == text and source["raw_content"] is None
    assert source["custom_instructions"] == "Two bullet points"
    assert len(source["notes"]) == 1
    assert source["notes"][0].startswith("customInstructions were not applied")


async def test_a_provider_outage_during_instructions_is_retried_not_failed(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, ai: OpenAIState
) -> None:
    ai.mode = "error"
    body = {"sourceType": "text", "text": "Spring menu.", "customInstructions": "Shorter"}
    created = await create(client, owner, body)
    await worker_for(app).run_once()
    assert (await get(client, owner, created["id"]))["status"] == "processing"
