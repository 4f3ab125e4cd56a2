"""Making an image for a post: debit the credits, draw it (an image model, or the built-in
card), store it as a media item; give the credits back when anything fails.

No transaction is held across the drawing or the provider call (a minute, at worst): the
debit commits in a short transaction of its own first — so two requests can never both
spend the last credits — and the media row is written in another at the end.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.billing import credits
from lowtato.brand import service as brand_service
from lowtato.errors import UpstreamFailed
from lowtato.idempotency import service as idempotency
from lowtato.images import card, resize, sizes
from lowtato.images.ports import ImageServices
from lowtato.images.schemas import ImageCreate, ImageOut
from lowtato.kit.principal import Principal
from lowtato.llm.client import OpenAICompatible, ProviderError
from lowtato.media import service as media_service
from lowtato.plans import COSTS, Cost, credits_out

log = logging.getLogger(__name__)

COST = Cost.ai_generate_image
DEBIT_REASON = "ai.image"  # its refund is "ai.image.refund" (billing.credits.refund)
BUILTIN = "builtin"


@dataclass(frozen=True, slots=True)
class Drawn:
    stored: media_service.Stored
    provider: str
    kind: Literal["card", "generated"]


def _size(body: ImageCreate) -> sizes.Size:
    parsed = sizes.parse(body.size) if body.size else None
    return parsed or sizes.for_platform(body.platform)


async def _draw_card(services: ImageServices, brand: card.Card, size: sizes.Size) -> Drawn:
    data = await asyncio.to_thread(card.render, brand, size)
    stored = await media_service.put_bytes(
        services.storage, services.decoder, data, mime_type="image/png", filename="card.png"
    )
    return Drawn(stored, BUILTIN, "card")


async def _draw_generated(
    services: ImageServices, llm: OpenAICompatible, prompt: str, size: sizes.Size
) -> Drawn:
    raw = await llm.image(prompt, size=str(sizes.nearest_provider_size(size)))
    data, mime_type = await asyncio.to_thread(resize.fit, raw, size)
    name = "generated.png" if mime_type == "image/png" else "generated.jpg"
    stored = await media_service.put_bytes(
        services.storage, services.decoder, data, mime_type=mime_type, filename=name
    )
    return Drawn(stored, llm.config.image_model, "generated")


async def generate(
    services: ImageServices, principal: Principal, body: ImageCreate, key: idempotency.Key | None
) -> idempotency.Outcome:
    """Make and store the image, at most once per Idempotency-Key. 402 when the balance is
    short (nothing drawn, nothing stored); 502 ``ai_provider_error`` when the provider fails
    (the credits are refunded)."""
    size = _size(body)
    cost = COSTS[COST]
    llm = services.llm if services.llm is not None and services.llm.config.image_model else None
    debited = False

    async def stage() -> Drawn:
        nonlocal debited
        async with services.db.transaction() as session:
            await credits.debit(session, principal.user_id, cost, DEBIT_REASON)
            kit = await brand_service.get_kit(session, principal)
        debited = True
        if llm is not None:
            return await _draw_generated(services, llm, body.prompt, size)
        brand = card.Card(body.prompt, kit.brand_color, kit.brand_name, kit.website)
        return await _draw_card(services, brand, size)

    async def create(session: AsyncSession, drawn: Drawn) -> idempotency.Result:
        media = await media_service.record_upload(
            session, principal, services.settings.public_url, drawn.stored
        )
        out = ImageOut(id=media.id, url=media.url, mime_type=media.mime_type,
                       width=media.width or size.width, height=media.height or size.height,
                       size=media.size, credits_used=credits_out(cost), provider=drawn.provider,
                       kind=drawn.kind)  # fmt: skip
        return 201, out.model_dump()

    fingerprint = {"prompt": body.prompt, "size": str(size), "platform": body.platform}
    try:
        return await idempotency.run_staged(
            services.db, key, fingerprint, stage=stage, create=create
        )
    except Exception as exc:
        if debited:
            await _refund(services, principal, cost)
        if isinstance(exc, ProviderError):
            raise UpstreamFailed(
                f"The AI provider could not make the image: {exc.reason}. The "
                f"{credits_out(cost)} credits it took were refunded; try again in a moment.",
                details={"reason": exc.reason, "credits_refunded": credits_out(cost)},
            ) from exc
        raise


async def _refund(services: ImageServices, principal: Principal, cost: int) -> None:
    try:
        async with services.db.transaction() as session:
            await credits.refund(session, principal.user_id, cost, DEBIT_REASON)
    except Exception:
        # The caller still gets the original error; the ledger shows the debit to settle.
        log.exception("could not refund %s credits to %s", credits_out(cost), principal.user_id)
