"""The OAuth connect flow: link → consent → callback → connected account."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from tests.api import error
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for

from lowtato.kit import clock


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def _link(
    client: httpx.AsyncClient, owner: Owner, platform: str, **extra: str
) -> dict[str, str]:
    response = await client.post("/api/v1/accounts/connect-link", headers=owner.headers,
                                 json={"platform": platform, **extra})  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_sandbox_flow_connects_and_redirects(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner
) -> None:
    link = await _link(client, owner, "linkedin", redirect_uri="https://agent.example/done")
    assert link["url"].startswith("http://testserver/sandbox/oauth/linkedin/authorize?")
    consent = await client.get(_path(link["url"]))
    assert consent.status_code == 200 and "Approve" in consent.text
    approved = await client.get(_path(link["url"]) + "&approve=1")
    assert approved.status_code == 302
    callback = await client.get(_path(approved.headers["location"]))
    assert callback.status_code == 302
    target = urlsplit(callback.headers["location"])
    query = parse_qs(target.query)
    assert target.netloc == "agent.example" and query["connected"] == ["true"]
    accounts = (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"]
    assert [a["id"] for a in accounts] == query["account_id"]
    assert accounts[0]["platform"] == "linkedin" and accounts[0]["sandbox"] is True
    # a state works once
    again = await client.get(_path(approved.headers["location"]))
    assert again.status_code == 302
    assert parse_qs(urlsplit(again.headers["location"]).query)["connected"] == ["false"]
    assert (
        len((await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"]) == 1
    )


async def test_wrong_expired_and_denied_states(client: httpx.AsyncClient, owner: Owner) -> None:
    bad = await client.get("/oauth/linkedin/callback?code=x&state=forged")
    assert bad.status_code == 400 and "unknown" in bad.text
    link = await _link(client, owner, "twitter")
    state = link["state"]
    wrong_platform = await client.get(
        f"/oauth/linkedin/callback?code=sandbox-approved&state={state}"
    )
    assert wrong_platform.status_code == 400
    frozen = clock.FrozenClock(clock.now() + timedelta(minutes=16))
    with clock.use_clock(frozen):
        expired = await client.get(f"/oauth/twitter/callback?code=sandbox-approved&state={state}")
    assert expired.status_code == 400 and "expired" in expired.text
    denied_link = await _link(client, owner, "facebook")
    denied = await client.get(
        f"/oauth/facebook/callback?error=access_denied&state={denied_link['state']}"
    )
    assert denied.status_code == 400 and "access_denied" in denied.text
    assert (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"] == []


async def test_link_errors(app_factory: AppFactory, make_owner: OwnerFactory) -> None:
    app = await app_factory()
    live = await make_owner(livemode=True)
    async with client_for(app) as client:
        bluesky = await client.post(
            "/api/v1/accounts/connect-link", headers=live.headers, json={"platform": "bluesky"}
        )
        assert bluesky.status_code == 400 and "app password" in error(bluesky)["message"]
        unconfigured = await client.post(
            "/api/v1/accounts/connect-link", headers=live.headers, json={"platform": "twitter"}
        )
        assert unconfigured.status_code == 400
        assert "LOWTATO_PLATFORMS__TWITTER__CLIENT_ID" in error(unconfigured)["message"]
        unknown = await client.post(
            "/api/v1/accounts/connect-link", headers=live.headers, json={"platform": "orkut"}
        )
        assert unknown.status_code == 400
        bad_redirect = await client.post("/api/v1/accounts/connect-link", headers=live.headers,
                                         json={"platform": "twitter", "redirect_uri": "javascript:alert(1)"})  # fmt: skip
        assert bad_redirect.status_code == 400


async def test_sandbox_consent_never_redirects_elsewhere(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/sandbox/oauth/twitter/authorize?state=s&redirect_uri=https://evil.example/cb&approve=1"
    )
    assert response.status_code == 400
