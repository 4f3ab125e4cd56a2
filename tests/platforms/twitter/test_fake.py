"""The X fake itself refuses what X refuses, in X's shapes (so adapter tests mean something)."""

from __future__ import annotations

import httpx
import pytest
from tests.fakes.x import SPEC_PATH, schema_errors, seed_account
from tests.platforms.twitter.conftest import X

INVALID = "https://api.x.com/2/problems/invalid-request"


@pytest.fixture
def api(x: X) -> httpx.AsyncClient:
    x.ctx.http.headers["Authorization"] = f"Bearer {x.access_token}"
    x.ctx.http.base_url = httpx.URL(f"{x.fakes.url}/x")
    return x.ctx.http


def test_schemas_come_from_the_official_document() -> None:
    assert SPEC_PATH.name == "x-api-v2.openapi.json"
    assert schema_errors("CreatePostsRequest", {"text": "hi"}) == []
    assert schema_errors("CreatePostsRequest", {"text": 5}) == [
        "$.text: int found, string expected"
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": "hi", "bogus": True}, "$.bogus: is not defined in the schema"),
        ({"text": "hi", "reply_settings": "everyone"}, "$.reply_settings: does not have a value"),
        (
            {"text": "hi", "media": {"media_ids": ["1", "2", "3", "4", "5"]}},
            "$.media.media_ids: there must be 1 to 4",
        ),
        ({"text": "hi", "quote_tweet_id": "abc"}, "$.quote_tweet_id: does not match the regex"),
        (
            {"text": "hi", "reply": {}},
            "$.reply.in_reply_to_tweet_id: is missing but it is required",
        ),
        ({"text": ""}, "$.text: text is required"),
    ],
)
async def test_create_body_is_validated_against_the_spec(
    api: httpx.AsyncClient, body: dict[str, object], message: str
) -> None:
    response = await api.post("/2/tweets", json=body)
    assert response.status_code == 400
    answer = response.json()
    assert answer["type"] == INVALID and answer["title"] == "Invalid Request"
    assert any(e["message"].startswith(message) for e in answer["errors"]), answer


async def test_every_answer_carries_rate_limit_headers(api: httpx.AsyncClient) -> None:
    response = await api.post("/2/tweets", json={"text": "counted"})
    assert response.status_code == 201
    assert response.headers["x-rate-limit-limit"] == "100"
    assert response.headers["x-rate-limit-remaining"] == "99"
    assert int(response.headers["x-rate-limit-reset"]) > 0


async def test_missing_or_unknown_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.get("/2/users/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json() == {
        "title": "Unauthorized",
        "detail": "Unauthorized",
        "type": "about:blank",
        "status": 401,
    }


async def test_old_command_style_upload_is_refused(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/2/media/upload",
        data={"command": "INIT", "media_category": "tweet_video", "media": "AA=="},
    )
    assert response.status_code == 400
    assert "$.command: is not defined in the schema" in response.json()["errors"][0]["message"]


async def test_oversized_image_is_refused(api: httpx.AsyncClient) -> None:
    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (5 * 1024 * 1024)
    response = await api.post(
        "/2/media/upload",
        data={"media_category": "tweet_image"},
        files={"media": ("m", big, "image/png")},
    )
    assert response.status_code == 400 and "File size exceeds" in response.text


async def test_chunk_rules(api: httpx.AsyncClient) -> None:
    init = await api.post(
        "/2/media/upload/initialize",
        json={"media_type": "video/mp4", "total_bytes": 16, "media_category": "tweet_video"},
    )
    media_id = init.json()["data"]["id"]
    chunk = b"\0\0\0\x10ftypisom"
    skipped = await api.post(
        f"/2/media/upload/{media_id}/append",
        data={"segment_index": "1"},
        files={"media": ("c", chunk)},
    )
    assert skipped.status_code == 400 and "contiguous" in skipped.text
    first = await api.post(
        f"/2/media/upload/{media_id}/append",
        data={"segment_index": "0"},
        files={"media": ("c", chunk)},
    )
    assert first.status_code == 200 and "expires_at" in first.json()["data"]
    short = await api.post(f"/2/media/upload/{media_id}/finalize")
    assert short.status_code == 400 and "do not add up" in short.text
    unready = await api.post("/2/tweets", json={"text": "v", "media": {"media_ids": [media_id]}})
    assert unready.status_code == 400 and "media IDs are invalid" in unready.text


async def test_initialize_checks_enums_and_category(api: httpx.AsyncClient) -> None:
    wrong_type = await api.post(
        "/2/media/upload/initialize", json={"media_type": "video/avi", "total_bytes": 1}
    )
    assert wrong_type.status_code == 400 and "enumeration" in wrong_type.text
    mismatch = await api.post(
        "/2/media/upload/initialize",
        json={"media_type": "image/png", "total_bytes": 10, "media_category": "tweet_video"},
    )
    assert mismatch.status_code == 400 and "cannot be uploaded as tweet_video" in mismatch.text


async def test_duplicate_text_is_refused_with_xs_problem(api: httpx.AsyncClient) -> None:
    assert (await api.post("/2/tweets", json={"text": "once"})).status_code == 201
    again = await api.post("/2/tweets", json={"text": "once"})
    assert again.status_code == 403
    assert again.json() == {
        "title": "Forbidden", "type": "about:blank", "status": 403,
        "detail": "You are not allowed to create a Tweet with duplicate content.",
    }  # fmt: skip


async def test_refresh_token_reuse_is_refused(x: X) -> None:
    _, refresh = seed_account(x.fakes.state, "2002", "other")
    auth = httpx.BasicAuth("twitter-client-id", "twitter-client-secret")
    form = {"grant_type": "refresh_token", "refresh_token": refresh}
    url = f"{x.fakes.url}/x/2/oauth2/token"
    assert (await x.ctx.http.post(url, data=form, auth=auth)).status_code == 200
    reused = await x.ctx.http.post(url, data=form, auth=auth)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_request"
    wrong_secret = await x.ctx.http.post(
        url, data=form, auth=httpx.BasicAuth("twitter-client-id", "x")
    )
    assert wrong_secret.status_code == 401
