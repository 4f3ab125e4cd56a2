"""Tenant isolation: another owner's ids (or the other mode's) are 404 on every route, and
nothing of the owner's changes. Owner A's test-mode data is probed by A's live key and by
owner B's test and live keys, on every route that takes an id in its path or its body."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from fastapi import FastAPI
from tests.api import connect, create_post, later
from tests.conftest import Owner, OwnerFactory
from tests.legacy import legacy_account, legacy_post
from tests.media.files import image

from lowtato.kit.openapi import api_routes


async def _snapshot(client: httpx.AsyncClient, owner: Owner) -> list[Any]:
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
    b_live = await make_owner(email="b@example.com", livemode=True)
    account = await connect(client, a, "twitter", "a1")
    pages_account = await connect(client, a, "facebook", "a2")
    page = (
        await client.get(f"/api/v1/accounts/{pages_account}/subaccounts", headers=a.headers)
    ).json()["subaccounts"][0]["id"]
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
    for_sale = (await client.get("/api/v1/marketplace", headers=a.headers)).json()
    item = for_sale["accounts"][0]["id"]  # one of A's sandbox marketplace items
    source = (await client.post("/api/v1/sources", headers=a.headers,
                                json={"sourceType": "text", "text": "A's notes"})).json()["id"]  # fmt: skip
    before = await _snapshot(client, a)

    ids = {"account_id": account, "post_id": post, "schedule_id": post, "slot_id": slot,
           "media_id": media, "subaccount_id": page,
           "webhook_id": hook, "delivery_id": delivery, "marketplace_item": item,
           "source_id": source}  # fmt: skip
    calls = [
        ("GET", f"/api/v1/accounts/{account}/subaccounts", None),
        ("DELETE", f"/api/v1/accounts/{account}", None),
        ("GET", f"/api/v1/posts/{post}", None),
        ("DELETE", f"/api/v1/posts/{post}", None),
        ("POST", f"/api/v1/posts/{post}/publish", None),
        ("GET", f"/api/v1/posts/{post}/analytics", None),
        ("GET", f"/api/v1/sources/{source}", None),
        ("POST", "/api/v1/ai/generate", {"topic": "x", "platform": "twitter", "source_id": source}),
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
        (
            "POST",
            "/api/v1/posts",
            {"post": {"accountId": "{own}", "subaccountId": page, "content": {"text": "x"}}},
        ),
        ("POST", "/api/v1/posts", {"account_id": "{own}", "subaccount_id": page, "content": "x"}),
        ("POST", "/api/v1/posts", {"account_id": "{own}", "content": "x", "media_urls": [media]}),
        (
            "POST",
            "/api/v1/posts/bulk",
            {"posts": [{"content": "x", "platforms": ["twitter"], "media_urls": [media_url]}]},
        ),
        ("PATCH", "/api/v1/schedules/{own_post}", {"media_urls": [media_url]}),
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
        ("POST", "/api/v1/marketplace/purchase", {"account_id": item, "auto_connect": True}),
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
    # Every body field that carries one of our ids must be in the sweep too.
    doc = (await client.get("/openapi.json")).json()
    in_bodies = {
        (method.upper(), path, field)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
        for content in op.get("requestBody", {}).get("content", {}).values()
        for field in _properties(content.get("schema", {}), doc)
        if _ID_FIELD.search(field)
    }
    sent = {
        (method, tpl, field)
        for method, path, raw in calls
        if raw
        for tpl_method, tpl, field in in_bodies
        if tpl_method == method
        and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", tpl), path)
        and _carries_a_value(raw, field, set(ids.values()) | {media_url})
    }
    assert in_bodies - sent == set()

    owns, own_posts = {}, {}
    intruders = (b, b_live, a_live)
    for intruder in intruders:
        # the intruder's own account, for calls that use A's media in B's post (a live key
        # can only connect a platform with a live adapter, which would check the token with
        # the platform: that account is written straight to the database)
        own = owns[intruder.key_id] = (
            await legacy_account(app, intruder, "twitter")
            if intruder.key.startswith("lt_live_")
            else await connect(client, intruder, "twitter", f"own-{intruder.key_id}")
        )
        own_post = own_posts[intruder.key_id] = (
            await legacy_post(app, intruder, own, "twitter", media=[], options={})
            if intruder.key.startswith("lt_live_")
            else (await create_post(client, intruder, own, scheduledTime=later())).json()["id"]
        )
        for method, template, raw in calls:
            path = template.replace("{own_post}", own_post)
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
    assert (await client.get("/api/v1/marketplace", headers=a.headers)).json() == for_sale
    for intruder in intruders:
        accounts, posts, schedules, slots, webhooks = await _snapshot(client, intruder)
        assert webhooks == {"webhooks": []}
        assert [x["id"] for x in accounts["accounts"]] == [owns[intruder.key_id]]
        assert [x["id"] for x in posts["posts"]] == [own_posts[intruder.key_id]]
        assert posts["posts"][0]["media_urls"] == [] and schedules["meta"]["count"] == 1
        assert slots["slots"] == []
    print(
        f"\nisolation: 2 owners × 2 modes: {len(intruders)} intruders × {len(calls)} calls = "
        f"{len(intruders) * len(calls)} refusals ({len(templated)} path-id routes, "
        f"{len(in_bodies)} body-id fields)"
    )


_ID_FIELD = re.compile(r"(^id$|_id$|[a-z]Id$|^selectedTargets$|^media_?urls$|^mediaUrls$)")


def _properties(schema: Any, doc: dict[str, Any], seen: tuple[str, ...] = ()) -> set[str]:
    """Every property name in a JSON schema, through $refs, items and unions."""
    if not isinstance(schema, dict):
        return set()
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return set()
        return _properties(doc["components"]["schemas"][name], doc, (*seen, name))
    found: set[str] = set()
    for key, sub in schema.get("properties", {}).items():
        if key != "platform_user_id":  # the platform's id for the user, not one of ours
            found.add(key)
        found |= _properties(sub, doc, seen)
    for key in ("items", "additionalProperties"):
        found |= _properties(schema.get(key), doc, seen)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            found |= _properties(sub, doc, seen)
    return found


def _carries_a_value(body: Any, field: str, values: set[str]) -> bool:
    """Whether ``body`` has ``field`` somewhere with one of ``values`` in it."""
    if isinstance(body, dict):
        return any(
            (key == field and bool(_strings(value) & values))
            or _carries_a_value(value, field, values)
            for key, value in body.items()
        )
    if isinstance(body, list):
        return any(_carries_a_value(item, field, values) for item in body)
    return False


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {s for item in value for s in _strings(item)}
    return set()
