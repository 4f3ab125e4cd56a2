"""Cold start and memory of `lowtato serve` (embedded SQLite, embedded worker) against a bare
FastAPI hello-world started the same way, in this run.

1. **cold start**: from launching the process to the first 200 from its health check
   (`/api/health?live` for Lowtato, `/hello` for the baseline), median of `--starts` launches
   on an already migrated data dir.
2. **idle RSS**: resident memory of each server a few seconds after it answered; Lowtato's
   twice: as this environment runs it, and as a `pip install lowtato` runs it, with the
   packages only the test extra installs hidden (`TEST_ONLY`).
3. **RSS with many scheduled posts**: N posts (default 100,000) scheduled on 50 sandbox
   accounts, due in 2099, inserted while the server runs; then the server lists schedules and
   its worker ticks for `--settle` seconds before the reading. A server that loaded its queue
   into memory would show it here.

    ./dev bench footprint [--posts 100000] [--starts 5] [--settle 10]

No figure is asserted; exits non-zero only when the setup broke.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import contextlib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from _load import Target, fetch_once
from scheduler import KEYS, _prepare, _schedule

import lowtato
from api import HOST, Server, clean_env
from lowtato.kit.migrate import upgrade

FAR = datetime(2099, 1, 1, tzinfo=UTC)
# Installed only by the test extra (Selenium needs trio), yet imported by a server when present:
# httpcore imports trio whenever it can.
TEST_ONLY = ["trio"]


def rss_mb(server: Server) -> float:
    """VmRSS of the server process, in MiB (Linux /proc)."""
    assert server.proc is not None
    for line in Path(f"/proc/{server.proc.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc status")


def lowtato_server(workdir: Path, data_dir: Path, *, as_installed: bool = False) -> Server:
    env = clean_env()
    if as_installed:
        env["PYTHONPATH"] = str(_hidden(workdir))
    env |= {"LOWTATO_DATA_DIR": str(data_dir), "LOWTATO_ENCRYPTION_KEYS": KEYS,
            "LOWTATO_SECRET_KEY": "bench", "LOWTATO_BOOTSTRAP_DEMO": "false"}  # fmt: skip
    server = Server("lowtato", [], env, workdir)
    server.argv = [sys.executable, "-m", "lowtato.cli.main", "serve", "--host", HOST,
                   "--port", str(server.port), "--log-level", "warning"]  # fmt: skip
    return server


def _hidden(workdir: Path) -> Path:
    """A directory that, first on the path, makes each ``TEST_ONLY`` package fail to import
    as if it were not installed."""
    hidden = workdir / "hidden"
    for name in TEST_ONLY:
        (hidden / name).mkdir(parents=True, exist_ok=True)
        (hidden / name / "__init__.py").write_text("raise ImportError('hidden: test-only')\n")
    return hidden


def hello_server(workdir: Path) -> Server:
    bench_dir = str(Path(__file__).resolve().parent)
    return Server("hello", ["--app-dir", bench_dir, "_hello_app:app"], clean_env(), workdir)


def started(make: object, path: str) -> tuple[Server, float]:
    server: Server = make()  # type: ignore[operator]
    began = time.perf_counter()
    server.start()
    server.wait_ready(Target(HOST, server.port, path))
    return server, time.perf_counter() - began


def compile_like_pip() -> None:
    """Byte-compile Lowtato's modules as ``pip install`` does. Where the environment forbids
    writing bytecode (``PYTHONDONTWRITEBYTECODE``, set on some machines), every start would
    otherwise compile every module again, a cost no installed server pays (about 0.8 s)."""
    compileall.compile_dir(Path(lowtato.__file__).parent, quiet=1)


def cold_start(make: object, path: str, starts: int) -> float:
    times = []
    for _ in range(starts):
        server, seconds = started(make, path)
        server.stop()
        times.append(seconds)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds before the reading")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="lt-footprint-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        data_dir = workdir / "data"
        data_dir.mkdir()
        url = f"sqlite+aiosqlite:///{data_dir / 'lowtato.db'}"
        upgrade(url)
        owner, *accounts = asyncio.run(_prepare(url))

        def make_lowtato() -> Server:
            return lowtato_server(workdir, data_dir)

        def make_hello() -> Server:
            return hello_server(workdir)

        compile_like_pip()
        hello_start = cold_start(make_hello, "/hello", args.starts)
        lowtato_start = cold_start(make_lowtato, "/api/health?live", args.starts)
        print(f"cold start   hello {hello_start:.2f} s   lowtato {lowtato_start:.2f} s   "
              f"({lowtato_start / hello_start:.1f}x)", flush=True)  # fmt: skip

        hello, _ = started(make_hello, "/hello")
        stack.callback(hello.stop)
        server, _ = started(make_lowtato, "/api/health?live")
        stack.callback(server.stop)
        time.sleep(3)
        installed, _ = started(lambda: lowtato_server(workdir, data_dir, as_installed=True),
                               "/api/health?live")  # fmt: skip
        time.sleep(3)
        idle_hello, idle, idle_installed = rss_mb(hello), rss_mb(server), rss_mb(installed)
        installed.stop()
        print(f"idle RSS     hello {idle_hello:.0f} MiB   lowtato {idle:.0f} MiB   "
              f"({idle / idle_hello:.1f}x); as installed, without {', '.join(TEST_ONLY)}: "
              f"{idle_installed:.0f} MiB", flush=True)  # fmt: skip

        print(f"scheduling {args.posts:,} posts …", flush=True)
        asyncio.run(_schedule(url, owner, accounts, [FAR] * args.posts))
        for _ in range(3):
            status, _body = fetch_once(Target(HOST, server.port, "/api/health"))
            if status != 200:
                raise RuntimeError(f"health answered {status}\n{server.log_tail()}")
        time.sleep(args.settle)
        server.check_alive()
        loaded = rss_mb(server)
        print(f"RSS with {args.posts:,} scheduled posts: lowtato {loaded:.0f} MiB "
              f"(+{loaded - idle:.0f} MiB over idle)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
