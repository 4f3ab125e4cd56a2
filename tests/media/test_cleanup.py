"""Orphaned uploads (no post refers to them) are deleted by housekeeping once older than
LOWTATO_MEDIA_ORPHAN_HOURS; files posts use are kept."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from tests.api import connect, create_post
from tests.conftest import Owner
from tests.media.files import uploaded

from lowtato.jobs.worker import Worker
from lowtato.kit.clock import FrozenClock


async def test_orphans_are_cleaned_after_the_orphan_age(
    app: FastAPI, client: httpx.AsyncClient, owner: Owner, worker: Worker, frozen: FrozenClock
) -> None:
    storage = app.state.services.storage
    orphan = await uploaded(client, owner, "pic.png")
    used = await uploaded(client, owner, "photo.jpg")
    later_used = await uploaded(client, owner, "anim.gif")
    account = await connect(client, owner, "twitter", "99")

    def body(media: dict[str, str]) -> dict[str, object]:
        return {"accountId": account, "content": {"text": "draft", "mediaUrls": [media["url"]]}}

    assert (await create_post(client, owner, account, post=body(used))).status_code == 201

    async def alive(media: dict[str, str]) -> bool:
        meta = await client.get(f"/api/v1/media/{media['id']}", headers=owner.headers)
        on_disk = storage.path(media["url"].split("/media/", 1)[1]).exists()
        assert (meta.status_code == 200) == on_disk, "record and bytes go together"
        return on_disk

    frozen.advance(timedelta(hours=20))
    draft = await create_post(client, owner, account, post=body(later_used))
    await client.delete(f"/api/v1/posts/{draft.json()['id']}", headers=owner.headers)
    await worker.run_once()
    assert [await alive(m) for m in (orphan, used, later_used)] == [True, True, True]

    frozen.advance(timedelta(hours=4, minutes=15))  # 24 h 15 min after the uploads
    await worker.run_once()
    # Used 20 h in: its age counts from then, though no post refers to it any more.
    assert [await alive(m) for m in (orphan, used, later_used)] == [False, True, True]
    assert (await client.get(orphan["url"])).status_code == 404

    frozen.advance(timedelta(hours=20))
    await worker.run_once()
    assert [await alive(m) for m in (orphan, used, later_used)] == [False, True, False]
