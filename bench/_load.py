"""Shared load generation for the benchmarks: a minimal HTTP/1.1 keep-alive client.

Why hand-written: an httpx/aiohttp client costs more CPU per request than a FastAPI
hello-world does to answer it, so on a 2-core machine the client, not the server, would set
the pace. This client only writes pre-built request bytes and reads a status line, headers
and a ``Content-Length`` (or chunked) body, on uvloop when available.

The load runs in its own OS process (``run_in_process``) so that it gets a core of its own
and never shares an event loop or GIL with the harness. Every loop here is bounded by a
deadline and every read by a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

READ_TIMEOUT = 10.0  # seconds one response may take before it counts as an error
MAX_HEAD = 64 * 1024  # bytes of status line + headers we accept


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    method: str = "GET"
    body: bytes = b""  # sent as application/json when not empty
    ok_status: int = 200  # the answer that counts as served (201 for a create)

    def request_bytes(self) -> bytes:
        lines = [
            f"{self.method} {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "User-Agent: lowtato-bench",
            "Accept: application/json",
            *(f"{k}: {v}" for k, v in self.headers),
        ]
        if self.body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(slots=True)
class LoadResult:
    """What one measured phase produced; only requests completed inside it count."""

    seconds: float = 0.0
    ok: int = 0
    statuses: Counter[int] = field(default_factory=Counter)  # non-200 answers by status
    io_errors: Counter[str] = field(default_factory=Counter)  # exception class → count
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    client_cpu: float = math.nan  # fraction of one core the client used while measuring
    server_cpu_s: float = math.nan  # filled in by the harness from /proc, not by the client

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) + sum(self.io_errors.values())

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds > 0 else math.nan

    @property
    def cpu_per_req_ms(self) -> float:
        done = self.ok + sum(self.statuses.values())
        return self.server_cpu_s * 1000 / done if done else math.nan


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (no interpolation to argue about)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


class ProtocolError(Exception):
    pass


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One response: (status, body, server_wants_close)."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEAD:
        raise ProtocolError("response head too large")
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
        raise ProtocolError(f"bad status line {lines[0]!r}")
    status = int(parts[1])
    length = -1
    chunked = close = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
    if chunked:
        return status, await _read_chunked(reader), close
    if length < 0:
        raise ProtocolError("response without Content-Length on a keep-alive connection")
    return status, await reader.readexactly(length), close


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:  # ends at the zero-size chunk; the caller's timeout bounds a stalled server
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # no trailers expected from uvicorn
            return bytes(body)
        body += await reader.readexactly(size + 2)
        del body[-2:]


async def fetch(target: Target) -> tuple[int, bytes]:
    """One request on a fresh connection; for readiness probes and sanity checks."""
    reader, writer = await asyncio.open_connection(target.host, target.port)
    try:
        writer.write(target.request_bytes())
        status, body, _ = await read_response(reader)
        return status, body
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


def fetch_once(target: Target, timeout: float = 5.0) -> tuple[int, bytes]:
    """``fetch`` from synchronous code, bounded by ``timeout`` seconds."""
    return asyncio.run(asyncio.wait_for(fetch(target), timeout))


@dataclass(slots=True)
class _Phase:
    """Shared between the connection loops: when measuring starts/stops, and the tallies."""

    start: float
    stop: float
    latencies: list[float] = field(default_factory=list)
    result: LoadResult = field(default_factory=LoadResult)


async def _connection_loop(target: Target, phase: _Phase) -> None:
    request = target.request_bytes()
    writer: asyncio.StreamWriter | None = None
    reader: asyncio.StreamReader | None = None
    perf = time.perf_counter
    try:
        while (sent := perf()) < phase.stop:
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(target.host, target.port)
                    sent = perf()
                writer.write(request)
                status, _, close = await asyncio.wait_for(read_response(reader), READ_TIMEOUT)
            except (
                TimeoutError,
                OSError,
                asyncio.IncompleteReadError,
                ProtocolError,
                ValueError,
                asyncio.LimitOverrunError,
            ) as exc:
                if phase.start <= perf() <= phase.stop:
                    phase.result.io_errors[type(exc).__name__] += 1
                if writer is not None:
                    writer.close()
                writer = reader = None
                await asyncio.sleep(0.05)  # don't spin on a dead server until the deadline
                continue
            done = perf()
            # Count by completion time, as wrk does: in steady state that is unbiased, while
            # also requiring the send inside the window would drop one request per connection
            # at the start (2% of a 300 rps target at 32 connections, 0.1% of hello).
            if phase.start <= done <= phase.stop:
                if status == target.ok_status:
                    phase.result.ok += 1
                    phase.latencies.append(done - sent)
                else:
                    phase.result.statuses[status] += 1
            if close and writer is not None:
                writer.close()
                writer = reader = None
    finally:
        if writer is not None:
            writer.close()


async def _run(
    target: Target, connections: int, warmup: float, seconds: float, notify: Connection | None
) -> LoadResult:
    now = time.perf_counter()
    phase = _Phase(start=now + warmup, stop=now + warmup + seconds)
    tasks = [asyncio.create_task(_connection_loop(target, phase)) for _ in range(connections)]
    await asyncio.sleep(warmup)
    cpu0 = time.process_time()
    if notify is not None:  # lets the harness sample the server's CPU time at the same moment
        notify.send(("start", None))
    await asyncio.sleep(max(0.0, phase.stop - time.perf_counter()))
    cpu1 = time.process_time()
    if notify is not None:
        notify.send(("stop", None))
    # In-flight requests finish within READ_TIMEOUT; after that they are abandoned.
    _, pending = await asyncio.wait(tasks, timeout=READ_TIMEOUT + 1)
    for task in pending:
        task.cancel()
    for outcome in await asyncio.gather(*tasks, return_exceptions=True):
        if isinstance(outcome, Exception) and not isinstance(outcome, asyncio.CancelledError):
            raise outcome  # a client bug must not pass for a quiet, fast server
    result = phase.result
    result.seconds = seconds
    result.client_cpu = (cpu1 - cpu0) / seconds
    phase.latencies.sort()
    result.p50_ms = percentile(phase.latencies, 0.50) * 1000
    result.p99_ms = percentile(phase.latencies, 0.99) * 1000
    return result


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # noqa: PLC0415 - optional speed-up; plain asyncio works too
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def _child(
    target: Target, connections: int, warmup: float, seconds: float, conn: Connection
) -> None:
    try:
        with asyncio.Runner(loop_factory=_new_loop) as runner:
            conn.send(("result", runner.run(_run(target, connections, warmup, seconds, conn))))
    except (KeyboardInterrupt, BrokenPipeError):  # Ctrl-C or the parent is gone: it cleans up
        pass
    except Exception as exc:  # reported to the parent, which fails loudly
        with contextlib.suppress(OSError):
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_in_process(
    target: Target,
    *,
    connections: int,
    warmup: float,
    seconds: float,
    on_start: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> LoadResult:
    """Generate load from a fresh process; ``on_start``/``on_stop`` fire around the measured
    phase (the harness samples the server's CPU there). Always reaps the process."""
    ctx = multiprocessing.get_context("spawn")  # no inherited sockets, loops or threads
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(target, connections, warmup, seconds, child), daemon=True
    )
    proc.start()
    child.close()
    deadline = time.monotonic() + warmup + seconds + READ_TIMEOUT + 30
    finished = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not parent.poll(left):
                raise TimeoutError("load generator did not report in time")
            kind, payload = parent.recv()
            if kind == "start" and on_start is not None:
                on_start()
            elif kind == "stop" and on_stop is not None:
                on_stop()
            elif kind == "result":
                finished = True
                return payload  # type: ignore[no-any-return]
            elif kind == "error":
                raise RuntimeError(f"load generator failed: {payload}")
    except EOFError as exc:
        raise RuntimeError(f"load generator exited early (code {proc.exitcode})") from exc
    finally:
        parent.close()
        if not finished:  # interrupted or failed: don't let it hammer a server being stopped
            proc.terminate()
        proc.join(timeout=5)
        if proc.is_alive():
            proc.kill()
            proc.join(timeout=5)
