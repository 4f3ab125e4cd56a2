"""Input that used to become a 500 (found by fuzzing the API with Schemathesis): each is a 400
``validation_error`` naming the field, and changes nothing."""

from __future__ import annotations

import base64
import json
import sqlite3
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.api import connect, create_post, error, later
from tests.conftest import AppFactory, Owner, OwnerFactory, client_for, empty_database
from tests.fakes.fixtures import Fakes
from tests.fakes.media_files import _png

from lowtato.kit.files import sqlite_path

HUGE = "9" * 30  # beyond 64 bits


def fields_of(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    body = error(response)
    assert body["code"] == "validation_error", body
    return [d["field"] for d in body["details"]]


async def raw_json(
    client: httpx.AsyncClient, method: str, path: str, owner: Owner, body: str
) -> httpx.Response:
    """``body`` is sent as written: json.dumps would escape a lone surrogate, httpx refuses it."""
    headers = {**owner.headers, "content-type": "application/json"}
    return await client.request(method, path, headers=headers, content=body.encode())


async def posts_count(client: httpx.AsyncClient, owner: Owner) -> int:
    response = await client.get("/api/v1/posts", headers=owner.headers)
    return int(response.json()["meta"]["count"])


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/posts?offset={HUGE}", "query.offset"),
        (f"/api/v1/posts?limit={HUGE}", "query.limit"),
        (f"/api/v1/schedules?offset={HUGE}", "query.offset"),
        (f"/api/v1/webhooks/WEBHOOK/deliveries?offset={HUGE}", "query.offset"),
    ],
)
async def test_a_page_offset_beyond_64_bits_is_a_400(
    client: httpx.AsyncClient, owner: Owner, path: str, field: str
) -> None:
    hook = await client.post(
        "/api/v1/webhooks",
        headers=owner.headers,
        json={"url": "https://example.com/h", "events": ["post.published"]},
    )
    path = path.replace("WEBHOOK", hook.json()["id"])
    assert fields_of(await client.get(path, headers=owner.headers)) == [field]


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-01T00:00:00",  # no timezone
        "0001-01-01T00:00:00+05:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-05:00",  # after year 9999 in UTC
        "0.5",  # a number is not an ISO 8601 time
    ],
)
@pytest.mark.parametrize("name", ["from", "to"])
async def test_a_list_filter_time_must_be_an_aware_time_in_range(
    client: httpx.AsyncClient, owner: Owner, name: str, value: str
) -> None:
    response = await client.get("/api/v1/posts", params={name: value}, headers=owner.headers)
    assert fields_of(response) == [f"query.{name}"]


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
async def test_a_post_time_that_leaves_the_calendar_in_utc_is_a_400(
    client: httpx.AsyncClient, owner: Owner, value: str
) -> None:
    account = await connect(client, owner)
    nested = await create_post(client, owner, account, scheduledTime=value)
    assert fields_of(nested) == ["scheduledTime"]
    flat = await client.post(
        "/api/v1/posts",
        headers=owner.headers,
        json={"account_id": account, "content": "x", "scheduled_at": value},
    )
    assert fields_of(flat) == ["scheduled_at"]
    bulk = await client.post(
        "/api/v1/posts/bulk",
        headers=owner.headers,
        json={"posts": [{"content": "x", "platforms": ["twitter"], "scheduled_at": value}]},
    )
    assert fields_of(bulk) == ["posts[0].scheduled_at"]
    assert await posts_count(client, owner) == 0


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
async def test_a_schedule_patch_time_outside_the_calendar_is_a_400(
    client: httpx.AsyncClient, owner: Owner, value: str
) -> None:
    account = await connect(client, owner)
    created = await create_post(client, owner, account, scheduledTime=later())
    post_id = created.json()["id"]
    response = await client.patch(
        f"/api/v1/schedules/{post_id}", headers=owner.headers, json={"scheduled_time": value}
    )
    assert fields_of(response) == ["scheduled_time"]
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["scheduled_time"] == created.json()["scheduled_time"]


