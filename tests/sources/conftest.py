"""Source tests: the app points every source host at a loopback site (``site.py``) and its
AI settings at the local OpenAI-compatible fake (chat, transcription, and the search
endpoint for perplexity-query). ``bare_app`` is the same database without any AI provider."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.conftest import AppFactory, Owner, client_for, empty_database
from tests.fakes.openai_compat import API_KEY, OpenAIState
from tests.fakes.openai_compat import build as build_openai
from tests.fakes.server import serve_app
from tests.sources.site import SiteState
from tests.sources.site import build as build_site

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry


@pytest.fixture(scope="session")
async def _site_server() -> AsyncIterator[SiteState]:
    state = SiteState()
    async with serve_app(build_site(state)) as url:
        state.base_url = url
        yield state


@pytest.fixture(scope="session")
async def _ai_server() -> AsyncIterator[OpenAIState]:
    state = OpenAIState()
    async with serve_app(build_openai(state)) as url:
        state.base_url = url
        yield state


@pytest.fixture
def site(_site_server: SiteState) -> SiteState:
    _site_server.flaky_failures = 0
    _site_server.requests.clear()
    return _site_server


@pytest.fixture
def ai(_ai_server: OpenAIState) -> OpenAIState:
    _ai_server.mode = "ok"
    _ai_server.reply = None
    _ai_server.transcript = "Hello from the recording."
    _ai_server.requests.clear()
    return _ai_server


def site_settings(site: SiteState) -> dict[str, Any]:
    return {
        "sources_youtube_url": site.base_url,
        "sources_tiktok_oembed_url": site.base_url + "/tiktok/oembed",
        "sources_twitter_oembed_url": site.base_url + "/twitter/oembed",
        "sources_fetch_timeout_seconds": 10.0,
    }


def ai_settings(ai: OpenAIState) -> dict[str, Any]:
    return {
        "ai_base_url": ai.base_url + "/v1",
        "ai_api_key": API_KEY,
        "ai_model": "gpt-test",
        "ai_transcribe_model": "whisper-test",
        "ai_search_base_url": ai.base_url + "/v1",
        "ai_search_api_key": API_KEY,
        "ai_search_model": "sonar-test",
        "ai_timeout_seconds": 10.0,
    }


@pytest.fixture
async def app(app_factory: AppFactory, site: SiteState, ai: OpenAIState) -> FastAPI:
    """Overrides the harness's ``app``: sources hosts on the loopback site, AI configured."""
    app = await app_factory(**site_settings(site), **ai_settings(ai))
    await empty_database(app.state.db)
    await app.state.limiter.reset()
    return app


@pytest.fixture
async def bare_app(app: FastAPI, app_factory: AppFactory, site: SiteState) -> FastAPI:
    """The same database, with no AI provider and no search endpoint configured."""
    return await app_factory(**site_settings(site))


@pytest.fixture
async def bare_client(bare_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(bare_app) as c:
        yield c


def worker_for(app: FastAPI) -> Worker:
    return Worker(app.state.db, build_registry(app.state.services))


async def create(
    client: httpx.AsyncClient, owner: Owner, body: dict[str, Any], status: int = 202
) -> dict[str, Any]:
    response = await client.post("/api/v1/sources", headers=owner.headers, json=body)
    assert response.status_code == status, response.text
    return dict(response.json())


async def get(client: httpx.AsyncClient, owner: Owner, source_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/sources/{source_id}", headers=owner.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def settle(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, body: dict[str, Any]
) -> dict[str, Any]:
    """Create the source, run the worker, and return the source as GET shows it."""
    created = await create(client, owner, body)
    assert created["status"] == "queued"
    await worker_for(app).run_once()
    return await get(client, owner, created["id"])
