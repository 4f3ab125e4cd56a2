"""Idempotency-Key handling for creating POSTs.

Scope: owner + mode + method + path + key. A request with a key runs in three steps:

1. **Claim** (its own committed transaction): a row ``in_flight`` with a short expiry
   (``CLAIM_TTL``). A duplicate that finds a live claim is answered at once — 409
   ``idempotency_key_in_use`` with ``Retry-After`` — instead of queueing behind the first (on
   SQLite behind the single write lock). A claim whose request crashed expires and is taken
   over by the next retry.
2. **Stage** (no transaction): outbound work the create needs first, e.g. moving an upload
   into object storage.
3. **Create and complete** (one transaction): the created objects and the stored response
   commit together, and only if the claim is still this request's; a request that lost its
   claim (it ran past the expiry and a retry took over) rolls back and answers 409.

A request that fails (our validation's 4xx, a 5xx, a crash) deletes its claim, so a retry can
run; the stored response exists exactly when the created objects do. A done key replays its
first response (200, ``Idempotent-Replayed: true``) for ``RETENTION``; the same key with a
different body is 422 ``idempotency_key_reused``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.errors import IdempotencyKeyInUse, IdempotencyKeyReused, ValidationFailed
from lowtato.idempotency.models import IdempotencyRecord, IdempotencyState
from lowtato.kit import clock
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id
from lowtato.kit.openapi import IDEMPOTENT_ATTR
from lowtato.kit.principal import Principal

log = logging.getLogger(__name__)

RETENTION = timedelta(hours=24)
# How long a claim stands without its request finishing; a crashed request frees the key then.
CLAIM_TTL = timedelta(seconds=60)
# Creates finish in milliseconds, so a duplicate may look again soon.
IN_USE_RETRY_AFTER = 1
HEADER = "Idempotency-Key"
# Test seam: awaited between a request's claim and its work (tests hold a request mid-flight).
after_claim: Callable[[], Awaitable[None]] | None = None

Result = tuple[int, dict[str, Any]]
Staged = TypeVar("Staged")


def _declare_header(
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="Makes a retry safe: 1-255 printable characters (a UUID is ideal).",
        ),
    ] = None,
) -> None:
    """States the header in the OpenAPI document (and so the 409 and 422 it can bring, see
    kit/openapi.py); ``key_from`` reads and checks it where the create runs."""


setattr(_declare_header, IDEMPOTENT_ATTR, True)
IDEMPOTENT = Depends(_declare_header)
"""In a create route's ``dependencies``: the route honours ``Idempotency-Key``."""


def fingerprint(normalized: Any) -> str:
    canonical = json.dumps(normalized, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def key_from(request: Request) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # RFC 8941 sf-string form
        key = key[1:-1]
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ValidationFailed.field(HEADER, "must be 1-255 printable characters (a UUID is ideal)")
    return key


def _replay(record: IdempotencyRecord) -> JSONResponse:
    status = record.response_status or 200
    return JSONResponse(
        record.response_body,
        status_code=200 if status == 201 else status,
        headers={"Idempotent-Replayed": "true"},
    )


def _in_use() -> IdempotencyKeyInUse:
    return IdempotencyKeyInUse(
        details={"retry_after": IN_USE_RETRY_AFTER},
        headers={"Retry-After": str(IN_USE_RETRY_AFTER)},
    )


class _Scope:
    def __init__(self, principal: Principal, request: Request, key: str) -> None:
        self.principal = principal
        self.method = request.method
        self.path = request.url.path
        self.key = key

    async def find(self, session: AsyncSession) -> IdempotencyRecord | None:
        stmt = select(IdempotencyRecord).where(
            IdempotencyRecord.owner_id == self.principal.user_id,
            IdempotencyRecord.livemode == self.principal.livemode,
            IdempotencyRecord.method == self.method,
            IdempotencyRecord.path == self.path,
            IdempotencyRecord.key == self.key,
        )
        return (await session.execute(stmt)).scalar_one_or_none()


def _answer(record: IdempotencyRecord | None, print_: str, now: datetime) -> JSONResponse | None:
    """The answer a live record gives a request with this key; None if the key is free."""
    if record is None or record.expires_at <= now:
        return None  # never used, past retention, or a claim whose request died
    if record.fingerprint != print_:
        raise IdempotencyKeyReused
    if record.state != IdempotencyState.done:
        raise _in_use()
    return _replay(record)


async def _claim(db: Database, scope: _Scope, print_: str) -> str | JSONResponse:
    """The new claim's id, or the answer for a key that is taken."""
    # A read first: it never waits for a running create (SQLite's deferred read transaction).
    async with db.transaction(readonly=True) as session:
        answer = _answer(await scope.find(session), print_, clock.now())
    if answer is not None:
        return answer
    now = clock.now()
    claim_id = new_id("idem")
    try:
        async with db.transaction() as session:
            existing = await scope.find(session)
            answer = _answer(existing, print_, now)
            if answer is not None:
                return answer
            if existing is not None:  # expired: free the key (a statement: a concurrent
                # request freeing it too must not turn into a stale-row error)
                await session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.id == existing.id)
                )
            session.add(
                IdempotencyRecord(
                    id=claim_id,
                    owner_id=scope.principal.user_id,
                    livemode=scope.principal.livemode,
                    method=scope.method,
                    path=scope.path,
                    key=scope.key,
                    fingerprint=print_,
                    state=IdempotencyState.in_flight,
                    created_at=now,
                    expires_at=now + CLAIM_TTL,
                )
            )
    except IntegrityError:
        # Another request claimed this key between our look and our insert.
        async with db.transaction(readonly=True) as session:
            answer = _answer(await scope.find(session), print_, clock.now())
        if answer is None:
            raise _in_use() from None  # that request failed and let go already: retry
        return answer
    return claim_id


