"""Security headers for the HTML this server sends, and the API docs pages that live with them.

Every ``text/html`` response gets ``X-Frame-Options: DENY`` (no page of ours may be framed:
the sandbox consent page has an Approve link a frame could trick a click on) and, unless the
route set its own, ``STRICT_POLICY``: no script, no plugin, no form, no frame, styles inline
only. Every response gets ``X-Content-Type-Options: nosniff``, so a browser never runs an
uploaded file or a JSON body as HTML.

The docs pages — Swagger UI at ``/docs``, ReDoc at ``/redoc`` — run bundles served from this
origin (``/docs-assets``, the files the ``fastapi-offline`` package ships), so they work on a
self-hosted machine with no internet access and their policy names no other host: scripts
from 'self' plus the page's own inline script by hash, styles from 'self' and inline (both
UIs set element styles), the spec fetched from 'self'. ReDoc runs its search index in a
worker it builds from a ``blob:`` URL, which its page alone allows.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib import resources
from typing import Final

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

STRICT_POLICY: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ASSETS: Final = "/docs-assets"
# Swagger UI's and ReDoc's bundles (and a favicon), versioned with the package.
_ASSET_DIR: Final = resources.files("fastapi_offline") / "static"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


RawHeaders = list[tuple[bytes, bytes]]
_NOSNIFF: Final = (b"x-content-type-options", b"nosniff")
_NO_FRAMES: Final = (b"x-frame-options", b"DENY")
_STRICT: Final = (b"content-security-policy", STRICT_POLICY.encode())


def protect(headers: RawHeaders, present: set[bytes]) -> None:
    """Add the headers to a response about to start (called for every HTTP response), on its
    raw ASGI headers (lower-case names, as Starlette writes them; ``present`` holds them)."""
    if _NOSNIFF[0] not in present:
        headers.append(_NOSNIFF)
    if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
        headers[:] = [h for h in headers if h[0] != _NO_FRAMES[0]]
        headers.append(_NO_FRAMES)
        if _STRICT[0] not in present:
            headers.append(_STRICT)


def _docs_policy(html: str, *, workers: str = "'none'") -> str:
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'none'; script-src 'self' {hashes}".rstrip()
        + f"; worker-src {workers}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def _page(html: str, *, workers: str = "'none'") -> HTMLResponse:
    return HTMLResponse(
        html, headers={"Content-Security-Policy": _docs_policy(html, workers=workers)}
    )


def install_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """Swagger UI at ``/docs`` and ReDoc at ``/redoc`` (the app is built with
    ``docs_url=None, redoc_url=None``), each under its own policy, and their bundles at
    ``ASSETS``."""
    app.mount(ASSETS, StaticFiles(directory=str(_ASSET_DIR)), name="docs-assets")
    favicon = f"{ASSETS}/favicon.png"

    async def swagger(_request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - docs",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=favicon,
        )
        return _page(bytes(page.body).decode())

    async def redoc(_request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )
        return _page(bytes(page.body).decode(), workers="blob:")

    app.add_route("/docs", swagger, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
