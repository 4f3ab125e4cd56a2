"""Generating a post: charge the credits, ask the provider, make the answer fit.

Three steps, never a transaction open while the provider works (it may take a minute, and
SQLite has one writer): the brand kit is read and the credits debited in a first short
transaction; the provider writes with none open; if it fails, a second transaction refunds.
"""

from __future__ import annotations

import re

from lowtato.ai.conventions import CONVENTIONS, caps, compose
from lowtato.ai.fit import clean, fit, measure
from lowtato.ai.hashtags import split_trailing
from lowtato.ai.ports import AiServices
from lowtato.ai.providers import TextProvider, provider_for
from lowtato.ai.request import GenerationRequest, SourceText
from lowtato.ai.schemas import GeneratedPost, GenerateRequest
from lowtato.ai.tones import Tone, parse_tone
from lowtato.billing import credits
from lowtato.brand import service as brand_service
from lowtato.brand.schemas import BrandKitOut
from lowtato.errors import UpstreamFailed
from lowtato.kit.languages import language_name
from lowtato.kit.principal import Principal
from lowtato.llm.client import ProviderError
from lowtato.plans import COSTS, Cost, credits_out
from lowtato.sources import service as sources

DEBIT_REASON = "ai.generate"
_FENCE = re.compile(r"^```[\w-]*\n(.*)\n```$", re.DOTALL)
_QUOTES = ('"', "“”", "'")


async def generate(
    services: AiServices,
    principal: Principal,
    data: GenerateRequest,
    source: SourceText | None = None,
) -> GeneratedPost:
    """A post for ``data.platform``, paid for with ``COSTS[ai_generate_post]`` credits (402
    when short, nothing written); a provider failure refunds them and is a 502. ``source``
    (or the request's ``source_id``, read here) is material to write from."""
    cost = COSTS[Cost.ai_generate_post]
    async with services.db.transaction() as session:
        brand = await brand_service.get_kit(session, principal)
        if data.source_id is not None:  # 404 / 409 before anything is charged
            source = await sources.read_for_generation(
                session,
                owner_id=principal.user_id,
                livemode=principal.livemode,
                source_id=data.source_id,
            )
        if cost:
            await credits.debit(session, principal.user_id, cost, DEBIT_REASON)
    provider = provider_for(services.llm)
    request = resolve(data, brand, source, builtin=services.llm is None)
    try:
        text = await provider.write(request)
        post = finish(text, request, provider, credits_out(cost))
    except ProviderError as exc:
        await _refund(services, principal, cost)
        raise UpstreamFailed(
            f"The AI provider failed ({exc.reason}). The {credits_out(cost)} credits this call "
            "took were refunded; retry in a moment, or ask the operator to check "
            "LOWTATO_AI_BASE_URL."
        ) from exc
    except BaseException:
        await _refund(services, principal, cost)
        raise
    return post


async def _refund(services: AiServices, principal: Principal, cost: int) -> None:
    if cost:
        async with services.db.transaction() as session:
            await credits.refund(session, principal.user_id, cost, DEBIT_REASON)


def resolve(
    data: GenerateRequest, brand: BrandKitOut, source: SourceText | None, *, builtin: bool
) -> GenerationRequest:
    """The tone asked for, else the brand's (if it names one), else professional; the brand's
    language, except that the built-in generator writes English."""
    tone = parse_tone(data.tone or "") or parse_tone(brand.tone or "") or Tone.professional
    language = "en" if builtin else (brand.language or "en")
    return GenerationRequest(
        topic=data.topic,
        platform=data.platform_key,
        tone=tone,
        include_hashtags=data.include_hashtags,
        custom_instructions=data.custom_instructions,
        brand=brand,
        language=language,
        source=source,
    )


def finish(
    text: str, request: GenerationRequest, provider: TextProvider, credits_used: float
) -> GeneratedPost:
    """The provider's text as a response: hashtags split off and held to the platform's
    convention, then fitted to the platform's limit."""
    platform = request.platform
    convention = CONVENTIONS[platform]
    notes: list[str] = []
    body, tags = split_trailing(_unwrap(text))
    if not body.strip():
        raise ProviderError("the AI provider answered without any post text")
    tags = list(dict.fromkeys(tags)) if request.include_hashtags else []
    if len(tags) > convention.hashtags_max:
        notes.append(
            f"kept {convention.hashtags_max} of {len(tags)} hashtags "
            f"({caps(platform).display_name} posts use at most {convention.hashtags_max})"
        )
        tags = tags[: convention.hashtags_max]
    before = compose(body, tags, platform)
    fitted, kept = fit(body, tags, platform)
    limit = f"{caps(platform).display_name}'s {caps(platform).text_limit}"
    if len(kept) < len(tags):
        notes.append(f"dropped {len(tags) - len(kept)} hashtag(s) to fit {limit}")
    if fitted != clean(body, platform):
        notes.append(f"shortened to fit {limit} ({measure(before, platform)} before)")
    notes += _language_notes(request, provider)
    content = compose(fitted, kept, platform)
    title = content.split("\n", 1)[0] if convention.title_limit else None
    return GeneratedPost(
        content=content,
        hashtags=kept,
        character_count=measure(content, platform),
        platform=platform.value,
        credits_used=credits_used,
        provider=provider.name,
        tone=request.tone.value,
        language=request.language,
        title=title,
        notes=notes,
    )


def _language_notes(request: GenerationRequest, provider: TextProvider) -> list[str]:
    notes = []
    brand_language = request.brand.language
    if provider.name == "builtin":
        if brand_language and brand_language.split("-")[0] != "en":
            notes.append(
                f"brand language {brand_language} ({language_name(brand_language)}): the "
                "built-in generator writes English only; configure an AI provider "
                "(LOWTATO_AI_BASE_URL) for posts in that language"
            )
        if request.custom_instructions:
            notes.append(
                "custom_instructions are followed by an AI provider; the built-in generator "
                "cannot read them"
            )
    return notes


def _unwrap(text: str) -> str:
    """Without a code fence or quotes a model sometimes wraps its answer in."""
    text = text.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    for quotes in _QUOTES:
        opening, closing = quotes[0], quotes[-1]
        if len(text) > 1 and text[0] == opening and text[-1] == closing:
            inner = text[1:-1]
            if opening not in inner and closing not in inner:
                text = inner.strip()
    return text
