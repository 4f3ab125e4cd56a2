"""Upload bodies as the fakes receive them: read in pieces, counted and hashed, only their
first bytes kept. The fakes run in the test process, so a fake that kept a big upload would be
what uses the memory a streaming test measures."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

HEAD_BYTES = 64 * 1024  # enough for every magic number and image header the fakes read


@dataclass
class Received:
    size: int = 0
    head: bytes = b""
    sha256: Any = field(default_factory=hashlib.sha256)


async def receive(request: Request) -> Received:
    got = Received()
    async for piece in request.stream():
        if len(got.head) < HEAD_BYTES:
            got.head += piece[: HEAD_BYTES - len(got.head)]
        got.size += len(piece)
        got.sha256.update(piece)
    return got
