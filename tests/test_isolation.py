"""Tenant isolation: another owner's ids (or the other mode's) are 404 on every route, and
nothing of the owner's changes."""

from __future__ import annotations

import json

import httpx
from fastapi import FastAPI
from tests.api import connect, create_post, later
from tests.conftest import Owner, OwnerFactory
from tests.legacy import legacy_account
from tests.media.files import image

from lowtato.kit.openapi import api_routes


async def _snapshot(client: httpx.AsyncClient, owner: Owner) -> list[object]:
    return [
        (await client.get(path, headers=owner.headers)).json()
        for path in (
            "/api/v1/accounts",
            "/api/v1/posts",
            "/api/v1/schedules",
            "/api/v1/schedule/slots",
            "/api/v1/webhooks",
        )
    ]


async def test_two_owner_sweep(
    app: FastAPI, client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    a = await make_owner(email="a@example.com")
    a_live = await make_owner(email="a@example.com", livemode=True)
    b = await make_owner(email="b@example.com")
    account = await connect(client, a, "twitter", "a1")
    post = (await create_post(client, a, account, scheduledTime=later())).json()["id"]
    slot = (await client.post("/api/v1/schedule/slots", headers=a.headers,
                              json={"slots": [{"day": 1, "hour": 9, "selectedTargets": [account]}]})
            ).json()["slots"][0]["id"]  # fmt: skip
    upload = await client.post("/api/v1/media/upload", headers=a.headers,
                               files={"file": ("a.png", image("PNG"), "image/png")})  # fmt: skip
    media, media_url = upload.json()["id"], upload.json()["url"]
    hook = (await client.post("/api/v1/webhooks", headers=a.headers,
                              json={"url": "https://hooks.example.com/a", "events": ["post.failed"]})
            ).json()["id"]  # fmt: skip
    delivery = (await client.post(f"/api/v1/webhooks/{hook}/test", headers=a.headers)).json()["id"]
    before = await _snapshot(client, a)

    ids = {"account_id": account, "post_id": post, "schedule_id": post, "slot_id": slot,
           "media_id": media,
           "webhook_id": hook, "delivery_id": delivery}  # fmt: skip
    calls = [
        ("GET", f"/api/v1/accounts/{account}/subaccounts", None),
        ("DELETE", f"/api/v1/accounts/{account}", None),
        ("GET", f"/api/v1/posts/{post}", None),
        ("DELETE", f"/api/v1/posts/{post}", None),
        ("POST", f"/api/v1/posts/{post}/publish", None),
        ("GET", f"/api/v1/schedules/{post}", None),
        ("PATCH", f"/api/v1/schedules/{post}", {"content_text": "pwned"}),
        ("DELETE", f"/api/v1/schedules/{post}", None),
        ("DELETE", f"/api/v1/schedule/slots/{slot}", None),
        ("GET", f"/api/v1/webhooks/{hook}", None),
        ("PUT", f"/api/v1/webhooks/{hook}", {"is_active": False}),
        ("DELETE", f"/api/v1/webhooks/{hook}", None),
        ("DELETE", "/api/v1/webhooks", {"id": hook}),
        ("GET", f"/api/v1/webhooks/{hook}/deliveries", None),
        ("POST", f"/api/v1/webhooks/{hook}/deliveries/{delivery}/redeliver", None),
        ("POST", f"/api/v1/webhooks/{hook}/test", None),
        ("POST", f"/api/v1/webhooks/{hook}/rotate-secret", None),
        ("GET", f"/api/v1/media/{media}", None),
        ("DELETE", f"/api/v1/media/{media}", None),
        (
            "POST",
            "/api/v1/posts",
            {"post": {"accountId": "{own}", "content": {"text": "x", "mediaUrls": [media_url]}}},
        ),
        (
            "POST",
            "/api/v1/posts",
            {"post": {"accountId": "{own}", "content": {"text": "x", "mediaUrls": [media]}}},
        ),
        ("POST", "/api/v1/posts", {"post": {"accountId": account, "content": {"text": "x"}}}),
        ("POST", "/api/v1/posts", {"account_id": account, "content": "x"}),
        (
            "POST",
            "/api/v1/posts/bulk",
            {"posts": [{"content": "x", "platforms": ["twitter"], "account_id": account}]},
        ),
        (
            "POST",
            "/api/v1/schedule/slots",
            {"slots": [{"day": 1, "hour": 9, "selectedTargets": [account]}]},
        ),
    ]
    # Every route with a path id must be in the sweep, so a new route cannot be forgotten.
    templated = {
        (m, p)
        for p, r in api_routes(app)
        for m in r.methods
        if "{" in p and p.startswith("/api/v1/")
    }
    covered = set()
    for method, path, _ in calls:
        for tpl_method, tpl in templated:
            filled = tpl
            for name, value in ids.items():
                filled = filled.replace("{" + name + "}", value)
            if tpl_method == method and filled == path:
                covered.add((tpl_method, tpl))
    assert templated - covered == set()

    owns = {}
    for intruder in (b, a_live):
        # the intruder's own account, for calls that use A's media in B's post (a live key
        # can only connect a platform with a live adapter, which would check the token with
        # the platform: that account is written straight to the database)
        own = owns[intruder.key_id] = (
            await legacy_account(app, intruder, "twitter")
            if intruder is a_live
            else await connect(client, intruder, "tiktok", f"own-{intruder.key_id}")
        )
        for method, path, raw in calls:
            body = json.loads(json.dumps(raw).replace("{own}", own)) if raw else raw
            response = await client.request(method, path, headers=intruder.headers, json=body)
            if path.endswith("/bulk"):
                assert response.json()["created"] == 0
                assert response.json()["errors"][0]["error"]["code"] == "not_found"
            elif path == "/api/v1/schedule/slots":
                assert response.status_code == 400  # an unknown account id in selectedTargets
            else:
                assert response.status_code == 404, (intruder.email, method, path, response.text)
                assert response.json()["error"]["code"] == "not_found"
    assert await _snapshot(client, a) == before
    for intruder in (b, a_live):
        accounts, posts, schedules, slots, webhooks = await _snapshot(client, intruder)
        assert webhooks == {"webhooks": []}
        assert [x["id"] for x in accounts["accounts"]] == [owns[intruder.key_id]]  # type: ignore[index]
        assert posts["meta"]["count"] == 0 and schedules["meta"]["count"] == 0  # type: ignore[index]
        assert slots["slots"] == []  # type: ignore[index]
