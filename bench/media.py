"""Upload throughput of ``POST /api/v1/media/upload`` (multipart and base64 JSON) against two
baselines measured in the same run, and the server's memory while it streams.

    .venv/bin/python bench/media.py [--mib 32] [--rounds 3]

- **disk**: the same bytes written to a file in the data dir by this process (page cache);
  the ceiling of anything that stores an upload.
- **sink**: a bare Starlette handler under the same uvicorn that streams the raw request body
  to a file in the data dir; what any streaming HTTP upload costs before parsing, sniffing,
  hashing, probing and storing.
- **multipart** / **base64**: Lowtato (``lowtato serve --no-worker`` equivalent, SQLite, local
  storage) receiving a valid MP4 of ``--mib`` MiB. MB/s count the file's bytes (the base64
  body on the wire is 4/3 of it).

Memory: the server's peak RSS growth over a whole round of uploads (``VmHWM`` after resetting
it through ``/proc/<pid>/clear_refs``), and over one oversized upload sent without
Content-Length, refused with 413 once past the limit.

Everything runs on 127.0.0.1, each request with a timeout, rounds bounded; figures are
printed, never asserted. Exit 1 if an upload did not give the expected status.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from _cli import prepare_lowtato
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"
MIB = 1024 * 1024
TIMEOUT = httpx.Timeout(120.0, connect=10.0)


async def _sink(request: Request) -> JSONResponse:
    path = Path(os.environ["BENCH_SINK_DIR"]) / f"sink-{uuid.uuid4().hex}.bin"
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            out.write(chunk)
            size += len(chunk)
    path.unlink()
    return JSONResponse({"size": size})


sink_app = Starlette(routes=[Route("/sink", _sink, methods=["POST"])])


def mp4(size: int) -> bytes:
    """A valid MP4 of ``size`` bytes: ftyp, moov (mvhd, a video trak), then random mdat."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    mvhd = box(b"mvhd", bytes(4) + struct.pack(">IIII", 0, 0, 1000, 60_000) + bytes(80))
    tkhd = box(b"tkhd", bytes(4 + 20 + 52) + struct.pack(">II", 1280 << 16, 720 << 16))
    hdlr = box(b"hdlr", bytes(8) + b"vide" + bytes(12) + b"v\x00")
    moov = box(b"moov", mvhd + box(b"trak", tkhd + box(b"mdia", hdlr)))
    head = box(b"ftyp", b"isom" + bytes(4) + b"isomiso2") + moov
    return head + box(b"mdat", os.urandom(size - len(head) - 8))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTATO_")}
    return {**env, **extra}


