"""Idempotency-Key handling for creating POSTs (DESIGN.md "Idempotency").

Scope: owner + mode + method + path + key. The key row is inserted *first* in the request's
own transaction, and completed with the response in that same transaction, so the stored
response exists exactly when the created objects do. A concurrent request with the same key
waits on the unique index (PostgreSQL) or on the single writer (SQLite) and then replays; a
key reused with a different body is 422; a key whose first request is still running in a
separately committed phase is 409. Validation failures roll back with the transaction, so
they are never stored and the client can retry with a fixed body.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.auth.principal import Principal
from lowtato.errors import IdempotencyKeyInUse, IdempotencyKeyReused, ValidationFailed
from lowtato.idempotency.models import IdempotencyRecord
from lowtato.kit import clock
from lowtato.kit.ids import new_id

RETENTION = timedelta(hours=24)
HEADER = "Idempotency-Key"


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


async def _find(
    session: AsyncSession, principal: Principal, method: str, path: str, key: str
) -> IdempotencyRecord | None:
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.owner_id == principal.user_id,
        IdempotencyRecord.livemode == principal.livemode,
        IdempotencyRecord.method == method,
        IdempotencyRecord.path == path,
        IdempotencyRecord.key == key,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def _answer(record: IdempotencyRecord, print_: str) -> JSONResponse:
    if record.fingerprint != print_:
        raise IdempotencyKeyReused
    if record.state != "done":
        raise IdempotencyKeyInUse
    return _replay(record)


async def run(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    normalized: Any,
    create: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> JSONResponse:
    """Run ``create`` at most once per Idempotency-Key; without the header just run it."""
    key = key_from(request)
    if key is None:
        status, body = await create()
        return JSONResponse(body, status_code=status)
    method, path, print_ = request.method, request.url.path, fingerprint(normalized)
    now = clock.now()
    existing = await _find(session, principal, method, path, key)
    if existing is not None:
        if existing.expires_at > now:
            return _answer(existing, print_)
        await session.delete(existing)
        await session.flush()
    record = IdempotencyRecord(
        id=new_id("idem"),
        owner_id=principal.user_id,
        livemode=principal.livemode,
        method=method,
        path=path,
        key=key,
        fingerprint=print_,
        state="in_flight",
        created_at=now,
        expires_at=now + RETENTION,
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # Another request with this key committed first while we waited on the unique index.
        winner = await _find(session, principal, method, path, key)
        if winner is None:
            raise
        return _answer(winner, print_)
    status, body = await create()
    record.state = "done"
    record.response_status = status
    record.response_body = body
    return JSONResponse(body, status_code=status)


async def prune(session: AsyncSession) -> int:
    """Delete records past their retention (run by housekeeping)."""
    result = await session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= clock.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
