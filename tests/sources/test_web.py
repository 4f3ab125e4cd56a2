"""Articles and PDFs fetched from the web: the text extracted, and every way a fetch can fail
ending as a `failed` source whose error_message says why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from tests.conftest import AppFactory, Owner, client_for
from tests.sources.conftest import create, get, settle, worker_for
from tests.sources.site import ARTICLE_BODY, FOOTER, NAV, SiteState

from lowtato.jobs import queue
from lowtato.kit.clock import FrozenClock, use_clock


async def test_article_progresses_queued_to_ready_with_the_body_not_the_boilerplate(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    created = await create(
        client, owner, {"sourceType": "article", "url": site.base_url + "/article"}
    )
    assert set(created) == {"id", "status"} and created["id"].startswith("src_")
    queued = await get(client, owner, created["id"])
    assert queued["status"] == "queued" and queued["extracted_content"] is None
    await worker_for(app).run_once()
    source = await get(client, owner, created["id"])
    assert source["status"] == "ready", source
    assert source["extracted_title"] == "How to keep a sourdough starter alive"
    assert ARTICLE_BODY in source["extracted_content"]
    assert NAV not in source["extracted_content"] and FOOTER not in source["extracted_content"]
    assert source["error_message"] is None and source["notes"] == []
    assert source["completed_at"] is not None


async def test_a_page_without_charset_header_is_decoded_by_its_meta_charset(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/latin1"})  # fmt: skip
    assert source["status"] == "ready", source
    assert "Crème brûlée starters need feeding" in source["extracted_content"]


async def test_a_404_page_fails_the_source(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/missing"})  # fmt: skip
    assert source["status"] == "failed"
    assert "not found (HTTP 404)" in source["error_message"]
    assert source["extracted_content"] is None


async def test_a_page_that_is_not_html_fails(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/data.json"})  # fmt: skip
    assert source["status"] == "failed"
    assert "serves application/json, not a web page" in source["error_message"]


async def test_a_page_without_article_text_fails(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/empty"})  # fmt: skip
    assert source["status"] == "failed"
    assert source["error_message"].startswith("no article text found")


async def test_an_oversize_page_fails_naming_the_cap(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/big"})  # fmt: skip
    assert source["status"] == "failed"
    assert "larger than 5 MB" in source["error_message"]


async def test_a_gzip_bomb_stops_at_the_cap(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/bomb"})  # fmt: skip
    assert source["status"] == "failed"
    assert "larger than 5 MB" in source["error_message"], source["error_message"]
    assert "decompress" in source["error_message"], source["error_message"]


async def test_a_server_error_is_retried_then_the_source_is_ready(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    site.flaky_failures = 1
    clock = FrozenClock(datetime.now(UTC))
    worker = worker_for(app)
    with use_clock(clock):
        created = await create(client, owner, {"sourceType": "article",
                                                "url": site.base_url + "/flaky"})  # fmt: skip
        await worker.run_once()
        assert (await get(client, owner, created["id"]))["status"] == "processing"
        clock.advance(timedelta(minutes=5))
        await worker.run_once()
        source = await get(client, owner, created["id"])
    assert source["status"] == "ready" and ARTICLE_BODY in source["extracted_content"]


async def test_a_server_that_keeps_failing_fails_the_source_after_the_retries(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    site.flaky_failures = 100
    clock = FrozenClock(datetime.now(UTC))
    worker = worker_for(app)
    with use_clock(clock):
        created = await create(client, owner, {"sourceType": "article",
                                                "url": site.base_url + "/flaky"})  # fmt: skip
        for _ in range(6):
            await worker.run_once()
            clock.advance(timedelta(minutes=10))
        source = await get(client, owner, created["id"])
    assert source["status"] == "failed"
    assert (
        "HTTP 503" in source["error_message"]
        and "gave up after 4 attempts" in source["error_message"]
    )


async def test_pdf_text_and_title(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "pdf",
                                               "url": site.base_url + "/report.pdf"})  # fmt: skip
    assert source["status"] == "ready", source
    assert source["extracted_title"] == "Bakery Report Q3"
    assert "Sales of rye bread grew by 12 percent." in source["extracted_content"]
    assert "Quarterly bakery report" in source["extracted_content"]


async def test_bytes_that_are_not_a_pdf_fail(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "pdf",
                                               "url": site.base_url + "/fake.pdf"})  # fmt: skip
    assert source["status"] == "failed" and source["error_message"].startswith("not a PDF")


async def test_a_password_protected_pdf_fails_clearly(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "pdf",
                                               "url": site.base_url + "/locked.pdf"})  # fmt: skip
    assert source["status"] == "failed"
    assert "password-protected" in source["error_message"]


async def test_running_the_job_again_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "article",
                                               "url": site.base_url + "/article"})  # fmt: skip
    async with app.state.db.transaction() as session:
        await queue.enqueue(session, kind="sources.extract", key="again",
                            payload={"source_id": source["id"]})  # fmt: skip
    before = len(site.requests)
    assert before == 1  # the first run fetched the article
    await worker_for(app).run_once()
    assert await get(client, owner, source["id"]) == source
    assert len(site.requests) == before


async def test_private_addresses_are_refused_when_the_setting_is_off(
    app: FastAPI, app_factory: AppFactory, owner: Owner, site: SiteState
) -> None:
    guarded = await app_factory(allow_private_urls=False)
    async with client_for(guarded) as client:
        response = await client.post("/api/v1/sources", headers=owner.headers,
                                     json={"sourceType": "article", "url": site.base_url + "/article"})  # fmt: skip
        assert response.status_code == 400
        error = response.json()["error"]
    assert error["details"][0]["field"] == "url" and "public" in error["message"]
    assert site.requests == []


async def test_an_audio_url_that_serves_no_audio_fails(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, site: SiteState
) -> None:
    source = await settle(app, client, owner, {"sourceType": "audio",
                                               "url": site.base_url + "/article"})  # fmt: skip
    assert source["status"] == "failed"
    assert source["error_message"].startswith("the URL serves text/html, not an audio file")
