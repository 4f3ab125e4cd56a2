"""POST /api/v1/posts: both shapes, scheduling rules and per-platform validation."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from tests.api import connect, create_post, error, later
from tests.conftest import Owner


@pytest.fixture
async def account(client: httpx.AsyncClient, owner: Owner) -> str:
    return await connect(client, owner, "twitter", "1")


async def test_nested_shape_draft(client: httpx.AsyncClient, owner: Owner, account: str) -> None:
    response = await create_post(client, owner, account, "first post")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "draft" and body["id"].startswith("post_")
    post = (await client.get(f"/api/v1/posts/{body['id']}", headers=owner.headers)).json()
    assert post["content_text"] == "first post"
    assert post["target_type"] == "twitter"
    assert post["social_account_id"] == account
    assert post["media_urls"] == [] and post["public_url"] is None
    assert post["scheduled_time"] is None and post["published_at"] is None
    assert post["error_message"] is None and post["options"] == {}


async def test_flat_shape_scheduled(client: httpx.AsyncClient, owner: Owner, account: str) -> None:
    when = later(hours=2)
    response = await client.post(
        "/api/v1/posts", headers=owner.headers,
        json={"content": "flat", "platform": "twitter", "account_id": account, "scheduled_at": when,
              "media_urls": ["https://example.com/a.jpg"]},
    )  # fmt: skip
    assert response.status_code == 201
    post = (
        await client.get(f"/api/v1/posts/{response.json()['id']}", headers=owner.headers)
    ).json()
    assert post["status"] == "scheduled"
    assert post["scheduled_time"].startswith(when[:19])
    assert post["media_urls"] == ["https://example.com/a.jpg"]


async def test_nested_wins_over_flat(client: httpx.AsyncClient, owner: Owner, account: str) -> None:
    other = await connect(client, owner, "linkedin", "2")
    response = await client.post(
        "/api/v1/posts", headers=owner.headers,
        json={"post": {"accountId": account, "content": {"text": "nested"}},
              "account_id": other, "content": "flat", "platform": "linkedin"},
    )  # fmt: skip
    # the nested accountId wins; the flat platform only fills in what nested leaves empty
    assert response.status_code == 400
    assert "cannot post to linkedin" in error(response)["message"]
    response = await client.post(
        "/api/v1/posts", headers=owner.headers,
        json={"post": {"accountId": account, "content": {"text": "nested"}},
              "account_id": other, "content": "flat"},
    )  # fmt: skip
    post = (
        await client.get(f"/api/v1/posts/{response.json()['id']}", headers=owner.headers)
    ).json()
    assert (post["social_account_id"], post["content_text"]) == (account, "nested")


async def test_platform_mismatch_and_missing_account(
    client: httpx.AsyncClient, owner: Owner, account: str
) -> None:
    response = await client.post(
        "/api/v1/posts", headers=owner.headers,
        json={"post": {"accountId": account, "content": {"text": "x"}, "target": {"targetType": "bluesky"}}},
    )  # fmt: skip
    assert response.status_code == 400
    assert error(response)["details"][0]["field"] == "post.target.targetType"
    response = await client.post("/api/v1/posts", headers=owner.headers, json={"content": "x"})
    assert response.status_code == 400
    assert error(response)["details"][0]["field"] == "post.accountId"
    response = await create_post(client, owner, "acc_doesnotexist")
    assert response.status_code == 404


async def test_times(client: httpx.AsyncClient, owner: Owner, account: str) -> None:
    past = await create_post(client, owner, account, scheduledTime="2020-01-01T00:00:00Z")
    assert past.status_code == 400
    assert "in the past" in error(past)["message"]
    naive = await create_post(client, owner, account, scheduledTime="2030-01-01T09:00:00")
    assert naive.status_code == 400
    assert error(naive)["details"][0]["field"] == "scheduledTime"
    offset = await create_post(client, owner, account, scheduledTime="2030-01-01T09:00:00+02:00")
    post = (await client.get(f"/api/v1/posts/{offset.json()['id']}", headers=owner.headers)).json()
    assert post["scheduled_time"] == "2030-01-01T07:00:00Z"
    listed = (await client.get("/api/v1/posts", headers=owner.headers)).json()
    assert listed["meta"]["count"] == 1  # the refused ones wrote nothing


async def test_unknown_fields_are_named(
    client: httpx.AsyncClient, owner: Owner, account: str
) -> None:
    response = await client.post(
        "/api/v1/posts", headers=owner.headers,
        json={"post": {"accountId": account, "content": {"text": "x", "colour": "red"}}},
    )  # fmt: skip
    assert response.status_code == 400
    assert error(response)["details"] == [
        {"field": "post.content.colour", "message": "unknown field; remove it"}
    ]


# One over-limit (or missing-requirement) case per platform, with what makes it valid.
CASES: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    ("twitter", {"text": "a" * 281}, {"text": "a" * 280}, "280"),
    ("twitter", {"text": "https://example.com/" + "a" * 400 + " " + "b" * 257},
     {"text": "https://example.com/" + "a" * 400 + " " + "b" * 256}, "280"),
    ("instagram", {"text": "photo"}, {"text": "photo", "media": ["https://e.com/a.jpg"]}, "instagram"),
    ("linkedin", {"text": "x" * 3001}, {"text": "x" * 3000}, "3000"),
    ("tiktok", {"text": "clip", "media": ["https://e.com/v.mp4"]},
     {"text": "clip", "media": ["https://e.com/v.mp4"], "options": {"privacy_level": "SELF_ONLY"}},
     "privacy_level"),
    ("facebook", {"text": "x" * 63207}, {"text": "x" * 63206}, "63206"),
    ("threads", {"text": "x" * 501}, {"text": "x" * 500}, "500"),
    ("bluesky", {"text": "é" * 301}, {"text": "👨‍👩‍👧" * 100}, "300"),
    # Unicode 15.1: a Devanagari conjunct (ka + virama + ssa) is one grapheme, 9 UTF-8 bytes.
    ("bluesky", {"text": "\u0915\u094d\u0937" * 301}, {"text": "\u0915\u094d\u0937" * 300},
     "text is 301 graphemes"),
    # X refuses U+FFFF (and U+FFFE, U+FEFF) anywhere in a post.
    ("twitter", {"text": "ok \uffff"}, {"text": "ok"}, "U+FFFF"),
    # X links a bare domain with a country TLD ("lowtato.io") and counts it 23, not 10.
    ("twitter", {"text": "字" * 130 + " lowtato.io"}, {"text": "字" * 128 + " lowtato.io"},
     "text is 284 weighted characters"),
    ("youtube", {"text": "desc", "media": ["https://e.com/v.mp4"]},
     {"text": "desc", "media": ["https://e.com/v.mp4"], "options": {"title": "My video"}}, "title"),
    ("pinterest", {"text": "pin", "media": ["https://e.com/a.jpg"]},
     {"text": "pin", "media": ["https://e.com/a.jpg"], "options": {"board_id": "123"}}, "board_id"),
]  # fmt: skip


@pytest.mark.parametrize(("platform", "bad", "good", "hint"), CASES)
async def test_platform_rules(
    client: httpx.AsyncClient,
    owner: Owner,
    platform: str,
    bad: dict[str, Any],
    good: dict[str, Any],
    hint: str,
) -> None:
    account = await connect(client, owner, platform, "p1")

    def body(spec: dict[str, Any]) -> dict[str, Any]:
        post: dict[str, Any] = {
            "accountId": account,
            "content": {"text": spec["text"], "mediaUrls": spec.get("media", [])},
        }
        if "options" in spec:
            post["options"] = spec["options"]
        return {"post": post}

    refused = await client.post("/api/v1/posts", headers=owner.headers, json=body(bad))
    assert refused.status_code == 400, refused.text
    err = error(refused)
    assert err["code"] == "validation_error"
    assert hint in err["message"], err["message"]
    accepted = await client.post("/api/v1/posts", headers=owner.headers, json=body(good))
    assert accepted.status_code == 201, accepted.text


async def test_every_problem_is_reported(client: httpx.AsyncClient, owner: Owner) -> None:
    account = await connect(client, owner, "pinterest", "p")
    response = await client.post(
        "/api/v1/posts", headers=owner.headers,
        json={"post": {"accountId": account, "content": {"text": "x" * 801}, "options": {"bogus": 1}}},
    )  # fmt: skip
    fields = {d["field"] for d in error(response)["details"]}
    assert {"content.text", "options.bogus", "options.board_id"} <= fields
    assert any(f.startswith("content.media") for f in fields)


async def test_delete_rules(client: httpx.AsyncClient, owner: Owner, account: str) -> None:
    post_id = (await create_post(client, owner, account, scheduledTime=later())).json()["id"]
    assert (await client.delete(f"/api/v1/posts/{post_id}", headers=owner.headers)).json() == {
        "deleted": True
    }
    assert (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).status_code == 404
    assert (
        await client.delete(f"/api/v1/posts/{post_id}", headers=owner.headers)
    ).status_code == 404
