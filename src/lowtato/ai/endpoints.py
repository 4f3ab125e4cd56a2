"""``POST /api/v1/ai/generate``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from lowtato.ai import service
from lowtato.ai.ports import AiServices
from lowtato.ai.schemas import GeneratedPost, GenerateRequest
from lowtato.auth.deps import AiGenerate
from lowtato.kit.routing import JSONRoute

router = APIRouter(prefix="/api/v1/ai", tags=["AI"], route_class=JSONRoute)


def _services(request: Request) -> AiServices:
    services: AiServices = request.app.state.services
    return services


@router.post(
    "/generate",
    summary="Generate a post with AI",
    responses={
        402: {"description": "`insufficient_credits`: details `{balance, required}`."},
        502: {"description": "`ai_provider_error`: the AI provider failed; credits refunded."},
    },
)
async def generate(body: GenerateRequest, principal: AiGenerate, request: Request) -> GeneratedPost:
    """Write a post about `topic` for `platform`, in the brand kit's voice (name, what you
    do, who you help, topics, language; PUT /api/v1/brand-kit). Costs 0.5 credits, taken
    before writing (402 `insufficient_credits` with `{balance, required}` when short) and
    refunded if the AI provider fails (502 `ai_provider_error`).

    The text always fits the platform as it counts (X weighted, Bluesky graphemes, ...):
    hashtags are dropped first, then the text is shortened at a sentence or word boundary;
    `notes` says so. Hashtags follow each platform's habit (X ≤2, LinkedIn 3-5 after a blank
    line, Instagram up to 10, TikTok 3-5, Threads 1, Bluesky/Facebook ≤2, YouTube 3,
    Pinterest 2-5); `include_hashtags: false` gives none. For YouTube, `content` is the
    description and its first line the title (`title`).

    With an AI provider configured (`LOWTATO_AI_BASE_URL`, `LOWTATO_AI_MODEL`) it writes;
    otherwise the built-in offline generator does (`provider: "builtin"`): deterministic,
    English only, `custom_instructions` not followed (`notes` says so)."""
    return await service.generate(_services(request), principal, body)
