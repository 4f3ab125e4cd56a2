"""The key fingerprint: which key the secrets in this database are encrypted with.

One row holding a fixed text encrypted (AES-GCM, ``kit/crypto``) under the ring's first key.
Only a ring holding that key can read it, so a process can tell at start whether it can
decrypt this database's secrets; the row reveals nothing about the key itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lowtato.kit.db import Base


class KeyCanary(Base):
    __tablename__ = "encryption_canary"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Key id of the encrypting key (first 8 hex chars of its SHA-256, as in every ciphertext).
    key_id: Mapped[str] = mapped_column(String(16))
    ciphertext: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
