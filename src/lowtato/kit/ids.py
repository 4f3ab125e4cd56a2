"""Opaque, prefixed, time-sortable identifiers (``post_01jc…``).

48 bits of milliseconds then 80 random bits, Crockford base32 (the ULID layout), so ids sort
by creation time and never reveal a row count.
"""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

PREFIXES = frozenset(
    {
        "usr", "key", "acc", "sub", "post", "slot", "src", "med", "wh", "whd", "evt", "mkt",
        "pur", "job", "req", "idem", "oauth",
    }
)  # fmt: skip


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


def new_id(prefix: str, *, at_ms: int | None = None) -> str:
    if prefix not in PREFIXES:
        msg = f"unknown id prefix {prefix!r}"
        raise ValueError(msg)
    ms = at_ms if at_ms is not None else time.time_ns() // 1_000_000
    return f"{prefix}_{_encode(ms, 10)}{_encode(secrets.randbits(80), 16)}"
