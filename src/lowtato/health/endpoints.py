"""``GET /api/health`` (no auth)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lowtato.health import service
from lowtato.kit import clock
from lowtato.kit.routing import JSONRoute

router = APIRouter(tags=["System"], route_class=JSONRoute)


@router.get("/api/health", summary="Health check")
async def health(request: Request) -> Any:
    """Dependency health: ``{status, timestamp, checks: {db, redis, r2, stripe}}``.

    Each check is ``ok``, ``error`` or ``not_configured``. Stripe is asked at most every 30 s
    (an authenticated ``GET /v1/balance``, 3 s timeout). HTTP 503 only when the database is
    down; Redis, storage or Stripe errors give ``degraded``. ``?live`` answers without touching any
    dependency (a liveness probe).
    """
    if "live" in request.query_params:
        return {"status": "healthy", "timestamp": clock.iso(clock.now()), "checks": {}}
    state = request.app.state
    http, body = await service.report(
        state.db, state.redis, state.storage_check(), state.services.stripe_health
    )
    return JSONResponse(body, status_code=http)
