"""Creating and reading sources, the extraction job's state changes, and the text AI
generation reads (``read_for_generation``, the domain's published surface for ``ai``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.errors import Conflict, NotFound, ValidationFailed
from lowtato.idempotency import service as idempotency
from lowtato.jobs import queue
from lowtato.kit import clock
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal
from lowtato.sources import repository
from lowtato.sources.extract import Request, Result
from lowtato.sources.models import Source, SourceStatus, SourceType
from lowtato.sources.repository import SourceRepository
from lowtato.sources.schemas import SourceCreate, SourceOut, SourceQueued
from lowtato.sources.urls import NEEDS_URL, checked_text, checked_url

EXTRACT_KIND: Final = "sources.extract"
# The create answers 202 Accepted: the source exists, its extraction has not run yet.
CREATED_STATUS: Final = 202


def job_key(source_id: str) -> str:
    return f"{EXTRACT_KIND}:{source_id}"


@dataclass(frozen=True)
class SourceText:
    """A ready source's text, as AI generation reads it."""

    title: str
    content: str


@dataclass(frozen=True)
class _Checked:
    source_type: SourceType
    url: str | None
    text: str | None
    instructions: str | None


def _check(body: SourceCreate, *, allow_private: bool) -> _Checked:
    source_type = body.source_type
    url = checked_url(source_type, body.url, allow_private=allow_private)
    text = checked_text(source_type, body.text, url)
    if source_type in NEEDS_URL and text is not None:
        raise ValidationFailed.field(
            "text", f"sourceType '{source_type}' reads `url`, not `text`; remove `text`"
        )
    instructions = (body.custom_instructions or "").strip() or None
    return _Checked(source_type, url, text, instructions)


async def _create(session: AsyncSession, principal: Principal, checked: _Checked) -> Source:
    now = clock.now()
    repo = SourceRepository(session, principal)
    source = await repo.add(
        Source(
            id=new_id("src"),
            **repo.owned_fields(),
            source_type=checked.source_type.value,
            url=checked.url,
            text=checked.text,
            custom_instructions=checked.instructions,
            status=SourceStatus.queued.value,
            notes=[],
            created_at=now,
            updated_at=now,
        )
    )
    # The job is written in the same transaction: no source without its extraction.
    await queue.enqueue(
        session,
        kind=EXTRACT_KIND,
        key=job_key(source.id),
        payload={"source_id": source.id},
        owner_id=source.owner_id,
        livemode=source.livemode,
    )
    return source


async def create_source_once(
    db: Database,
    principal: Principal,
    body: SourceCreate,
    key: idempotency.Key | None,
    *,
    allow_private: bool,
) -> idempotency.Outcome:
    """Check the request (400 naming the field), then store the source and its extraction job
    once per Idempotency-Key."""
    checked = _check(body, allow_private=allow_private)

    async def create(session: AsyncSession) -> tuple[int, dict[str, object]]:
        source = await _create(session, principal, checked)
        queued = SourceQueued(id=source.id, status=SourceStatus.queued)
        return CREATED_STATUS, queued.model_dump(mode="json")

    return await idempotency.run(db, key, body.model_dump(mode="json"), create)


async def get_source(session: AsyncSession, principal: Principal, source_id: str) -> SourceOut:
    return source_out(await SourceRepository(session, principal).require(source_id))


def source_out(source: Source) -> SourceOut:
    return SourceOut(
        id=source.id,
        source_type=SourceType(source.source_type),
        status=SourceStatus(source.status),
        url=source.url,
        text=source.text,
        custom_instructions=source.custom_instructions,
        extracted_title=source.extracted_title,
        extracted_content=source.extracted_content,
        raw_content=source.raw_content,
        notes=list(source.notes or []),
        error_message=source.error_message,
        created_at=clock.iso(source.created_at) or "",
        updated_at=clock.iso(source.updated_at) or "",
        completed_at=clock.iso(source.completed_at),
    )


async def read_for_generation(
    session: AsyncSession, *, owner_id: str, livemode: bool, source_id: str
) -> SourceText:
    """The title and text of a ready source of this owner in this mode.

    Raises ``NotFound`` for an unknown id or another owner's or mode's source, ``Conflict``
    (409) while it is queued or processing, or when it failed.
    """
    source = await repository.owned_source(
        session, owner_id=owner_id, livemode=livemode, source_id=source_id
    )
    if source is None:
        raise NotFound.of("source", source_id)
    if source.status == SourceStatus.failed:
        raise Conflict(
            f"Source '{source_id}' failed to extract ({source.error_message}); create a new "
            "source and use its id."
        )
    if source.status != SourceStatus.ready:
        raise Conflict(
            f"Source '{source_id}' is still {source.status}; poll GET /api/v1/sources/"
            f"{source_id} until its status is 'ready', then try again."
        )
    return SourceText(title=source.extracted_title or "", content=source.extracted_content or "")


async def start_extraction(session: AsyncSession, source_id: str) -> Request | None:
    """Mark the source ``processing`` and say what to extract; None when there is nothing
    to do (gone, or already settled by an earlier run of the job)."""
    source = await repository.source_for_update(session, source_id)
    if source is None or source.status in {SourceStatus.ready, SourceStatus.failed}:
        return None
    if source.status != SourceStatus.processing:
        source.status = SourceStatus.processing.value
        source.updated_at = clock.now()
    return Request(
        source_type=SourceType(source.source_type),
        url=source.url,
        text=source.text,
        instructions=source.custom_instructions,
    )


async def finish_extraction(session: AsyncSession, source_id: str, outcome: Result | str) -> None:
    """Settle the source: ``ready`` with the result, or ``failed`` with the reason."""
    source = await repository.source_for_update(session, source_id)
    if source is None or source.status in {SourceStatus.ready, SourceStatus.failed}:
        return
    now = clock.now()
    if isinstance(outcome, Result):
        source.status = SourceStatus.ready.value
        source.extracted_title = outcome.title
        source.extracted_content = outcome.content
        source.raw_content = outcome.raw_content
        source.notes = list(outcome.notes)
        source.error_message = None
    else:
        source.status = SourceStatus.failed.value
        source.error_message = outcome
    source.updated_at = now
    source.completed_at = now
