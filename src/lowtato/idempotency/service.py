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

Plain data in and out: a ``Key`` in, an ``Outcome`` (status, body, replayed) back; reading the
header and building the response is ``idempotency.http``'s, the SQL ``idempotency.repository``'s.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lowtato.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from lowtato.idempotency import repository
from lowtato.idempotency.models import IdempotencyRecord, IdempotencyState
from lowtato.kit import clock
from lowtato.kit.db import Database
from lowtato.kit.ids import new_id
from lowtato.kit.principal import Principal

log = logging.getLogger(__name__)

RETENTION = timedelta(hours=24)
# How long a claim stands without its request finishing; a crashed request frees the key then.
CLAIM_TTL = timedelta(seconds=60)
# Creates finish in milliseconds, so a duplicate may look again soon.
IN_USE_RETRY_AFTER = 1
# Test seam: awaited between a request's claim and its work (tests hold a request mid-flight).
after_claim: Callable[[], Awaitable[None]] | None = None

Result = tuple[int, dict[str, Any]]
Staged = TypeVar("Staged")


@dataclass(frozen=True)
class Key:
    """One Idempotency-Key in its scope: owner + mode + method + path + the key itself."""

    owner_id: str
    livemode: bool
    method: str
    path: str
    value: str

    @classmethod
    def of(cls, principal: Principal, method: str, path: str, value: str) -> Key:
        return cls(principal.user_id, principal.livemode, method, path, value)


@dataclass(frozen=True)
class Outcome:
    """The answer to send: the create's own, or (``replayed``) the stored first one."""

    status: int
    body: Any  # JSON
    replayed: bool = False


def fingerprint(normalized: Any) -> str:
    canonical = json.dumps(normalized, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Outcome:
    status = record.response_status or 200
    return Outcome(200 if status == 201 else status, record.response_body, replayed=True)


def _in_use() -> IdempotencyKeyInUse:
    return IdempotencyKeyInUse(
        details={"retry_after": IN_USE_RETRY_AFTER},
        headers={"Retry-After": str(IN_USE_RETRY_AFTER)},
    )


async def _find(session: AsyncSession, key: Key) -> IdempotencyRecord | None:
    return await repository.find(
        session, owner_id=key.owner_id, livemode=key.livemode, method=key.method,
        path=key.path, key=key.value,
    )  # fmt: skip


def _answer(record: IdempotencyRecord | None, print_: str, now: datetime) -> Outcome | None:
    """The answer a live record gives a request with this key; None if the key is free."""
    if record is None or record.expires_at <= now:
        return None  # never used, past retention, or a claim whose request died
    if record.fingerprint != print_:
        raise IdempotencyKeyReused
    if record.state != IdempotencyState.done:
        raise _in_use()
    return _replay(record)


async def _claim(db: Database, key: Key, print_: str) -> str | Outcome:
    """The new claim's id, or the answer for a key that is taken."""
    # A read first: it never waits for a running create (SQLite's deferred read transaction).
    async with db.transaction(readonly=True) as session:
        answer = _answer(await _find(session, key), print_, clock.now())
    if answer is not None:
        return answer
    now = clock.now()
    claim_id = new_id("idem")
    try:
        async with db.transaction() as session:
            existing = await _find(session, key)
            answer = _answer(existing, print_, now)
            if answer is not None:
                return answer
            if existing is not None:  # expired: free the key
                await repository.remove(session, existing.id)
            repository.add(
                session,
                IdempotencyRecord(
                    id=claim_id,
                    owner_id=key.owner_id,
                    livemode=key.livemode,
                    method=key.method,
                    path=key.path,
                    key=key.value,
                    fingerprint=print_,
                    state=IdempotencyState.in_flight,
                    created_at=now,
                    expires_at=now + CLAIM_TTL,
                ),
            )
    except IntegrityError:
        # Another request claimed this key between our look and our insert.
        async with db.transaction(readonly=True) as session:
            answer = _answer(await _find(session, key), print_, clock.now())
        if answer is None:
            raise _in_use() from None  # that request failed and let go already: retry
        return answer
    return claim_id


async def _complete(
    session: AsyncSession, claim_id: str, status: int, body: dict[str, Any]
) -> None:
    now = clock.now()
    if not await repository.complete(
        session, claim_id, now=now, expires_at=now + RETENTION, status=status, body=body
    ):
        # The claim expired and a retry may have taken the key: our work must not commit.
        raise _in_use()


async def _release(db: Database, claim_id: str) -> None:
    try:
        async with db.transaction() as session:
            await repository.release(session, claim_id)
    except Exception:
        # The claim expires on its own; the request's own error is the one to report.
        log.exception("could not release idempotency claim %s", claim_id)


async def run_staged(
    db: Database,
    key: Key | None,
    normalized: Any,
    *,
    stage: Callable[[], Awaitable[Staged]],
    create: Callable[[AsyncSession, Staged], Awaitable[Result]],
) -> Outcome:
    """Run ``stage()`` (outside any transaction) and then ``create(session, staged)`` (in a
    transaction) at most once per Idempotency-Key; without a key just run them."""
    if key is None:
        staged = await stage()
        async with db.transaction() as session:
            status, body = await create(session, staged)
        return Outcome(status, body)
    claim = await _claim(db, key, fingerprint(normalized))
    if isinstance(claim, Outcome):
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
    return Outcome(status, body)


async def run(
    db: Database,
    key: Key | None,
    normalized: Any,
    create: Callable[[AsyncSession], Awaitable[Result]],
) -> Outcome:
    """``create(session)`` in a transaction, at most once per Idempotency-Key."""

    async def nothing() -> None:
        return None

    async def create_staged(session: AsyncSession, _staged: None) -> Result:
        return await create(session)

    return await run_staged(db, key, normalized, stage=nothing, create=create_staged)


async def prune(session: AsyncSession) -> int:
    """Delete records past their retention."""
    return await repository.prune(session, clock.now())
