"""A record key per post, derived from the post alone, so creating it twice cannot make two.

An ``app.bsky.feed.post`` record's key must be a TID (a PDS refuses any other key for posts
with 400 ``InvalidRequest``): 13 characters of base32-sortable (``234567a-z``) encoding a
64-bit integer whose top bit is 0, then 53 bits of microseconds since the Unix epoch, then a
10-bit clock id. We take the microseconds from the Lowtato post id's own timestamp (ULID
layout: 48 bits of milliseconds, so the key sorts like a post made when the Lowtato post was)
plus the item's index, and the clock id from a hash of the post id and index.

A second ``createRecord`` with the same key is refused by the PDS instead of making a second
post, and ``getRecord`` at the key says exactly whether the post exists.
"""

from __future__ import annotations

import hashlib
import re

_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
TID_PATTERN = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def _ulid_ms(lowtato_id: str) -> int:
    body = lowtato_id.rsplit("_", 1)[-1][:10]
    value = 0
    for char in body:
        value = value * 32 + _CROCKFORD.index(char)
    return value


def encode_tid(value: int) -> str:
    out = []
    for _ in range(13):
        value, rem = divmod(value, 32)
        out.append(_SORTABLE[rem])
    return "".join(reversed(out))


def record_key(post_id: str, index: int = 0) -> str:
    """The TID of item ``index`` (0 = the post, 1 = its first comment, …) of ``post_id``."""
    micros = _ulid_ms(post_id) * 1000 + index
    digest = hashlib.sha256(f"{post_id}#{index}".encode()).digest()
    clock_id = int.from_bytes(digest[:2], "big") & 0x3FF
    return encode_tid(((micros & ((1 << 53) - 1)) << 10) | clock_id)
