"""Every HTML page the server sends — a sandbox post, the sandbox consent page, the OAuth
callback's answer, the API docs — forbids framing (clickjacking) and sniffing, and carries a
Content-Security-Policy that lets the page load nothing it does not need."""

from __future__ import annotations

import base64
import hashlib
import re

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


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
async def test_docs_pages_run_only_their_own_bundles(client: httpx.AsyncClient, path: str) -> None:
    page = await client.get(path)
    assert page.status_code == 200
    csp = _assert_protected(page)
    assert "/openapi.json" in page.text
    # Served from this origin (works offline): no other host anywhere in the policy.
    assert "http" not in page.headers["content-security-policy"], csp
    assert csp["script-src"].split()[0] == "'self'", csp
    assert csp.get("connect-src") == "'self'"
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
              for s in inline]  # fmt: skip
    assert csp["script-src"].split()[1:] == hashes  # its own inline script, nothing else
    assert csp["worker-src"] == ("blob:" if path == "/redoc" else "'none'")
    assets = re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', page.text)
    assert any(a.endswith(".js") for a in assets), page.text
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200, asset
        kind = {"js": "javascript", "css": "text/css", "png": "image/png"}[asset.rsplit(".")[-1]]
        assert kind in served.headers["content-type"], (asset, served.headers)
        assert len(served.content) > 1000