class Server:
    def __init__(self, name: str, app: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name, self.port, self.workdir = name, free_port(), workdir
        self.log = workdir / f"{name}.log"
        argv = [
            sys.executable,
            "-m",
            "uvicorn",
            *app,
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(argv, env=env, cwd=workdir, stdout=log, stderr=log)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + path, timeout=1.0).status_code < 500:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start:\n{self.log.read_text()[-2000:]}")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def memory_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def reset_peak(self) -> int:
        """Reset VmHWM to the current RSS (Linux, our own child); returns that RSS in KiB."""
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
        return self.memory_kib("VmRSS")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def multipart(data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="clip.mp4"'
        "\r\nContent-Type: video/mp4\r\n\r\n"
    ).encode()
    return (
        head + data + f"\r\n--{boundary}--\r\n".encode(),
        f"multipart/form-data; boundary={boundary}",
    )


def base64_json(data: bytes) -> tuple[bytes, str]:
    body = b'{"mime_type": "video/mp4", "data": "' + base64.b64encode(data) + b'"}'
    return body, "application/json"


def timed_post(client: httpx.Client, url: str, body: bytes, ctype: str, key: str = "") -> float:
    headers = {"content-type": ctype, **({"x-api-key": key} if key else {})}
    started = time.perf_counter()
    response = client.post(url, content=body, headers=headers)
    seconds = time.perf_counter() - started
    if response.status_code not in (200, 201):
        raise RuntimeError(f"POST {url}: {response.status_code} {response.text[:300]}")
    return seconds


def disk_write(directory: Path, data: bytes) -> float:
    path = directory / "disk-baseline.bin"
    started = time.perf_counter()
    with path.open("wb") as out:
        for start in range(0, len(data), 64 * 1024):  # the slices the upload path writes
            out.write(data[start : start + 64 * 1024])
    seconds = time.perf_counter() - started
    path.unlink()
    return seconds


OVERSIZED_TYPE = "multipart/form-data; boundary=bench-oversized"


def oversized(limit: int) -> Iterator[bytes]:
    """A multipart body whose file is twice ``limit``, sent chunked (no Content-Length)."""
    yield (
        b"--bench-oversized\r\nContent-Disposition: form-data; name=file; filename=big.mp4\r\n"
        b"Content-Type: video/mp4\r\n\r\n"
    )
    yield mp4(MIB)
    chunk = bytes(MIB)
    for _ in range(2 * limit // MIB):
        yield chunk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=32, help="file size per upload (MiB)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = args.mib * MIB
    data = mp4(size)
    forms = {"multipart": multipart(data), "base64": base64_json(data)}
    limit = max(64 * MIB, 2 * size)
    times: dict[str, list[float]] = {"disk": [], "sink": [], "multipart": [], "base64": []}
    cpu: dict[str, list[float]] = {"sink": [], "multipart": [], "base64": []}
    with (
        tempfile.TemporaryDirectory(prefix="lowtato-bench-media-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        work = Path(tmp)
        data_dir = work / "data"
        env = clean_env(
            LOWTATO_DATA_DIR=str(data_dir),
            LOWTATO_BOOTSTRAP_DEMO="false",
            LOWTATO_RATE_LIMIT_UPLOAD="1000000",
            LOWTATO_MEDIA_MAX_VIDEO_BYTES=str(limit),
        )
        key = prepare_lowtato(env, "bench@example.com")
        app = Server("lowtato", ["--factory", "lowtato.app:create_app"], env, work)
        stack.callback(app.stop)
        sink = Server(
            "sink",
            ["--app-dir", str(BENCH), "media:sink_app"],
            clean_env(BENCH_SINK_DIR=str(data_dir)),
            work,
        )
        stack.callback(sink.stop)
        app.wait_ready("/api/health?live")
        sink.wait_ready("/")
        upload = app.url + "/api/v1/media/upload"
        with httpx.Client(timeout=TIMEOUT) as client:
            for body, ctype in forms.values():  # warm-up: imports, first-request caches
                timed_post(client, upload, body, ctype, key)
            base_rss = app.reset_peak()
            for n in range(args.rounds):
                times["disk"].append(disk_write(data_dir, data))
                before = sink.cpu_seconds()
                times["sink"].append(timed_post(client, sink.url + "/sink", data, "video/mp4"))
                cpu["sink"].append(sink.cpu_seconds() - before)
                for name, (body, ctype) in forms.items():
                    before = app.cpu_seconds()
                    times[name].append(timed_post(client, upload, body, ctype, key))
                    cpu[name].append(app.cpu_seconds() - before)
                print(
                    f"round {n + 1}/{args.rounds}: "
                    + "  ".join(f"{k} {size / MIB / v[-1]:7.1f} MiB/s" for k, v in times.items())
                )
            round_peak = app.memory_kib("VmHWM") - base_rss
            base_rss = app.reset_peak()
            over_headers = {"x-api-key": key, "content-type": OVERSIZED_TYPE}
            response = client.post(upload, content=oversized(limit), headers=over_headers)
            over_peak = app.memory_kib("VmHWM") - base_rss
            if response.status_code != 413:
                print(f"oversized upload answered {response.status_code}, expected 413")
                return 1

    report(
        args,
        times=times,
        cpu=cpu,
        round_peak=round_peak,
        over_peak=over_peak,
        limit=limit,
        base64_bytes=len(forms["base64"][0]),
    )
    return 0


def report(
    args: argparse.Namespace,
    *,
    times: dict[str, list[float]],
    cpu: dict[str, list[float]],
    round_peak: int,
    over_peak: int,
    limit: int,
    base64_bytes: int,
) -> None:
    size = args.mib * MIB
    rate = {k: size / MIB / statistics.median(v) for k, v in times.items()}
    print(f"\nmedian of {args.rounds} round(s), file {args.mib} MiB (MiB of file per second)")
    for name in times:
        line = f"{name:10} {rate[name]:8.1f} MiB/s"
        if name in cpu:
            per_100 = statistics.median(cpu[name]) / size * 100 * MIB
            line += f"   server cpu {per_100:5.2f} s per 100 MiB"
        print(line)
    ratios = [
        f"{form}/{base} {rate[form] / rate[base]:.2f}x"
        for form in ("multipart", "base64")
        for base in ("sink", "disk")
    ]
    print("ratio " + ", ".join(ratios))
    print(
        f"server peak RSS growth over the measured uploads: {round_peak} KiB "
        f"({2 * args.rounds} uploads of {args.mib} MiB; base64 bodies {base64_bytes // MIB} MiB)"
    )
    print(
        f"server peak RSS growth over one {2 * limit // MIB} MiB upload refused at the "
        f"{limit // MIB} MiB limit (chunked, no Content-Length): {over_peak} KiB"
    )


if __name__ == "__main__":
    sys.exit(main())
