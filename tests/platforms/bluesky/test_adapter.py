"""The Bluesky adapter against the contract fake PDS: every method, and every injected
failure mapped to the right taxonomy error."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from tests.fakes import bluesky as fake
from tests.platforms.bluesky.conftest import Bsky

from lowtato.kit import clock
from lowtato.kit.ids import new_id
from lowtato.platforms.base import (
    FetchedMedia,
    PublishRequest,
)
from lowtato.platforms.bluesky.adapter import Adapter
from lowtato.platforms.bluesky.client import SessionCache
from lowtato.platforms.bluesky.recordkey import TID_PATTERN, record_key
from lowtato.platforms.errors import (
    AuthExpired,
    RateLimited,
    Rejected,
    Retryable,
    UnknownOutcome,
)

URL_RE = re.compile(r"^https://bsky\.app/profile/alice\.test/post/[2-7a-z]{13}$")


def _req(text: str = "hello", media: Any = (), **options: Any) -> PublishRequest:
    """A request for a new post (each post has its own id, hence its own record key)."""
    return PublishRequest(post_id=new_id("post"), text=text, media=list(media), options=options)


def _value(record: dict[str, Any]) -> dict[str, Any]:
    return dict(record["value"])


async def test_text_post_with_facets_langs_and_link_card(bsky: Bsky) -> None:
    bob = fake.seed_handle(bsky.fakes.state, "bob.example.com")
    text = "Olá 👨‍👩‍👧 café: https://example.com/x. Hi @bob.example.com @ghost.example.com #Tatos"
    published = await bsky.adapter.publish(bsky.ctx, bsky.creds, _req(text, langs=["pt", "en"]))

    assert URL_RE.match(published.public_url), published.public_url
    assert (
        published.platform_post_id
        == f"at://{bsky.account.did}/app.bsky.feed.post/"
        + (published.public_url.rsplit("/", 1)[-1])
    )
    [record] = bsky.records()
    value = _value(record)
    assert value["text"] == text and value["langs"] == ["pt", "en"]
    assert value["createdAt"] == clock.iso(clock.now()).replace("Z", ".000Z")  # type: ignore[union-attr]
    data = text.encode()
    shown = [
        (data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(), f["features"][0])
        for f in value["facets"]
    ]
    assert shown == [
        (
            "https://example.com/x",
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/x"},
        ),
        ("@bob.example.com", {"$type": "app.bsky.richtext.facet#mention", "did": bob}),
        ("#Tatos", {"$type": "app.bsky.richtext.facet#tag", "tag": "Tatos"}),
    ]  # the unresolvable @ghost.example.com stays plain text
    assert value["embed"] == {
        "$type": "app.bsky.embed.external",
        "external": {
            "uri": "https://example.com/x",
            "title": "https://example.com/x",
            "description": "",
        },
    }
    assert len(bsky.calls("createSession")) == 1
    create = bsky.calls("createRecord")[0]
    assert create["headers"]["authorization"].startswith("Bearer fake-access-")  # type: ignore[index]


async def test_images_with_alt_text_and_aspect_ratio(bsky: Bsky) -> None:
    req = _req("pics", bsky.media("cat.png", "dog.jpg"), alt_texts=["a red cat", ""])
    await bsky.adapter.publish(bsky.ctx, bsky.creds, req)
    embed = _value(bsky.records()[0])["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    first, second = embed["images"]
    assert first["alt"] == "a red cat" and first["aspectRatio"] == {"width": 4, "height": 3}
    assert first["image"]["mimeType"] == "image/png" and second["image"]["mimeType"] == "image/jpeg"
    assert second["alt"] == ""
    uploads = bsky.calls("uploadBlob")
    assert [c["headers"]["content-type"] for c in uploads] == ["image/png", "image/jpeg"]  # type: ignore[index]


async def test_video_is_a_blob_embed(bsky: Bsky) -> None:
    await bsky.adapter.publish(
        bsky.ctx, bsky.creds, _req("clip", bsky.media("clip.mp4"), alt_texts=["waves"])
    )
    embed = _value(bsky.records()[0])["embed"]
    assert embed["$type"] == "app.bsky.embed.video" and embed["alt"] == "waves"
    assert embed["video"]["mimeType"] == "video/mp4" and embed["video"]["size"] > 100_000


async def test_media_bluesky_cannot_take_is_refused_before_any_upload(bsky: Bsky) -> None:
    with pytest.raises(Rejected, match="at most 4 images") as five:
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("x", bsky.media(*["cat.png"] * 5)))
    assert five.value.code == "invalid_content"
    bsky.big_files["huge.png"] = FetchedMedia(b"\x89PNG\r\n\x1a\n" + b"\0" * 1_000_000, "image/png")
    with pytest.raises(Rejected, match="at most 1,000,000 bytes") as big:
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("x", bsky.media("huge.png")))
    assert big.value.code == "media_too_large"
    with pytest.raises(Rejected, match="not both"):
        await bsky.adapter.publish(
            bsky.ctx, bsky.creds, _req("x", bsky.media("cat.png", "clip.mp4"))
        )
    bsky.big_files["clip.webm"] = FetchedMedia(b"\x1a\x45\xdf\xa3webm", "video/webm")
    with pytest.raises(Rejected, match="MP4 video only"):
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("x", bsky.media("clip.webm")))
    assert bsky.calls("uploadBlob") == [] and bsky.records() == []


async def test_first_comment_is_a_reply_and_its_failure_keeps_the_post(bsky: Bsky) -> None:
    published = await bsky.adapter.publish(
        bsky.ctx, bsky.creds, _req("main", first_comment="more at https://example.com")
    )
    main, reply = bsky.records()
    ref = {"uri": main["uri"], "cid": main["cid"]}
    assert _value(reply)["reply"] == {"root": ref, "parent": ref}
    assert published.extra["first_comment_uri"] == reply["uri"]

    # Only the comment mentions someone, so only the comment meets the rate limit.
    bsky.fakes.state.inject("bluesky", "resolveHandle", "rate_limit")
    second = await bsky.adapter.publish(
        bsky.ctx, bsky.creds, _req("again", first_comment="thanks @bob.example.com")
    )
    assert "rate limit" in second.extra["first_comment_error"]
    assert URL_RE.match(second.public_url) and len(bsky.records()) == 3


async def test_expired_session_is_refreshed_not_logged_in_again(bsky: Bsky) -> None:
    await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("one"))
    fake.expire_sessions(bsky.fakes.state, bsky.account.did)
    await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("two"))
    bsky.fakes.state.inject("bluesky", "createRecord", "auth_expired")  # expires during create
    await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("three"))

    assert [_value(r)["text"] for r in bsky.records()] == ["one", "two", "three"]
    assert len(bsky.calls("createSession")) == 1
    assert len(bsky.calls("refreshSession")) == 2
    tokens = [c["headers"]["authorization"] for c in bsky.calls("createRecord")]  # type: ignore[index]
    assert len(tokens) == 5 and tokens[1] == tokens[0] and len(set(tokens)) == 3


async def test_calls_that_find_the_session_expired_together_refresh_it_once(bsky: Bsky) -> None:
    # Two jobs of one process (a publish and a metrics read, say) holding the same expired
    # session: the PDS rotates the refresh JWT, so a second refresh would be refused and
    # end in a new login, which createSession's limits make costly.
    await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("one"))
    fake.expire_sessions(bsky.fakes.state, bsky.account.did)
    await asyncio.gather(
        *(bsky.adapter.publish(bsky.ctx, bsky.creds, _req(t)) for t in ("two", "three"))
    )
    assert len(bsky.records()) == 3
    assert (len(bsky.calls("createSession")), len(bsky.calls("refreshSession"))) == (1, 1)


async def test_refused_refresh_falls_back_to_a_new_login(bsky: Bsky) -> None:
    await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("one"))
    fake.expire_sessions(bsky.fakes.state, bsky.account.did)
    bsky.fakes.state.inject("bluesky", "refreshSession", "auth_expired")
    await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("two"))
    assert len(bsky.calls("createSession")) == 2 and len(bsky.records()) == 2


async def test_sessions_are_shared_by_adapters_of_a_process(bsky: Bsky) -> None:
    cache = SessionCache()
    for text in ("a", "b", "c"):
        await Adapter(cache).publish(bsky.ctx, bsky.creds, _req(text))
    assert len(bsky.calls("createSession")) == 1
    # Another password for the same handle never reuses that session.
    with pytest.raises(AuthExpired):
        await Adapter(cache).publish(
            bsky.ctx, bsky.with_password("wrong-pass-word-0000"), _req("d")
        )
    assert len(bsky.records()) == 3


async def test_wrong_app_password_says_to_create_a_new_one(bsky: Bsky) -> None:
    with pytest.raises(AuthExpired, match="Create a new app password") as exc:
        await bsky.adapter.publish(bsky.ctx, bsky.with_password("nope-nope-nope-nope"), _req())
    assert "Invalid identifier or password" in exc.value.reason
    assert "/api/v1/accounts/connect" in exc.value.reason


async def test_revoked_app_password_ends_in_auth_expired(bsky: Bsky) -> None:
    await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("before"))
    bsky.fakes.state.inject("bluesky", "createRecord", "auth_revoked")
    with pytest.raises(AuthExpired, match="app password"):
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("after"))
    assert [_value(r)["text"] for r in bsky.records()] == ["before"]


async def test_rate_limit_carries_the_reset(bsky: Bsky) -> None:
    bsky.fakes.state.inject("bluesky", "createRecord", "rate_limit")
    with pytest.raises(RateLimited) as exc:
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req())
    assert exc.value.after == fake.RATE_LIMIT_RESET and "42 s" in exc.value.reason
    assert bsky.records() == []


async def test_login_rate_limit_uses_the_reset_header(bsky: Bsky) -> None:
    wrong = bsky.with_password("bad0-bad0-bad0-bad0")
    for _ in range(fake.LOGINS_PER_WINDOW):
        with pytest.raises(AuthExpired):
            await bsky.adapter.whoami(bsky.ctx, wrong)
    with pytest.raises(RateLimited) as exc:
        await bsky.adapter.whoami(bsky.ctx, bsky.creds)
    assert exc.value.after is not None and 290 < exc.value.after <= 300


async def test_server_errors_before_and_at_the_create(bsky: Bsky) -> None:
    bsky.fakes.state.inject("bluesky", "uploadBlob", "server_error")
    with pytest.raises(Retryable) as upload:
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("x", bsky.media("cat.png")))
    assert not isinstance(upload.value, RateLimited)
    bsky.fakes.state.inject("bluesky", "createRecord", "server_error")
    with pytest.raises(UnknownOutcome, match="may exist"):
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("x"))
    bsky.fakes.state.inject("bluesky", "createSession", "server_error")
    with pytest.raises(Retryable):
        await Adapter(SessionCache()).publish(bsky.ctx, bsky.creds, _req("x"))
    assert bsky.records() == []


async def test_policy_and_over_long_text_are_rejected(bsky: Bsky) -> None:
    bsky.fakes.state.inject("bluesky", "createRecord", "policy")
    with pytest.raises(Rejected) as policy:
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req())
    assert policy.value.code == "invalid_request" and "policy" in policy.value.reason
    with pytest.raises(Rejected, match="300 graphemes"):
        await bsky.adapter.publish(bsky.ctx, bsky.creds, _req("é" * 301))


async def test_lost_answer_then_reconciled_by_its_record_key(bsky: Bsky) -> None:
    since = clock.now() - timedelta(minutes=1)
    req = _req("exactly once", bsky.media("cat.png"), alt_texts=["cat"])
    bsky.fakes.state.inject("bluesky", "createRecord", "timeout_after_commit")
    with pytest.raises(UnknownOutcome, match="may exist"):
        await bsky.adapter.publish(bsky.ctx, bsky.creds, req)
    found = await bsky.adapter.find_published(bsky.ctx, bsky.creds, req, since)
    [record] = bsky.records()
    assert found is not None and found.platform_post_id == record["uri"]
    assert URL_RE.match(found.public_url)
    assert len(bsky.calls("createRecord")) == 1
    assert bsky.calls("getRecord") and not bsky.calls("listRecords")  # an exact lookup
    # Another post (its own key) with the same text without the image, or another text: not
    # ours; the post itself is found by its key whatever the window.
    assert (
        await bsky.adapter.find_published(bsky.ctx, bsky.creds, _req("exactly once"), since) is None
    )
    assert await bsky.adapter.find_published(bsky.ctx, bsky.creds, _req("other"), since) is None
    later = clock.now() + timedelta(minutes=1)
    assert await bsky.adapter.find_published(bsky.ctx, bsky.creds, req, later) == found


async def test_a_second_create_of_one_post_makes_no_second_record(bsky: Bsky) -> None:
    """The record key comes from the post: publishing it again (a recovery after a lookup
    miss, a zombie's late request) is refused by the PDS, and that record is the answer."""
    req = _req("only once")
    first = await bsky.adapter.publish(bsky.ctx, bsky.creds, req)
    again = await bsky.adapter.publish(bsky.ctx, bsky.creds, req)
    assert again.platform_post_id == first.platform_post_id
    assert len(bsky.records()) == 1 and len(bsky.calls("createRecord")) == 2
    rkey = first.platform_post_id.rsplit("/", 1)[1]
    assert rkey == record_key(req.post_id) and TID_PATTERN.match(rkey)


async def test_the_pds_refuses_a_post_key_that_is_not_a_tid(bsky: Bsky) -> None:
    async with httpx.AsyncClient(base_url=f"{bsky.fakes.url}/bsky/xrpc") as pds:
        login = await pds.post("/com.atproto.server.createSession", json={
            "identifier": bsky.account.handle, "password": bsky.account.password})  # fmt: skip
        token = login.json()["accessJwt"]
        response = await pds.post(
            "/com.atproto.repo.createRecord",
            headers={"Authorization": f"Bearer {token}"},
            json={"repo": bsky.account.did, "collection": "app.bsky.feed.post", "rkey": "my-post",
                  "record": {"$type": "app.bsky.feed.post", "text": "x",
                             "createdAt": "2026-06-01T12:00:00.000Z"}},
        )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidRequest" and "TID" in response.json()["message"]
