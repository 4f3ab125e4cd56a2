"""``GET /metrics``: Prometheus exposition for the operator, behind its own bearer token."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response

from lowtato.config import Settings
from lowtato.errors import NotFound, Unauthorized
from lowtato.jobs import admin as jobs_admin
from lowtato.kit import metrics
from lowtato.kit.db import Database

# Not in the OpenAPI document: an operator's scrape target in Prometheus's text format, off
# by default and not reachable with an API key, so no client or agent tool has a use for it.
router = APIRouter(include_in_schema=False)


def _authorize(settings: Settings, header: str) -> None:
    token = settings.metrics_token.get_secret_value()
    if not token:
        raise NotFound("Metrics are off; set LOWTATO_METRICS_TOKEN to turn them on.")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.encode(), token.encode()):
        raise Unauthorized("Send the metrics token as 'Authorization: Bearer <token>'.")


async def scrape(db: Database) -> bytes:
    async with db.transaction(readonly=True) as session:
        stats = await jobs_admin.queue_stats(session)
    return metrics.exposition(stats)


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    _authorize(request.app.state.settings, request.headers.get("authorization", ""))
    body = await scrape(request.app.state.db)
    return Response(body, media_type=metrics.CONTENT_TYPE)
