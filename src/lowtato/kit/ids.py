"""Opaque, prefixed, time-sortable identifiers (``post_01jc…``).

48 bits of milliseconds then 80 random bits, Crockford base32 (the ULID layout), so ids sort
by creation time and never reveal a row count.
"""

from __future__ import annotations

import random
import secrets
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"

PREFIXES = frozenset(
    {
        "usr", "key", "acc", "sub", "post", "slot", "src", "med", "wh", "whd", "evt", "mkt",
        "pur", "job", "req", "idem", "oauth", "cred", "snap",
    }
)  # fmt: skip


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_ALPHABET[rem])
    return "".join(reversed(out))


_last = (0, 0)
_lock = threading.Lock()


def new_id(prefix: str, *, at_ms: int | None = None) -> str:
    """Ids made by one process are strictly increasing (within a millisecond the random part
    counts up, as in monotonic ULIDs), so events written together keep their order."""
    global _last  # noqa: PLW0603 - per-process monotonic state is the point
    if prefix not in PREFIXES:
        msg = f"unknown id prefix {prefix!r}"
        raise ValueError(msg)
    ms = at_ms if at_ms is not None else time.time_ns() // 1_000_000
    rand = secrets.randbits(80)
    if at_ms is None:
        with _lock:
            if ms <= _last[0] and _last[1] < 2**80 - 1:
                ms, rand = _last[0], _last[1] + 1
            _last = (ms, rand)
    return f"{prefix}_{_encode(ms, 10)}{_encode(rand, 16)}"


def new_request_id() -> str:
    """A ``req_`` id with the same layout, from a fast non-cryptographic generator: a request
    id names a request in logs and support messages and guards nothing, and drawing 80 bits
    from the operating system costs a system call on every request."""
    ms = time.time_ns() // 1_000_000
    return f"req_{_encode(ms, 10)}{_encode(random.getrandbits(80), 16)}"
