"""The README quick start, end to end, with the sync client against a served app and a
test key: onboarding → connect a sandbox account → generate → create → poll until published."""

from __future__ import annotations

import asyncio
import time

from tests.conftest import AppFactory, OwnerFactory
from tests.fakes.server import serve_app

from lowtato.client import Lowtato
from lowtato.client._models import Post


def quick_start(base_url: str, key: str) -> tuple[Post, list[str]]:
    with Lowtato(key, base_url=base_url) as lt:
        done = lt.onboarding.complete("Rye & Co", ["bluesky"], timezone="Europe/Paris")
        assert done.completed and done.schedule_slots_created > 0
        lt.accounts.connect(
            "bluesky", "app-password", platform_user_id="did:plc:rye", platform_username="rye"
        )
        accounts = lt.accounts.list().accounts
        account = next(a for a in accounts if a.platform == "bluesky")
        assert account.sandbox and account.is_active
        draft = lt.ai.generate("our new rye loaf", "bluesky", tone="friendly")
        assert draft.content and draft.platform == "bluesky"
        created = lt.posts.create(account.id, draft.content)
        assert created.status == "draft"
        lt.posts.publish(created.id)
        deadline = time.monotonic() + 30
        post = lt.posts.get(created.id)
        while post.status not in {"published", "failed"} and time.monotonic() < deadline:
            time.sleep(0.1)
            post = lt.posts.get(created.id)
        return post, [a.id for a in accounts]


async def test_readme_quick_start(app_factory: AppFactory, make_owner: OwnerFactory) -> None:
    owner = await make_owner()  # a test key: its accounts live on the sandbox network
    served = await app_factory(worker=True)  # the same database, with the embedded worker
    async with serve_app(served) as url:
        post, accounts = await asyncio.to_thread(quick_start, url, owner.key)
    assert post.status == "published", post
    assert post.public_url and "/sandbox/bluesky/" in post.public_url
    assert post.social_account_id in accounts
