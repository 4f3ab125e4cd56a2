"""``POST /api/v1/ai/images``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lowtato.auth.deps import AiGenerate
from lowtato.idempotency import http as idempotency
from lowtato.images import service
from lowtato.images.ports import ImageServices
from lowtato.images.schemas import ImageCreate, ImageOut
from lowtato.kit.routing import JSONRoute

router = APIRouter(prefix="/api/v1/ai", tags=["AI"], route_class=JSONRoute)


@router.post(
    "/images",
    summary="Generate an image",
    status_code=201,
    response_model=ImageOut,
    dependencies=[idempotency.IDEMPOTENT],
    responses={
        200: {"description": "Idempotent replay of an earlier image."},
        402: {"description": "Not enough credits (`insufficient_credits`); nothing was made."},
        502: {"description": "The image model failed (`ai_provider_error`); credits refunded."},
    },
)
async def create_image(body: ImageCreate, request: Request, principal: AiGenerate) -> JSONResponse:
    """An image for a post, stored as a media item: put its `url` (or `id`) in a post's
    `mediaUrls`. Costs 2.0 credits (`credits_used`), refunded if making it fails.

    Size: `size` (`WIDTHxHEIGHT`, from the listed sizes) or, without it, the `platform`'s
    preferred size — instagram and threads 1080x1350 (4:5), twitter 1600x900, linkedin
    1200x627, facebook 1200x630, pinterest 1000x1500 (2:3), tiktok 1080x1920 (9:16), youtube
    1280x720 (a thumbnail), bluesky 1200x675 — or 1080x1080 with neither.

    With an image model configured (`LOWTATO_AI_IMAGE_MODEL`) the model draws the `prompt`
    (`kind: "generated"`, `provider` the model), cropped and scaled to the size. Without one,
    the built-in renderer makes a text card (`kind: "card"`, `provider: "builtin"`): the
    prompt as large as it fits on the brand kit's `brand_color`, in black or white, whichever
    reads better, with the brand name and website in a footer. Characters the bundled font
    cannot draw (most emoji, CJK) are left out of a card.
    """
    services: ImageServices = request.app.state.services
    key = idempotency.key_from(request, principal)
    return idempotency.respond(await service.generate(services, principal, body, key))
