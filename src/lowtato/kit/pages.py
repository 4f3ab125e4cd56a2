"""Security headers for the HTML this server sends, and the API docs page that lives with them.

Every ``text/html`` response gets ``X-Frame-Options: DENY`` (no page of ours may be framed:
the sandbox consent page has an Approve link a frame could trick a click on) and, unless the
route set its own, ``STRICT_POLICY``: no script, no plugin, no form, no frame, styles inline
only. Every response gets ``X-Content-Type-Options: nosniff``, so a browser never runs an
uploaded file or a JSON body as HTML. The docs page runs Swagger UI from its CDN; its policy
allows that bundle and the page's own inline script by hash, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import HTMLResponse

STRICT_POLICY: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_CDN: Final = "https://cdn.jsdelivr.net"
_FAVICON_HOST: Final = "https://fastapi.tiangolo.com"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def protect(headers: MutableHeaders) -> None:
    """Add the headers to a response about to start (called for every HTTP response)."""
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if headers.get("content-type", "").startswith("text/html"):
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Content-Security-Policy", STRICT_POLICY)


def _docs_policy(html: str) -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src {hashes} {_CDN}; style-src {_CDN} 'unsafe-inline'; "
        f"img-src 'self' data: {_FAVICON_HOST}; connect-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )


def install_docs(app: FastAPI, path: str = "/docs") -> None:
    """Swagger UI at ``path`` (the app is built with ``docs_url=None``) under its own policy."""

    async def docs(_request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} - docs")
        html = bytes(page.body).decode()
        return HTMLResponse(html, headers={"Content-Security-Policy": _docs_policy(html)})

    app.add_route(path, docs, include_in_schema=False)
