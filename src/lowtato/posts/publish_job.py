"""The publish job of a post, kept in step with the post in the same transaction.

One job per post (key ``publish:<post id>``), serialised per account so one account publishes
one post at a time. Rescheduling moves the job; deleting the post cancels it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.jobs import queue
from lowtato.posts.models import Post

PUBLISH_KIND = "posts.publish"


def publish_key(post_id: str) -> str:
    return f"publish:{post_id}"


async def schedule_publish(session: AsyncSession, post: Post, *, now: bool = False) -> None:
    await queue.enqueue(
        session,
        kind=PUBLISH_KIND,
        key=publish_key(post.id),
        payload={"post_id": post.id},
        run_at=None if now else post.scheduled_time,
        serial_key=f"account:{post.account_id}",
    )


async def cancel_publish(session: AsyncSession, post: Post) -> None:
    await queue.cancel(session, publish_key(post.id))
