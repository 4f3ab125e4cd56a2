"""``lowtato posts inspect ID``: everything the database knows about one post's publishing."""

from __future__ import annotations

import json
from typing import Any

import typer

from lowtato.cli.common import bad_id, emit, run, settings, transaction
from lowtato.cli.jobs import job_out
from lowtato.errors import NotFound
from lowtato.jobs import admin as jobs_admin
from lowtato.kit import clock
from lowtato.posts.models import Post
from lowtato.posts.publish_job import publish_key
from lowtato.posts.service import post_out

app = typer.Typer(help="Posts.", no_args_is_help=True)


@app.command()
def inspect(post_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """The post as its owner sees it, its publish and reconcile jobs (attempts, last error,
    lease) and what the platform answered."""
    bad_id(post_id, "post_", "POST_ID")
    config = settings()

    async def go() -> dict[str, Any]:
        async with transaction(config) as session:
            post = await session.get(Post, post_id)
            if post is None:
                raise NotFound(f"no post {post_id}")
            jobs = [
                await jobs_admin.for_key(session, key)
                for key in (publish_key(post_id), f"reconcile:{post_id}")
            ]
            return {
                "post": post_out(post).model_dump(mode="json", by_alias=True),
                "platform": post.platform,
                "owner_id": post.owner_id,
                "livemode": post.livemode,
                "publish": {
                    "state": post.publish_state,
                    "attempts": post.publish_attempts,
                    "recoveries": post.recoveries,
                    "send_started_at": clock.iso(post.send_started_at),
                    "error_code": post.error_code,
                    "error_message": post.error_message,
                    "platform_post_id": post.platform_post_id,
                    "platform_response": post.result or {},
                },
                "jobs": [job_out(job) for job in jobs if job is not None],
            }

    found = run(go)
    publish = found["publish"]
    lines = [
        f"{post_id}  {found['post']['status']}  on {found['platform']}  "
        f"owner {found['owner_id']} ({'live' if found['livemode'] else 'test'})",
        f"publish: state={publish['state']} attempts={publish['attempts']} "
        f"error={publish['error_code']} {publish['error_message'] or ''}".rstrip(),
        f"platform response: {json.dumps(publish['platform_response'])}",
        *(
            f"job {j['id']} {j['kind']} {j['status']} attempts={j['attempts']} "
            f"last_error={j['last_error']}"
            for j in found["jobs"]
        ),
    ]
    emit(as_json, found, "\n".join(lines))