async def _complete(
    session: AsyncSession, claim_id: str, status: int, body: dict[str, Any]
) -> None:
    now = clock.now()
    result = await session.execute(
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.id == claim_id,
            IdempotencyRecord.state == IdempotencyState.in_flight,
            IdempotencyRecord.expires_at > now,
        )
        .values(
            state=IdempotencyState.done,
            response_status=status,
            response_body=body,
            expires_at=now + RETENTION,
        )
        .returning(IdempotencyRecord.id)
    )
    if result.scalar_one_or_none() is None:
        # The claim expired and a retry may have taken the key: our work must not commit.
        raise _in_use()


async def _release(db: Database, claim_id: str) -> None:
    try:
        async with db.transaction() as session:
            await session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.id == claim_id,
                    IdempotencyRecord.state == IdempotencyState.in_flight,
                )
            )
    except Exception:
        # The claim expires on its own; the request's own error is the one to report.
        log.exception("could not release idempotency claim %s", claim_id)


async def run_staged(
    request: Request,
    db: Database,
    principal: Principal,
    normalized: Any,
    *,
    stage: Callable[[], Awaitable[Staged]],
    create: Callable[[AsyncSession, Staged], Awaitable[Result]],
) -> JSONResponse:
    """Run ``stage()`` (outside any transaction) and then ``create(session, staged)`` (in a
    transaction) at most once per Idempotency-Key; without the header just run them."""
    key = key_from(request)
    if key is None:
        staged = await stage()
        async with db.transaction() as session:
            status, body = await create(session, staged)
        return JSONResponse(body, status_code=status)
    claim = await _claim(db, _Scope(principal, request, key), fingerprint(normalized))
    if isinstance(claim, JSONResponse):
        return claim
    try:
        if after_claim is not None:
            await after_claim()
        staged = await stage()
        async with db.transaction() as session:
            status, body = await create(session, staged)
            await _complete(session, claim, status, body)
    except BaseException:
        await _release(db, claim)
        raise
    return JSONResponse(body, status_code=status)


async def run(
    request: Request,
    db: Database,
    principal: Principal,
    normalized: Any,
    create: Callable[[AsyncSession], Awaitable[Result]],
) -> JSONResponse:
    """``create(session)`` in a transaction, at most once per Idempotency-Key."""

    async def nothing() -> None:
        return None

    async def create_staged(session: AsyncSession, _staged: None) -> Result:
        return await create(session)

    return await run_staged(request, db, principal, normalized, stage=nothing, create=create_staged)


async def prune(session: AsyncSession) -> int:
    """Delete records past their retention (run by housekeeping)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= clock.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
