"""The discovery documents (no auth): ``/llms.txt``, ``/.well-known/agents.json``,
``/pricing.json``, ``/sitemap.xml``. Each is built from the live OpenAPI document and the
pricing table, with ``LOWTATO_PUBLIC_URL`` as the base."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from lowtato.discovery.agents import agent_card, sitemap
from lowtato.discovery.llms import llms_txt
from lowtato.discovery.pricing import pricing_document
from lowtato.kit.routing import JSONRoute

router = APIRouter(tags=["Discovery"], route_class=JSONRoute)
_CACHE = "public, max-age=300"


def _base(request: Request) -> str:
    return str(request.app.state.settings.public_url)


@router.get(
    "/llms.txt", summary="The API for language models (text)", response_class=PlainTextResponse
)
async def get_llms_txt(request: Request) -> PlainTextResponse:
    """Every endpoint with its scope, body, answer and errors; auth, errors, rate limits,
    idempotency, the quick starts and pricing — generated from /openapi.json."""
    text = llms_txt(request.app.openapi(), _base(request))
    return PlainTextResponse(text, headers={"Cache-Control": _CACHE})


@router.get("/.well-known/agents.json", summary="Agent card")
async def get_agent_card(request: Request) -> dict[str, Any]:
    """Name, description, authentication, API documents and capabilities (one per OpenAPI
    tag, each with its operations and scopes)."""
    settings = request.app.state.settings
    limits = {
        "read_per_window": settings.rate_limit_read,
        "write_per_window": settings.rate_limit_write,
        "upload_per_window": settings.rate_limit_upload,
        "window_seconds": settings.rate_limit_window_seconds,
    }
    return agent_card(request.app.openapi(), _base(request), limits)


@router.get("/pricing.json", summary="Plans and credit costs")
async def get_pricing() -> dict[str, Any]:
    """Plans (price, accounts, monthly credits, API access) and what each action costs in
    credits — the table the server charges from."""
    return pricing_document()


@router.get("/sitemap.xml", summary="Sitemap of the public documents", response_class=Response)
async def get_sitemap(request: Request) -> Response:
    return Response(
        sitemap(_base(request)), media_type="application/xml", headers={"Cache-Control": _CACHE}
    )
