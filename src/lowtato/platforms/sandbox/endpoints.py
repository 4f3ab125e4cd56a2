"""``/sandbox/{platform}/{id}`` — the public page of a post on the sandbox network."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lowtato.errors import NotFound
from lowtato.kit import clock
from lowtato.kit.routing import JSONRoute
from lowtato.platforms.capabilities import CAPABILITIES
from lowtato.platforms.names import Platform

router = APIRouter(tags=["Sandbox"], route_class=JSONRoute)

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{name} sandbox post</title>
<style>
body {{font: 16px system-ui; max-width: 40em; margin: 3em auto; padding: 0 1em}}
article {{border: 1px solid #ccc; border-radius: 12px; padding: 1em 1.25em}}
small {{color: #666}} .text {{white-space: pre-wrap}}
</style></head>
<body><p><small>Lowtato sandbox network · {name} (test mode — not a real post)</small></p>
<article><p><strong>@{author}</strong></p><p class="text">{text}</p><ul>{media}</ul>
<p><small>{id} · {created}</small></p></article></body></html>"""


@router.get("/sandbox/{platform}/{post_id}", response_class=HTMLResponse, summary="A sandbox post")
async def sandbox_post(platform: str, post_id: str, request: Request) -> HTMLResponse:
    """The `public_url` of a post published with a test-mode key (no auth: like a real post)."""
    if platform not in set(Platform):
        raise NotFound(f"No sandbox platform '{platform}'.")
    post = await request.app.state.services.sandbox.get(platform, post_id)
    if post is None or post.deleted_at is not None:
        raise NotFound(f"No sandbox {platform} post '{post_id}'.")
    media = "".join(
        f'<li><a href="{escape(m["url"])}" rel="nofollow">{escape(m["url"])}</a></li>'
        for m in post.media
    )
    return HTMLResponse(
        _PAGE.format(
            name=escape(CAPABILITIES[Platform(platform)].display_name),
            author=escape(post.author_username),
            text=escape(post.text),
            media=media,
            id=escape(post.id),
            created=escape(clock.iso(post.created_at) or ""),
        )
    )
