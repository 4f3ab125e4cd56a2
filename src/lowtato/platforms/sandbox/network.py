"""The sandbox network: one simulated platform per real one, for test-mode keys.

It applies the real platform's capability rules, gives deterministic ids, serves each post at
``/sandbox/{platform}/{id}``, and fails on purpose when the post text contains a magic string,
so agents can exercise their error handling:

| text contains                      | what the sandbox does                                     |
|------------------------------------|-----------------------------------------------------------|
| ``[sandbox:rate_limited]``         | 429-style refusal, nothing created; retried after 60 s    |
| ``[sandbox:flaky]``                | first attempt fails as unavailable, the retry succeeds    |
| ``[sandbox:token_expired]``        | the token is refused: post fails, account disconnected    |
| ``[sandbox:rejected]``             | content refused: post fails with ``error_code: rejected`` |
| ``[sandbox:timeout_after_accept]`` | creates the post, then the answer is lost: the post goes  |
|                                    | ``unconfirmed`` and reconciliation finds it by its text   |
| ``[sandbox:lost]``                 | answer lost and nothing created: reconciliation fails it  |
|                                    | once the settle delay has passed                          |
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.kit import clock, sendwindow
from lowtato.kit.batch import Batches, Entry
from lowtato.kit.db import Database
from lowtato.platforms.base import Metrics, Published, PublishRequest
from lowtato.platforms.sandbox import repository
from lowtato.platforms.sandbox.models import SandboxPost

MAGIC = {
    "rate_limited": "[sandbox:rate_limited]",
    "flaky": "[sandbox:flaky]",
    "token_expired": "[sandbox:token_expired]",
    "rejected": "[sandbox:rejected]",
    "timeout_after_accept": "[sandbox:timeout_after_accept]",
    "lost": "[sandbox:lost]",
}
RATE_LIMIT_RESET_SECONDS = 60.0
# Sandbox metrics: a post gains most of its reach in its first days (1 - e^(-hours/τ)).
METRICS_GROWTH_HOURS = 24.0
VIDEO_FIRST = frozenset({"youtube", "tiktok"})  # report views; the others impressions


def sandbox_metrics(platform: str, platform_post_id: str, age: timedelta) -> Metrics:
    """A sandbox post's figures at ``age``: a per-post seed sets where each figure levels
    off, a saturating curve of the post's age sets how far along it is. Deterministic for
    (post, age) and never decreasing as the post ages, so analytics code sees numbers grow."""
    seed = int(hashlib.sha256(platform_post_id.encode()).hexdigest()[:8], 16)
    hours = max(0.0, age.total_seconds() / 3600)
    grown = 1 - math.exp(-hours / METRICS_GROWTH_HOURS)
    reach = 200 + seed % 5000
    likes = reach * (2 + seed % 5) // 100  # 2-6 % of the people reached like it
    final = {
        "reach": reach,
        "likes": likes,
        "comments": likes * (5 + seed % 10) // 100,
        "shares": likes * (3 + (seed >> 8) % 7) // 100,
    }
    now = {name: math.floor(value * grown) for name, value in final.items()}
    video = platform in VIDEO_FIRST
    return Metrics(
        likes=now["likes"],
        comments=now["comments"],
        shares=now["shares"],
        impressions=None if video else now["reach"],
        views=now["reach"] if video else None,
    )


@dataclass(frozen=True)
class _Create:
    platform: str
    request_post_id: str
    keyed: bool
    fence: sendwindow.BoundFence


class _Accepting(Batches[_Create]):
    """Creates that arrive together, accepted in one transaction (kit.batch): what each needs
    to know about earlier creates is read for all of them in two statements, and their
    send-window fences are proven in one (``kit.sendwindow.prove_together``)."""

    async def begin(
        self, session: AsyncSession, tag: Hashable, group: list[Entry[_Create]]
    ) -> list[Entry[_Create]]:
        await sendwindow.prove_together(session, [entry.meta.fence for entry in group])
        going = []
        for entry in group:
            try:
                await entry.meta.fence(session)  # proven just above: reads the answer
            except sendwindow.FenceRefused as exc:
                entry.fail(exc)  # refused alone, without failing the others' group
            else:
                going.append(entry)
        creates = [entry.meta for entry in going]
        await repository.prepare_creates(
            session,
            [(c.request_post_id, c.platform) for c in creates if not c.keyed],
            [_keyed_id(c.platform, c.request_post_id) for c in creates if c.keyed],
        )
        return going


class SandboxNetwork:
    """Storage and URLs of the simulated platforms (its own transactions: like a real
    platform, what it accepted stays accepted whatever happens to the caller's transaction)."""

    def __init__(self, db: Database, public_url: str, latency_ms: int = 0) -> None:
        self.db = db
        self.public_url = public_url.rstrip("/")
        self.latency = latency_ms / 1000
        self._accepting = _Accepting(db)

    async def _network_delay(self) -> None:
        if self.latency:
            await asyncio.sleep(self.latency / 2)

    def url(self, platform: str, post_id: str) -> str:
        return f"{self.public_url}/sandbox/{platform}/{post_id}"

    async def create(
        self, platform: str, author_id: str, username: str, req: PublishRequest, *,
        keyed: bool = False,
    ) -> Published:  # fmt: skip
        """Store the post. ``keyed``: the platform takes a client-chosen key (the post's own):
        a second create of one post creates nothing and answers with the first."""
        await self._network_delay()  # the request travelling to the platform
        # The sandbox "platform" lives in this process: the request arrives only if the
        # attempt still holds its lease, in the same transaction (see kit.sendwindow).
        fence = sendwindow.bound_fence()

        async def accept(session: AsyncSession) -> Published:
            # Creates accepted together are inserted together at commit (kit.batch); the
            # repository's memo lets each see the ones before it in the group.
            with session.no_autoflush:
                await fence(session)
                return await self._store(session, platform, author_id, username, req, keyed=keyed)

        published = await self._accepting.submit(
            accept, _Create(platform, req.post_id, keyed, fence)
        )
        await self._network_delay()  # the answer travelling back (a kill here = unknown outcome)
        return published

    async def _store(
        self,
        session: AsyncSession,
        platform: str,
        author_id: str,
        username: str,
        req: PublishRequest,
        *,
        keyed: bool,
    ) -> Published:
        if keyed:
            existing = await repository.get(session, _keyed_id(platform, req.post_id))
            if existing is not None and existing.deleted_at is None:
                return Published(existing.id, self.url(platform, existing.id))
            count = 0
        else:
            count = await repository.creates(session, req.post_id, platform)
        # Deterministic: the n-th create for one post always gets the same id.
        digest = hashlib.sha256(f"{platform}:{req.post_id}:{count}".encode()).hexdigest()
        post = SandboxPost(
            id=f"sbx{digest[:20]}",
            platform=platform,
            author_id=author_id,
            author_username=username,
            request_post_id=req.post_id,
            text=req.text,
            media=[{"url": m.url, "kind": m.kind} for m in req.media],
            options=dict(req.options),
            created_at=clock.now(),
            deleted_at=None,
        )
        repository.add(session, post)
        return Published(post.id, self.url(platform, post.id))

    async def find(
        self, platform: str, author_id: str, text: str, media_count: int, since: datetime
    ) -> Published | None:
        """The author's oldest live post since ``since`` with this text and number of media:
        what a live platform can be asked (it knows nothing of our ids)."""
        async with self.db.transaction() as session:
            posts = await repository.live_by_author(session, platform, author_id, text, since)
            post = next((p for p in posts if len(p.media) == media_count), None)
        if post is None:
            return None
        return Published(post.id, self.url(platform, post.id), created_at=post.created_at)

    async def find_keyed(self, platform: str, request_post_id: str) -> Published | None:
        """The post stored under this request's own key, if it exists (an exact lookup)."""
        post = await self.get(platform, _keyed_id(platform, request_post_id))
        if post is None or post.deleted_at is not None:
            return None
        return Published(post.id, self.url(platform, post.id), created_at=post.created_at)

    async def get(self, platform: str, post_id: str) -> SandboxPost | None:
        async with self.db.transaction() as session:
            post = await repository.get(session, post_id)
        return post if post is not None and post.platform == platform else None

    async def delete(self, platform: str, post_id: str) -> bool:
        async with self.db.transaction() as session:
            post = await repository.get(session, post_id)
            if post is None or post.platform != platform or post.deleted_at is not None:
                return False
            post.deleted_at = clock.now()
        return True

    async def creates_for(self, request_post_id: str) -> int:
        async with self.db.transaction() as session:
            return await repository.creates(session, request_post_id)


def _keyed_id(platform: str, request_post_id: str) -> str:
    """The id a keyed create gives a post (the first create's id, see ``create``)."""
    return "sbx" + hashlib.sha256(f"{platform}:{request_post_id}:0".encode()).hexdigest()[:20]
