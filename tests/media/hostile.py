"""A media host on loopback that misbehaves on purpose, one way per path, for the publish-time
download of ``mediaUrls``. Raw HTTP/1.1 over ``asyncio`` streams, so every byte, header and
pause is the test's choice (a framework would correct the lies).

Paths:

- ``/ok.png``: a small valid PNG.
- ``/drip.png``: a PNG head, then one byte every 50 ms, forever (never idle, never done).
- ``/stall.png``: a PNG head, then silence.
- ``/hang.png``: a PNG head, then the rest of a valid PNG once ``release`` is set.
- ``/bomb.png``: gzip that decodes to a PNG head and ``BOMB_BYTES`` of zeros.
- ``/huge.png``: declares ``image/png`` and ``HUGE_BYTES`` in ``Content-Length``, then sends them.
- ``/liar.mp4``: declares ``video/mp4``, no length, then sends a PNG head and zeros forever.
- ``/loop``: redirects to itself; ``/hop/<n>``: redirects to ``/hop/<n+1>``, without end.

``sent`` counts the body bytes written per path (written to the socket, not necessarily read by
the client); ``requests`` lists the paths asked for, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import zlib
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from tests.media.files import image

MIB = 1024 * 1024
BOMB_BYTES = 128 * MIB
HUGE_BYTES = 32 * MIB
PIECE = 64 * 1024
PNG = image("PNG", (64, 48))
HEAD = PNG[:64]


@functools.cache
def bomb() -> bytes:
    """About 128 KiB of gzip that decodes to 128 MiB (a PNG head, then zeros)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [packer.compress(HEAD)]
    zeros = bytes(MIB)
    out += [packer.compress(zeros) for _ in range(BOMB_BYTES // MIB)]
    out.append(packer.flush())
    return b"".join(out)


@dataclass
class Hostile:
    url: str = ""
    sent: Counter[str] = field(default_factory=Counter)
    requests: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    # Set while a /hang.png response waits for ``release``.
    hanging: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            path = head.split(b" ", 2)[1].decode()
            self.requests.append(path)
            await self._answer(path, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: what these tests expect of it
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(
        self, path: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        async def start(status: str, **headers: str) -> None:
            lines = [f"HTTP/1.1 {status}", "Connection: close"]
            lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
            await writer.drain()

        async def body(data: bytes) -> None:
            writer.write(data)
            self.sent[path] += len(data)
            await writer.drain()

        async def endless(pause: float = 0.0, piece: bytes = bytes(PIECE)) -> None:
            while not reader.at_eof():
                await body(piece)
                await asyncio.sleep(pause)

        if path == "/ok.png":
            await start("200 OK", Content_Type="image/png", Content_Length=str(len(PNG)))
            await body(PNG)
        elif path == "/drip.png":
            await start("200 OK", Content_Type="image/png")
            await body(HEAD)
            await endless(0.05, b"\0")
        elif path == "/stall.png":
            await start("200 OK", Content_Type="image/png", Content_Length=str(len(PNG)))
            await body(HEAD)
            await reader.read(1)  # until the client hangs up
        elif path == "/hang.png":
            await start("200 OK", Content_Type="image/png", Content_Length=str(len(PNG)))
            await body(HEAD)
            self.hanging += 1
            try:
                await self.release.wait()
            finally:
                self.hanging -= 1
            await body(PNG[len(HEAD) :])
        elif path == "/bomb.png":
            packed = bomb()
            await start(
                "200 OK",
                Content_Type="image/png",
                Content_Encoding="gzip",
                Content_Length=str(len(packed)),
            )
            await body(packed)
        elif path == "/huge.png":
            await start("200 OK", Content_Type="image/png", Content_Length=str(HUGE_BYTES))
            await body(HEAD)
            while self.sent[path] < HUGE_BYTES:
                await body(bytes(min(PIECE, HUGE_BYTES - self.sent[path])))
        elif path == "/liar.mp4":
            await start("200 OK", Content_Type="video/mp4")
            await body(HEAD)
            await endless()
        elif path == "/loop":
            await start("302 Found", Location="/loop", Content_Length="0")
        elif path.startswith("/hop/"):
            step = int(path.removeprefix("/hop/"))
            await start("302 Found", Location=f"/hop/{step + 1}", Content_Length="0")
        else:
            await start("404 Not Found", Content_Length="0")


@contextlib.asynccontextmanager
async def hostile_server() -> AsyncIterator[Hostile]:
    hostile = Hostile()
    server = await asyncio.start_server(hostile.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    hostile.url = f"http://127.0.0.1:{port}"
    try:
        yield hostile
    finally:
        hostile.release.set()
        server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await server.wait_closed()
