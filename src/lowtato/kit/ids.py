"""Opaque, prefixed, time-sortable identifiers (``post_01jc…``).

48 bits of milliseconds then 80 random bits, Crockford base32 (the ULID layout), so ids sort
by creation time and never reveal a row count.
"""

from __future__ import annotations

import base64
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


# RFC 4648 base32 digits -> Crockford's, for ``bytes.translate``.
_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())


def _encode(ms: int, rand: int) -> str:
    """26 digits: the low 50 bits of ``ms``, then the low 80 of ``rand``. The 130 bits are
    shifted to fill 17 bytes so that the C base32 encoder's first 26 digits are exactly
    them (a digit-by-digit ``divmod`` loop cost several microseconds on every request)."""
    value = ((ms & (2**50 - 1)) << 80 | (rand & (2**80 - 1))) << 6
    return base64.b32encode(value.to_bytes(17, "big"))[:26].translate(_CROCKFORD).decode()


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
