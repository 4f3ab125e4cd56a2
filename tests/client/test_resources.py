"""Pagination helpers walk every page; media upload takes a path, bytes, a file object or
base64; both post shapes, schedules, slots and webhooks round-trip through the SDK."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from tests.client.conftest import asgi_client
from tests.conftest import AppFactory, OwnerFactory

from lowtato.client import AsyncLowtato, NotFoundError, PublishFailedError
from lowtato.client._shared import encode_base64


def _png(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


async def _account(lt: AsyncLowtato, platform: str = "twitter") -> str:
    return (await lt.accounts.connect(platform, "tok", platform_user_id="1")).id


async def test_iterate_walks_every_page(lt: AsyncLowtato) -> None:
    account = await _account(lt)
    made = [(await lt.posts.create(account, f"post {n}")).id for n in range(5)]
    seen = [p.id async for p in lt.posts.iterate(page_size=2)]
    assert sorted(seen) == sorted(made) and len(seen) == 5
    first = await lt.posts.list(limit=2)
    assert first.meta.has_more and len(first.posts) == 2
    assert [p async for p in lt.posts.iterate(status="published")] == []


async def test_schedules_iterate_update_delete(lt: AsyncLowtato) -> None:
    account = await _account(lt)
    when = datetime.now(UTC) + timedelta(hours=2)
    ids = [
        (
            await lt.posts.create(account, f"later {n}", scheduled_time=when + timedelta(minutes=n))
        ).id
        for n in range(3)
    ]
    assert sorted([s.id async for s in lt.schedules.iterate(page_size=2)]) == sorted(ids)
    updated = await lt.schedules.update(ids[0], content_text="changed")
    assert updated.content_text == "changed"
    assert (await lt.schedules.delete(ids[1])).deleted
    assert sorted([s.id async for s in lt.schedules.iterate()]) == sorted([ids[0], ids[2]])


async def test_flat_and_nested_shapes(lt: AsyncLowtato) -> None:
    account = await _account(lt, "bluesky")
    nested = await lt.posts.create(account, "nested shape")
    flat = await lt.posts.create_flat(account, "flat shape", platform="bluesky")
    assert (await lt.posts.get(nested.id)).content_text == "nested shape"
    assert (await lt.posts.get(flat.id)).content_text == "flat shape"
    bulk = await lt.posts.bulk(
        [{"content": "bulk", "platforms": ["bluesky"], "account_id": account}]
    )
    assert bulk.created == 1 and bulk.failed == 0


@pytest.mark.parametrize("how", ["path", "bytes", "file", "base64"])
async def test_media_upload(lt: AsyncLowtato, tmp_path: Path, how: str) -> None:
    content = _png()
    source = tmp_path / "loaf.png"
    source.write_bytes(content)
    if how == "path":
        media = await lt.media.upload(source)
    elif how == "bytes":
        media = await lt.media.upload(content, filename="loaf.png")
    elif how == "file":
        with source.open("rb") as handle:
            media = await lt.media.upload(handle)
    else:
        media = await lt.media.upload(base64_data=encode_base64(content), mime_type="image/png")
    assert (media.kind, media.mime_type, media.width, media.height) == (
        "image",
        "image/png",
        64,
        48,
    )
    assert (await lt.media.get(media.id)).sha256 == media.sha256
    account = await _account(lt)
    post = await lt.posts.create(account, "with a picture", media_urls=[media.url])
    assert (await lt.posts.get(post.id)).media_urls == [media.url]


async def test_media_upload_needs_one_source(lt: AsyncLowtato) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await lt.media.upload()


async def test_publish_failure_is_an_answer_unless_asked_to_raise(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner()
    app = await app_factory(worker=True, publish_wait_seconds=10.0)
    async with asgi_client(app, owner.key) as lt:
        account = await _account(lt, "bluesky")
        first = await lt.posts.create(account, "no thanks [sandbox:rejected]")
        answer = await lt.posts.publish(first.id)
        assert (answer.status, answer.error_code) == ("failed", "rejected")
        second = await lt.posts.create(account, "still no [sandbox:rejected]")
        with pytest.raises(PublishFailedError) as caught:
            await lt.posts.publish(second.id, raise_on_failure=True)
        assert caught.value.code == "rejected" and caught.value.post.id == second.id
        assert (await lt.posts.get(second.id)).status == "failed"


async def test_slots_webhooks_profile_brand(lt: AsyncLowtato) -> None:
    made = await lt.slots.create([{"day": 1, "hour": 9, "minute": 30}])
    assert made.created == 1 and (await lt.slots.list()).slots[0].hour == 9
    assert (await lt.slots.delete(made.slots[0].id)).deleted
    hook = await lt.webhooks.create("https://example.com/hook", ["post.published"])
    assert hook.secret.startswith("whsec_")
    assert (await lt.webhooks.update(hook.id, is_active=False)).is_active is False
    assert (await lt.webhooks.rotate_secret(hook.id)).secret != hook.secret
    assert (await lt.webhooks.deliveries(hook.id)).deliveries == []
    assert (await lt.webhooks.delete(hook.id)).deleted
    await lt.profile.update(display_name="Rye & Co", timezone="Europe/Paris")
    assert (await lt.profile.get()).timezone == "Europe/Paris"
    await lt.brand_kit.update(brand_name="Rye & Co", topics=["bread"])
    assert (await lt.brand_kit.get()).topics == ["bread"]
    assert "bluesky" in (await lt.platforms.list()).model_dump_json()
    assert (await lt.health()).status in {"healthy", "degraded"}


async def test_source_then_generate_from_it(
    app_factory: AppFactory, make_owner: OwnerFactory
) -> None:
    owner = await make_owner()
    app = await app_factory(worker=True)
    async with asgi_client(app, owner.key) as lt:
        queued = await lt.sources.create("text", text="Our rye loaf proofs for 48 hours.")
        assert queued.status == "queued"
        ready = await lt.sources.wait(queued.id, timeout=30, interval=0.05)
        assert ready.status == "ready" and "48 hours" in (ready.extracted_content or "")
        post = await lt.ai.generate("the rye loaf", "linkedin", source_id=ready.id)
        assert post.content and post.credits_used == 0.5
        assert (await lt.credits.get()).balance == 199.5
        with pytest.raises(NotFoundError):
            await lt.sources.wait("src_missing", timeout=1)
