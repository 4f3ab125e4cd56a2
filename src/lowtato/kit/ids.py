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


# Every pair of digits, so an id's 26 digits take 13 lookups (10 bits each) rather than 26
# divisions: a request id is made on every request.
_PAIRS = tuple(a + b for a in _ALPHABET for b in _ALPHABET)
_SHIFTS = tuple(range(120, -1, -10))


def _encode(ms: int, rand: int) -> str:
    """48 bits of time then 80 random bits as 26 digits (130 bits, the top two zero)."""
    value = (ms << 80) | rand
    return "".join([_PAIRS[(value >> shift) & 1023] for shift in _SHIFTS])


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
    return f"{prefix}_{_encode(ms, rand)}"


def new_request_id() -> str:
    """A ``req_`` id with the same layout, from a fast non-cryptographic generator: a request
    id names a request in logs and support messages and guards nothing, and drawing 80 bits
    from the operating system costs a system call on every request."""
    ms = time.time_ns() // 1_000_000
    return f"req_{_encode(ms, random.getrandbits(80))}"
