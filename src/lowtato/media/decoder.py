"""Where uploads are probed (``probe.probe``): a thread pool of its own, ``concurrency``
threads wide, shared by every request of the process.

Decoding an image is the one step of an upload whose memory grows with the image (up to the
per-decode budget); the pool bounds how many run at once, so their sum is bounded by budget times
concurrency however many uploads arrive together. Waiting uploads queue in the pool, not in
the event loop's default executor, so the file and storage work of other requests (which runs
there) never waits behind them.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lowtato.media import probe


class Decoder:
    def __init__(self, *, concurrency: int, max_decode_bytes: int) -> None:
        self.max_decode_bytes = max_decode_bytes
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="decode")

    async def probe(self, path: Path, mime_type: str) -> probe.Probed:
        call = functools.partial(
            probe.probe, path, mime_type, max_decode_bytes=self.max_decode_bytes
        )
        return await asyncio.get_running_loop().run_in_executor(self._pool, call)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
