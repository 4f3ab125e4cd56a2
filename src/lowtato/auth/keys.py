"""API key format: ``lt_<mode>_<lookup>_<secret><checksum>``.

- ``mode`` is ``live`` or ``test``;
- ``lookup`` is 8 base62 chars (public, indexed, shown in listings);
- ``secret`` is 32 base62 chars (190 bits), never stored — only HMAC-SHA256(server secret, key);
- ``checksum`` is CRC32 of everything before it, 6 base62 chars, so a mistyped or made-up key
  is refused without touching the database (GitHub's token format does the same).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import zlib
from dataclasses import dataclass

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PATTERN = re.compile(r"^lt_(live|test)_([0-9A-Za-z]{8})_([0-9A-Za-z]{32})([0-9A-Za-z]{6})$")


def _b62(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 62)
        out.append(_BASE62[rem])
    return "".join(reversed(out))


def _random_b62(length: int) -> str:
    return "".join(secrets.choice(_BASE62) for _ in range(length))


def _checksum(body: str) -> str:
    return _b62(zlib.crc32(body.encode()), 6)


@dataclass(frozen=True, slots=True)
class ParsedKey:
    raw: str
    livemode: bool
    lookup: str


def generate(*, livemode: bool) -> ParsedKey:
    body = f"lt_{'live' if livemode else 'test'}_{_random_b62(8)}_{_random_b62(32)}"
    return parse(body + _checksum(body))  # type: ignore[return-value]


def parse(raw: str) -> ParsedKey | None:
    """The key's parts, or None when its shape or checksum is wrong."""
    match = _PATTERN.match(raw)
    if match is None:
        return None
    if not hmac.compare_digest(_checksum(raw[:-6]), match.group(4)):
        return None
    return ParsedKey(raw=raw, livemode=match.group(1) == "live", lookup=match.group(2))


def digest(pepper: bytes, raw: str) -> str:
    return hmac.new(pepper, raw.encode(), hashlib.sha256).hexdigest()


def display(key: ParsedKey) -> str:
    return f"{key.raw[:17]}…{key.raw[-4:]}"