async def test_a_huge_expires_in_on_connect_is_a_400(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    response = await client.post(
        "/api/v1/accounts/connect",
        headers=owner.headers,
        json={"platform": "twitter", "access_token": "t", "platform_user_id": "1",
              "expires_in": int(HUGE)},
    )  # fmt: skip
    assert fields_of(response) == ["expires_in"]
    accounts = (await client.get("/api/v1/accounts", headers=owner.headers)).json()["accounts"]
    assert accounts == []


@pytest.mark.parametrize(
    ("template", "field"),
    [
        ('{"post": {"accountId": "\\ud800", "content": {"text": "x"}}}', "post.accountId"),
        ('{"post": {"accountId": "ACC", "content": {"text": "a\\udc00b"}}}', "post.content.text"),
        ('{"account_id": "ACC", "content": "x", "media_urls": ["\\ud800"]}', "media_urls[0]"),
    ],
)
async def test_a_lone_surrogate_in_a_string_is_a_400_naming_the_field(
    client: httpx.AsyncClient, owner: Owner, template: str, field: str
) -> None:
    account = await connect(client, owner)
    body = template.replace("ACC", account)
    response = await raw_json(client, "POST", "/api/v1/posts", owner, body)
    assert fields_of(response) == [field]
    assert await posts_count(client, owner) == 0


async def test_a_lone_surrogate_in_a_schedule_patch_or_connect_link_is_a_400(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    account = await connect(client, owner)
    created = await create_post(client, owner, account, text="before", scheduledTime=later())
    post_id = created.json()["id"]
    patch = await raw_json(
        client, "PATCH", f"/api/v1/schedules/{post_id}", owner, '{"content_text": "a\\ud800"}'
    )
    assert fields_of(patch) == ["content_text"]
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["content_text"] == "before"
    link = '{"platform": "linkedin", "redirect_uri": "https://example.com/\\udfff"}'
    response = await raw_json(client, "POST", "/api/v1/accounts/connect-link", owner, link)
    assert fields_of(response) == ["redirect_uri"]


async def test_a_non_ascii_access_token_on_a_live_connect_is_a_400(
    live_app: FastAPI, make_owner: OwnerFactory, fakes: Fakes
) -> None:
    owner = await make_owner(livemode=True)
    async with client_for(live_app) as client:
        for token in ("tökén", "tok\nen"):
            response = await client.post(
                "/api/v1/accounts/connect",
                headers=owner.headers,
                json={"platform": "twitter", "access_token": token, "platform_user_id": "1001",
                      "refresh_token": token},
            )  # fmt: skip
            assert fields_of(response) == ["access_token", "refresh_token"]
        listed = await client.get("/api/v1/accounts", headers=owner.headers)
    assert listed.json()["accounts"] == []
    assert fakes.state.calls_to("x", "GET", "/2/users/me") == []


async def test_a_multipart_boundary_longer_than_the_parser_allows_is_a_400(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    boundary = "b" * 300
    body = f"--{boundary}\r\nContent-Disposition: form-data; name=file; filename=a.png\r\n\r\nx"
    response = await client.post(
        "/api/v1/media/upload",
        headers={**owner.headers, "content-type": f"multipart/form-data; boundary={boundary}"},
        content=(body + f"\r\n--{boundary}--\r\n").encode(),
    )
    assert fields_of(response) == ["file"]
    assert "boundary" in error(response)["message"]


@pytest.mark.parametrize(
    ("slot", "field"),
    [({"day": 1, "hour": 9, "minute": False}, "slots[0].minute"),
     ({"day": 1.0, "hour": 9}, "slots[0].day"),
     ({"day": 1, "hour": "9"}, "slots[0].hour")],
)  # fmt: skip
async def test_integers_are_not_coerced_from_booleans_floats_or_strings(
    client: httpx.AsyncClient, owner: Owner, slot: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/api/v1/schedule/slots", headers=owner.headers, json={"slots": [slot]}
    )
    assert fields_of(response) == [field]


async def test_a_write_that_outwaits_the_sqlite_busy_timeout_is_a_503_with_retry_after(
    app_factory: AppFactory, make_owner: OwnerFactory, database_url: str
) -> None:
    path = sqlite_path(database_url)
    if path is None:
        pytest.skip("SQLite only: PostgreSQL writers do not time out on a lock")
    app = await app_factory(sqlite_busy_timeout_seconds=0.05)
    await empty_database(app.state.db)
    owner = await make_owner()
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # another process holding the write lock
        async with client_for(app) as client:
            response = await client.post(
                "/api/v1/webhooks",
                headers=owner.headers,
                json={"url": "https://example.com/h", "events": ["post.published"]},
            )
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert response.status_code == 503, response.text
    assert error(response)["code"] == "service_unavailable"
    assert int(response.headers["retry-after"]) >= 1
    async with client_for(app) as client:
        hooks = await client.get("/api/v1/webhooks", headers=owner.headers)
    assert json.loads(hooks.text)["webhooks"] == []


async def test_a_json_body_that_is_not_utf8_is_invalid_json(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    response = await client.post(
        "/api/v1/schedule/slots",
        headers={**owner.headers, "content-type": "application/json"},
        content=b'{"slots": "\xff\xfe"}',
    )
    assert response.status_code == 400, response.text
    assert error(response)["code"] == "invalid_json"


async def test_a_lone_surrogate_in_a_json_upload_field_is_a_400(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    data = base64.b64encode(_png()).decode()
    body = f'{{"data": "{data}", "mime_type": "image/png", "filename": "a\\ud800.png"}}'
    response = await raw_json(client, "POST", "/api/v1/media/upload", owner, body)
    assert fields_of(response) == ["filename"]
