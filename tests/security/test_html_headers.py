"""Every HTML page the server sends — a sandbox post, the sandbox consent page, the OAuth
callback's answer, the API docs — forbids framing (clickjacking) and sniffing, and carries a
Content-Security-Policy that lets the page load nothing it does not need."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, create_post
from tests.conftest import Owner

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry


@pytest.fixture
def worker(app: FastAPI) -> Worker:
    return Worker(app.state.db, build_registry(app.state.services), concurrency=1)


def _directives(response: httpx.Response) -> dict[str, str]:
    policy = response.headers.get("content-security-policy", "")
    parts = (p.strip().split(" ", 1) for p in policy.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def _assert_protected(response: httpx.Response) -> dict[str, str]:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("x-content-type-options") == "nosniff"
    csp = _directives(response)
    assert csp.get("frame-ancestors") == "'none'", csp
    assert csp.get("default-src") == "'none'", csp
    assert csp.get("base-uri") == "'none'", csp
    assert "'unsafe-inline'" not in csp.get("script-src", ""), csp
    return csp


async def test_html_pages_send_csp_and_frame_denial(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker
) -> None:
    pages: list[httpx.Response] = []
    account = await connect(client, owner, "bluesky", "did:plc:html")
    post = (await create_post(client, owner, account, "<b>hello</b>")).json()["id"]
    await client.post(f"/api/v1/posts/{post}/publish", headers=owner.headers)
    await worker.run_once()
    published = (await client.get(f"/api/v1/posts/{post}", headers=owner.headers)).json()
    assert published["status"] == "published", published
    pages.append(await client.get(published["public_url"].removeprefix("http://testserver")))

    link = await client.post(
        "/api/v1/accounts/connect-link", headers=owner.headers, json={"platform": "linkedin"}
    )
    pages.append(await client.get(link.json()["url"].removeprefix("http://testserver")))
    pages.append(await client.get("/oauth/linkedin/callback?state=nope&code=x"))  # refused
    for page in pages:
        assert page.status_code in (200, 400), page.text
        csp = _assert_protected(page)
        assert "script-src" not in csp  # these pages run no script at all

    docs = await client.get("/docs")
    assert docs.status_code == 200
    csp = _assert_protected(docs)
    # the docs page runs Swagger UI: its own inline script is allowed by hash, nothing else
    assert csp["script-src"].startswith("'sha256-"), csp
    assert csp.get("connect-src") == "'self'"
