"""Refuse to run with a key ring that cannot read this database's secrets.

Without ``LOWTATO_ENCRYPTION_KEYS`` every host generates its own key file, so an API on one
host and a worker on another would each encrypt with a key the other lacks: tokens stored by
one could never be used by the other. The first process on an empty database stores a
fingerprint of its ring's first key (``encryption.models``); every later process checks that
its ring can read it — the ring's first key or any other one, so a ring that carries the
active key as a secondary key (during a rotation) starts too.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from lowtato.encryption import repository
from lowtato.kit.crypto import DecryptionError, KeyRing
from lowtato.kit.db import Database

log = logging.getLogger(__name__)

# What the fingerprint encrypts, and the associated data binding it to its row.
CANARY_TEXT = "lowtato key fingerprint"
CANARY_AAD = "encryption_canary:primary"


class KeyRingMismatch(RuntimeError):
    """This process's key ring cannot decrypt the secrets stored in the database."""


def canary(keyring: KeyRing) -> tuple[str, str]:
    """(key id, ciphertext) of a fingerprint of the ring's first key."""
    return keyring.primary_id, keyring.encrypt(CANARY_TEXT, aad=CANARY_AAD)


def readable(keyring: KeyRing, ciphertext: str) -> bool:
    try:
        return keyring.decrypt(ciphertext, aad=CANARY_AAD) == CANARY_TEXT
    except DecryptionError:
        return False


def mismatch_message(stored_key_id: str, keyring: KeyRing) -> str:
    return (
        "refusing to start: the secrets in this database are encrypted with key "
        f"{stored_key_id}, which is not in this process's key ring "
        f"({', '.join(keyring.key_ids)}). Set LOWTATO_ENCRYPTION_KEYS to the same keys on "
        "every API and worker process that shares the database (without it each host "
        "generates its own <data dir>/encryption.key; copy the value from the host that "
        "created the database). Key ids are the first 8 hex digits of SHA-256 of each key."
    )


async def verify(db: Database, keyring: KeyRing) -> None:
    """Check the stored fingerprint, storing it first on an empty database.

    Raises ``KeyRingMismatch`` if this ring cannot read it; database errors propagate.
    """
    async with db.transaction() as session:
        row = await repository.get(session)
        if row is None:
            key_id, ciphertext = canary(keyring)
            if await repository.insert_if_absent(session, key_id=key_id, ciphertext=ciphertext):
                log.info("stored the encryption key fingerprint (key %s)", key_id)
                return
            row = await repository.get(session)  # another process stored it first
        if row is None:  # pragma: no cover - a row that won the insert cannot vanish
            msg = "the encryption key fingerprint disappeared while reading it"
            raise RuntimeError(msg)
        if not readable(keyring, row.ciphertext):
            raise KeyRingMismatch(mismatch_message(row.key_id, keyring))


async def verify_when_reachable(db: Database, keyring: KeyRing, *, every: float = 5.0) -> None:
    """``verify``, waiting for the database to answer (a worker started before it)."""
    while True:
        try:
            await verify(db, keyring)
        except (SQLAlchemyError, OSError) as exc:
            log.warning(
                "cannot check the encryption key fingerprint yet (%s); retrying in %.0fs "
                "(run 'lowtato db upgrade' if the schema is missing)",
                exc.__class__.__name__,
                every,
            )
            await asyncio.sleep(every)
        else:
            return
