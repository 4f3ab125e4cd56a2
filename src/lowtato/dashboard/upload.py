"""``POST /api/upload``: the dashboard's media upload. A signed-in session (cookie plus the
``X-CSRF-Token`` header) is the only credential it takes; an API key is not one here (agents
use ``/api/v1/media/upload``). Same storage, checks and answer as the API upload."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lowtato.dashboard.web import UPLOAD_PATH, SignedIn
from lowtato.errors import RateLimited
from lowtato.idempotency import service as idempotency
from lowtato.kit.ratelimit import Policy, RateLimiter
from lowtato.media import service as media
from lowtato.media.ports import MediaServices
from lowtato.media.upload import Limits, receive

router = APIRouter(include_in_schema=False)


@router.post(UPLOAD_PATH)
async def upload(request: Request, viewer: SignedIn) -> JSONResponse:
    principal = viewer.principal
    limiter: RateLimiter = request.app.state.limiter
    decision = await limiter.hit(Policy.upload, principal.user_id, principal.mode)
    if not decision.allowed:
        raise RateLimited(decision.reset_after, decision.headers())
    services: MediaServices = request.app.state.services
    settings = services.settings
    limits = Limits(settings.media_max_image_bytes, settings.media_max_video_bytes)
    received = await receive(request, limits, services.storage.spool_dir)
    outcome: idempotency.Outcome = await media.upload(services, principal, received, None)
    return JSONResponse(outcome.body, status_code=outcome.status)
