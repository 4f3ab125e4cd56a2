"""``GET /api/health`` (no auth)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from lowtato.health import service
from lowtato.kit import clock
from lowtato.kit.routing import JSONRoute

router = APIRouter(tags=["System"], route_class=JSONRoute)

Check = Literal["ok", "error", "not_configured"]


class HealthChecks(BaseModel):
    db: Check
    redis: Check
    r2: Check = Field(description="Media storage (local files or an S3-compatible bucket).")
    stripe: Check


class HealthReport(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "healthy",
                    "timestamp": "2026-06-01T12:00:00Z",
                    "checks": {
                        "db": "ok",
                        "redis": "ok",
                        "r2": "not_configured",
                        "stripe": "not_configured",
                    },
                }
            ]
        }
    )

    status: Literal["healthy", "degraded", "unhealthy"]
    timestamp: str = Field(description="When the checks ran (UTC, ISO 8601).")
    checks: HealthChecks | dict[str, Check] = Field(
        description="One entry per dependency; empty for `?live`."
    )


_LIVE = {
    "name": "live",
    "in": "query",
    "required": False,
    "allowEmptyValue": True,
    "schema": {"type": "string"},
    "description": "Present (any value, or none: `?live`): answer at once without touching "
    "any dependency — a liveness probe.",
}


@router.get(
    "/api/health",
    summary="Health check",
    response_model=HealthReport,
    responses={
        503: {
            "model": HealthReport,
            "description": "The database is down (`status: unhealthy`); the body is the same "
            "report, not an error envelope.",
            "x-not-an-error": True,
        }
    },
    openapi_extra={"parameters": [_LIVE]},
)
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
