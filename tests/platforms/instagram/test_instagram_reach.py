"""Instagram downloads media itself: with a private LOWTATO_PUBLIC_URL, connecting says so
(the connect answer, the OAuth callback's redirect or page, the account.connected event), and
a post naming a private media URL fails without anything sent to Instagram."""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for, empty_database
from tests.fakes.fixtures import FAKE_PREFIXES, Fakes
from tests.fakes.instagram import LONG_LIVED, issue_code, seed_account
from tests.platforms.live import LivePublisher

from lowtato.events.models import Event
from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock
from lowtato.runtime import build_registry


@pytest.mark.parametrize(("allow_private", "warned"), [(False, True), (True, False)])
async def test_connect_warns_when_the_public_url_is_private_and_posts_fail_clearly(
    app_factory: AppFactory,
    make_owner: OwnerFactory,
    fakes: Fakes,
    frozen: FrozenClock,
    allow_private: bool,
    warned: bool,
) -> None:
    url = fakes.url + FAKE_PREFIXES["instagram"]
    app = await app_factory(
        platforms={"instagram": {"base_url": url, "auth_url": url}},
        public_url="http://127.0.0.1:8000",
        allow_private_urls=allow_private,
    )
    await empty_database(app.state.db)
    owner = await make_owner(livemode=True)
    seeded = seed_account(fakes.state)
    async with client_for(app) as client:
        response = await client.post("/api/v1/accounts/connect", headers=owner.headers, json={
            "platform": "instagram", "access_token": seeded.token, "expires_in": LONG_LIVED,
            "platform_user_id": seeded.ig_id,
        })  # fmt: skip
        assert response.status_code == 201, response.text
        warnings = response.json()["warnings"]
        (event,) = await _connected_events(app, owner)  # the webhook says the same
        assert event["warnings"] == warnings
        if not warned:
            assert warnings == []
            return
        (warning,) = warnings
        assert "LOWTATO_PUBLIC_URL (http://127.0.0.1:8000)" in warning and "cannot reach" in warning
        worker = Worker(app.state.db, build_registry(app.state.services), concurrency=1)
        live = LivePublisher(client=client, owner=owner, account_id=str(response.json()["id"]),
                             worker=worker, fakes=fakes, frozen=frozen)  # fmt: skip
        post = await live.get(await live.publish("Local photo", [fakes.media("dog.jpg")]))
    # The publish flow's own guarded download refuses the private address first (the
    # adapter's media_not_public check is the second line: test_instagram_adapter.py).
    assert post["status"] == "failed" and post["error_code"] in (
        "media_unavailable",
        "media_not_public",
    )
    assert fakes.state.calls_to("instagram", "POST", "/media") == []


async def _connected_events(app: FastAPI, owner: Owner) -> list[dict[str, Any]]:
    async with app.state.db.transaction() as session:
        rows = await session.scalars(
            select(Event.data).where(
                Event.owner_id == owner.user_id, Event.type == "account.connected"
            )
        )
        return [dict(row) for row in rows]


@pytest.mark.parametrize("redirect", [True, False], ids=["redirect", "page"])
async def test_the_oauth_callback_and_the_connected_event_carry_the_warning(
    app_factory: AppFactory, make_owner: OwnerFactory, fakes: Fakes, redirect: bool
) -> None:
    url = fakes.url + FAKE_PREFIXES["instagram"]
    app = await app_factory(
        platforms={"instagram": {"base_url": url, "auth_url": url, "client_id": "instagram-client-id",
                                 "client_secret": "instagram-client-secret"}},
        public_url="http://127.0.0.1:8000", allow_private_urls=False,
    )  # fmt: skip
    await empty_database(app.state.db)
    owner = await make_owner(livemode=True)
    seed_account(fakes.state)
    body = {"platform": "instagram"}
    if redirect:
        body["redirect_uri"] = "https://agent.example.com/done"
    async with client_for(app) as client:
        link = await client.post("/api/v1/accounts/connect-link", headers=owner.headers, json=body)
        assert link.status_code == 201, link.text
        code = issue_code(fakes.state)
        done = await client.get(
            f"/oauth/instagram/callback?code={code}&state={link.json()['state']}"
        )
    if redirect:
        assert done.status_code == 302, done.text
        query = parse_qs(urlsplit(done.headers["location"]).query)
        assert query["connected"] == ["true"]
        (warning,) = query["warning"]
    else:
        assert done.status_code == 200, done.text
        warning = html.unescape(done.text)
        assert "is connected as acc_" in warning
    assert "LOWTATO_PUBLIC_URL (http://127.0.0.1:8000)" in warning and "cannot reach" in warning
    (event,) = await _connected_events(app, owner)
    assert event["platform"] == "instagram" and len(event["warnings"]) == 1
    assert event["warnings"][0] in warning
