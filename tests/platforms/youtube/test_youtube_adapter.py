"""The YouTube adapter against its contract fake: upload, resume, errors, account calls."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.platforms.youtube.conftest import APP, YT

from lowtato.platforms.errors import AuthExpired, RateLimited, Rejected, Retryable, UnknownOutcome
from lowtato.platforms.youtube.client import seconds_until_quota_reset
from lowtato.platforms.youtube.upload import UploadRules


async def test_video_uploads_in_chunks_with_metadata(yt: YT) -> None:
    req = yt.request("about pets", title="Pets", tags=["cats", "dogs"], category_id="15",
                     privacy_status="unlisted")  # fmt: skip
    published = await yt.adapter.publish(yt.ctx, yt.creds, req)
    [video] = yt.db.live()
    assert published.platform_post_id == video.id
    assert published.public_url == f"https://www.youtube.com/watch?v={video.id}"
    assert published.extra["upload_status"] == "processed"
    assert video.body["snippet"] == {"title": "Pets", "description": "about pets",
                                     "categoryId": "15", "tags": ["cats", "dogs"]}  # fmt: skip
    assert video.body["status"]["privacyStatus"] == "unlisted"
    assert len(yt.calls("PUT", "")) == 2  # 300 kB in 256 KiB chunks


async def test_short_gets_the_shorts_hint_and_url(yt: YT) -> None:
    published = await yt.adapter.publish(yt.ctx, yt.creds, yt.request("tiny", post_type="short"))
    [video] = yt.db.live()
    assert video.body["snippet"]["description"] == "tiny\n\n#Shorts"
    assert published.public_url == f"https://www.youtube.com/shorts/{video.id}"


async def test_lost_final_answer_is_probed_not_reuploaded(yt: YT) -> None:
    yt.fakes.state.inject("youtube", "upload.put", "timeout_after_commit", count=2)
    published = await yt.adapter.publish(yt.ctx, yt.creds, yt.request())
    [video] = yt.db.live()
    assert published.platform_post_id == video.id
    probes = [
        c for c in yt.calls("PUT", "") if c["headers"]["content-range"].startswith("bytes */")
    ]
    assert len(probes) == 2 and len(yt.calls("POST", "/upload/youtube/v3/videos")) == 1


async def test_interrupted_chunk_resumes_from_the_range(yt: YT) -> None:
    yt.fakes.state.inject("youtube", "upload.put", "server_error")
    await yt.adapter.publish(yt.ctx, yt.creds, yt.request())
    ranges = [c["headers"]["content-range"] for c in yt.calls("PUT", "")]
    n = yt.db.live()[0] and next(iter(yt.db.sessions.values())).total
    assert ranges == [f"bytes 0-262143/{n}", f"bytes */{n}", f"bytes 0-262143/{n}",
                      f"bytes 262144-{n - 1}/{n}"]  # fmt: skip
    assert len(yt.db.live()) == 1


async def test_lost_final_answer_and_no_probe_is_unknown(yt: YT) -> None:
    yt.adapter.rules = UploadRules()  # one 8 MiB chunk: the first PUT carries the last byte
    yt.fakes.state.inject("youtube", "upload.put", "timeout_after_commit")
    yt.fakes.state.inject("youtube", "upload.probe", "server_error", count=10)
    with pytest.raises(UnknownOutcome):
        await yt.adapter.publish(yt.ctx, yt.creds, yt.request(title="Lost"))
    since = yt.db.live()[0].created_at
    from datetime import datetime  # noqa: PLC0415

    found = await yt.adapter.find_published(
        yt.ctx, yt.creds, yt.request(title="Lost"), datetime.fromisoformat(since)
    )
    assert found is not None and found.platform_post_id == yt.db.live()[0].id
    assert (
        await yt.adapter.find_published(
            yt.ctx, yt.creds, yt.request(title="Other"), datetime.fromisoformat(since)
        )
        is None
    )


async def test_quota_exceeded_waits_until_midnight_pacific(yt: YT) -> None:
    yt.fakes.state.inject("youtube", "upload.start", "rate_limit")
    with pytest.raises(RateLimited) as caught:
        await yt.adapter.publish(yt.ctx, yt.creds, yt.request())
    assert caught.value.after is not None
    assert abs(caught.value.after - seconds_until_quota_reset()) < 5
    assert "midnight Pacific" in caught.value.reason and yt.db.live() == []


async def test_expired_token_is_auth_expired(yt: YT) -> None:
    with pytest.raises(AuthExpired):
        await yt.adapter.publish(yt.ctx, replace(yt.creds, access_token="ya29.dead"), yt.request())


async def test_metadata_the_platform_refuses_is_rejected(yt: YT) -> None:
    with pytest.raises(Rejected) as caught:
        await yt.adapter.publish(yt.ctx, yt.creds, yt.request(title="a <b>"))
    assert caught.value.code == "invalid_content" and "invalidTitle" in caught.value.reason


async def test_processing_failure_fails_the_post(yt: YT) -> None:
    yt.fakes.state.inject("youtube", "videos.list", "processing_failed")
    with pytest.raises(Rejected) as caught:
        await yt.adapter.publish(yt.ctx, yt.creds, yt.request())
    assert caught.value.code == "invalid_media"


async def test_server_error_at_start_is_retryable(yt: YT) -> None:
    yt.fakes.state.inject("youtube", "upload.start", "server_error")
    with pytest.raises(Retryable):
        await yt.adapter.publish(yt.ctx, yt.creds, yt.request())
    assert yt.db.live() == []


async def test_first_comment(yt: YT) -> None:
    published = await yt.adapter.publish(yt.ctx, yt.creds, yt.request(first_comment="hello"))
    assert published.extra["first_comment_id"].startswith("Ug")


async def test_whoami_metrics_delete(yt: YT) -> None:
    me = await yt.adapter.whoami(yt.ctx, yt.creds)
    assert (me.platform_user_id, me.username, me.fullname) == (
        yt.db.channel_id,
        "@lowtatofan",
        "Lowtato Fan",
    )
    published = await yt.adapter.publish(yt.ctx, yt.creds, yt.request())
    metrics = await yt.adapter.fetch_metrics(yt.ctx, yt.creds, published.platform_post_id)
    assert (metrics.likes, metrics.comments) == (3, 1) and metrics.views is not None
    await yt.adapter.delete(yt.ctx, yt.creds, published.platform_post_id)
    assert yt.db.live() == []
    with pytest.raises(Rejected) as caught:
        await yt.adapter.delete(yt.ctx, yt.creds, published.platform_post_id)
    assert caught.value.code == "not_found"


async def test_refresh_keeps_the_refresh_token_and_revoked_is_auth_expired(yt: YT) -> None:
    tokens = await yt.adapter.refresh_token(yt.ctx, yt.creds)
    assert tokens.access_token in yt.db.tokens and tokens.refresh_token is None
    assert tokens.expires_in == 3599
    with pytest.raises(AuthExpired):
        await yt.adapter.refresh_token(yt.ctx, replace(yt.creds, refresh_token="1//gone"))


async def test_oauth_link_and_code_exchange(yt: YT) -> None:
    url = yt.adapter.authorize_url(yt.ctx, APP, redirect_uri="https://app.test/cb", state="s1",
                                   code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")  # fmt: skip
    assert "access_type=offline" in url and "prompt=consent" in url
    answer = await yt.ctx.http.get(url)
    assert answer.status_code == 302
    code = answer.headers["location"].split("code=")[1].split("&")[0]
    from urllib.parse import unquote  # noqa: PLC0415

    tokens = await yt.adapter.exchange_code(
        yt.ctx,
        APP,
        code=unquote(code),
        redirect_uri="https://app.test/cb",
        code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    )
    assert tokens.refresh_token and tokens.access_token in yt.db.tokens


def test_the_fake_checks_params_against_the_discovery_document() -> None:
    from tests.fakes.youtube import body_errors, param_errors  # noqa: PLC0415

    assert param_errors("videos", "list", {"part": "statistics", "id": "x"}) == []
    assert param_errors("videos", "list", {"id": "x"}) == ["Required parameter: part"]
    assert param_errors("channels", "list", {"part": "id", "mine": "yes"})
    assert param_errors("videos", "delete", {"id": "x", "bogus": "1"})
    assert body_errors("Video", {"status": {"privacyStatus": "friends"}})
    assert body_errors("Video", {"snippet": {"title": "t", "colour": "red"}})
