"""Every dashboard route, as one router the app includes (after the API's routers)."""

from __future__ import annotations

from importlib import resources
from typing import Final

from fastapi import APIRouter
from fastapi.responses import Response

from lowtato.dashboard import accounts, automation, posts, settings, signin, upload, web
from lowtato.errors import NotFound

UPLOAD_PATH: Final = web.UPLOAD_PATH
_STATIC = resources.files("lowtato.dashboard") / "static"
_TYPES: Final = {"css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8"}

router = APIRouter(include_in_schema=False)
for part in (signin, settings, accounts, posts, automation, upload):
    # The routes themselves, not a nested router: the app and its tests see plain routes.
    router.routes.extend(part.router.routes)


@router.get("/dashboard-static/{name}")
async def static(name: str) -> Response:
    """The pages' stylesheet and script (no build step: the files as written)."""
    kind = name.rpartition(".")[2]
    path = _STATIC / name
    if kind not in _TYPES or "/" in name or not path.is_file():
        raise NotFound(f"No dashboard file {name}.")
    return Response(
        path.read_bytes(),
        media_type=_TYPES[kind],
        headers={"Cache-Control": "public, max-age=300"},
    )
