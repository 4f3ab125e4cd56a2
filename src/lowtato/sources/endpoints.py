"""``/api/v1/sources``: material for AI generation, extracted in the background."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from lowtato.auth.deps import AiGenerate
from lowtato.idempotency import http as idempotency
from lowtato.kit.routing import JSONRoute
from lowtato.kit.session import Session
from lowtato.sources import service
from lowtato.sources.schemas import SourceCreate, SourceOut, SourceQueued

router = APIRouter(prefix="/api/v1/sources", tags=["Sources"], route_class=JSONRoute)


@router.post(
    "",
    summary="Add a source to extract",
    status_code=service.CREATED_STATUS,
    response_model=SourceQueued,
    dependencies=[idempotency.IDEMPOTENT],
    description="Queue the extraction of an article (its main text, without navigation), a "
    "PDF (up to 200 pages), a YouTube video's transcript, a TikTok video's caption, an X "
    "post's text, plain `text`, an audio file (transcribed by the configured AI provider; or "
    "send its transcript as `text`), or a `perplexity-query` (a question answered by the "
    'configured search endpoint). Answers 202 Accepted with `{id, status: "queued"}`; poll '
    "GET /api/v1/sources/{id} until `ready` or `failed` (usually seconds). Fetches are capped: "
    "web pages 5 MB, PDFs 20 MB, audio 25 MB; extracted text 100,000 characters. A missing or "
    "wrong `url`/`text` for the type is a 400 `validation_error` naming the field. "
    "`customInstructions` reshape the text with the configured AI provider. Needs scope "
    "`ai:generate`. Honours `Idempotency-Key` (a replay answers the same id).",
)
async def create_source(
    body: SourceCreate, principal: AiGenerate, request: Request
) -> JSONResponse:
    key = idempotency.key_from(request, principal)
    outcome = await service.create_source_once(
        request.app.state.db,
        principal,
        body,
        key,
        allow_private=request.app.state.settings.allow_private_urls,
    )
    return idempotency.respond(outcome)


@router.get("/{source_id}", summary="Get a source and its extracted text")
async def get_source(source_id: str, principal: AiGenerate, session: Session) -> SourceOut:
    """`status` goes queued → processing → ready | failed. When `ready`, `extracted_title`
    and `extracted_content` hold the result (`notes` says if it was cut or if
    customInstructions were not applied); when `failed`, `error_message` says what went wrong
    and what to do. A network hiccup is retried a few times while the status stays
    `processing`. Needs scope `ai:generate`; another owner's or the other mode's source is a
    404."""
    return await service.get_source(session, principal, source_id)
