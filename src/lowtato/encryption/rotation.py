"""Re-encrypt every secret at rest under the key ring's first key (``lowtato secrets rotate``).

Procedure: every process gets ``LOWTATO_ENCRYPTION_KEYS=new,old`` (new encrypts, both
decrypt), ``rotate`` re-encrypts, then ``old`` can be dropped. Each batch is committed on its
own, so an interrupted run loses nothing and a second run finishes the job; rows already under
the new key are skipped. A value is swapped only if it did not change since it was read, so a
token refreshed meanwhile is never overwritten with the old one. The stored key fingerprint
moves to the new key last, once no ciphertext under another key is left: from then on a
process without the new key refuses to start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lowtato.encryption import fingerprint
from lowtato.encryption import repository as canary_repository
from lowtato.encryption import rotation_repository as repository
from lowtato.encryption.columns import ENCRYPTED_COLUMNS
from lowtato.kit.crypto import DecryptionError, KeyRing
from lowtato.kit.db import Database

DEFAULT_BATCH = 200
# Full passes before giving up on rows that processes with an older ring keep rewriting.
MAX_PASSES = 3


@dataclass
class RotationResult:
    key_id: str
    rotated: int = 0
    # "<table>.<column>:<row id>" of ciphertexts no key of the ring can read.
    unreadable: list[str] = field(default_factory=list)
    # Rows still under another key after the last pass (written meanwhile by an older ring).
    remaining: int = 0
    fingerprint_updated: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "key_id": self.key_id,
            "rotated": self.rotated,
            "unreadable": self.unreadable,
            "remaining": self.remaining,
            "fingerprint_updated": self.fingerprint_updated,
        }


async def count_stale(db: Database, keyring: KeyRing) -> int:
    """How many ciphertexts are not under the ring's first key."""
    async with db.transaction(readonly=True) as session:
        return sum(
            [
                await repository.count_stale(session, column, keyring.primary_id)
                for column in ENCRYPTED_COLUMNS
            ]
        )


async def rotate(
    db: Database,
    keyring: KeyRing,
    *,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> RotationResult:
    """Re-encrypt every stale ciphertext; ``on_batch(n)`` after each committed batch of n.

    Raises ``KeyRingMismatch`` if the ring cannot read the stored fingerprint (wrong keys:
    nothing could be re-encrypted).
    """
    if batch_size < 1:
        msg = "batch_size must be at least 1"
        raise ValueError(msg)
    await fingerprint.verify(db, keyring)
    result = RotationResult(key_id=keyring.primary_id)
    unreadable: set[str] = set()
    for _ in range(MAX_PASSES):
        for column in ENCRYPTED_COLUMNS:
            after = ""
            while True:
                async with db.transaction() as session:
                    rows = await repository.stale_batch(
                        session, column, keyring.primary_id, after, batch_size
                    )
                    for row_id, old in rows:
                        try:
                            new = keyring.rotate(old, aad=column.aad(row_id))
                        except DecryptionError:
                            unreadable.add(f"{column.name}:{row_id}")
                            continue
                        if await repository.swap(session, column, row_id, old, new):
                            result.rotated += 1
                if not rows:
                    break
                after = rows[-1][0]
                if on_batch is not None:
                    on_batch(len(rows))
        result.remaining = await count_stale(db, keyring) - len(unreadable)
        if result.remaining <= 0:
            result.remaining = 0
            break
    result.unreadable = sorted(unreadable)
    if not result.unreadable and not result.remaining:
        key_id, ciphertext = fingerprint.canary(keyring)
        async with db.transaction() as session:
            await canary_repository.replace(session, key_id=key_id, ciphertext=ciphertext)
        result.fingerprint_updated = True
    return result
