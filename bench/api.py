"""API throughput and latency: authenticated requests (``GET /api/v1/posts/{id}``,
``GET /api/v1/schedules``, ``GET /api/v1/accounts``, ``POST /api/v1/posts``, ``GET
/api/v1/profile``) against a bare FastAPI hello-world served the same way, all measured in
this run.

    .venv/bin/python bench/api.py [--connections 32] [--seconds 10] [--warmup 2] [--rounds 2]
                                  [--endpoints post,schedules,accounts,create,profile]
                                  [--postgres postgresql+asyncpg://user@127.0.0.1/db]

Each app runs in its own uvicorn process (single worker, no access log) on 127.0.0.1; the
load comes from a third process (``_load.py``). Targets alternate round by round
(hello, profile, hello, profile, …) so a noisy neighbour hits both alike; the summary is the
median per target and the ratios against hello. No figure is ever asserted: the exit code is
non-zero only when a request failed or the setup broke. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from _cli import prepare_lowtato
from _load import LoadResult, ProtocolError, Target, fetch_once, run_in_process

BENCH = Path(__file__).resolve().parent
HOST = "127.0.0.1"
STARTUP_TIMEOUT = 30.0  # seconds a server may take to answer its readiness probe


def free_port() -> int:
    # Tiny race between closing and uvicorn binding; acceptable on a loopback bench box.
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment minus any LOWTATO_* (a stray LOWTATO_REDIS_URL would change
    what is measured), plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTATO_")}
    env.update(extra)
    return env


class Server:
    """One uvicorn process; its log goes to a file so a full pipe can never stall it."""

    def __init__(self, name: str, app: list[str], env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"{name}.log"
        self.argv = [
            sys.executable, "-m", "uvicorn", *app,
            "--host", HOST, "--port", str(self.port),
            "--workers", "1", "--no-access-log", "--no-proxy-headers", "--log-level", "warning",
        ]  # fmt: skip
        self.env = env
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, probe: Target) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited during start-up\n{self.log_tail()}")
            # Refused, reset or cut short while uvicorn starts: try again until the deadline.
            with contextlib.suppress(OSError, TimeoutError, EOFError, ProtocolError):
                status, _ = fetch_once(probe, timeout=2.0)
                if status == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} server not ready in {STARTUP_TIMEOUT:.0f} s")

    def check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} server is not running\n{self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process (all its threads), from /proc; NaN when
        unavailable (not Linux), in which case cpu/req is simply not reported."""
        if self.proc is None:
            return math.nan
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return math.nan
        fields = stat.rpartition(")")[2].split()  # the command name may contain spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@dataclass
class Bench:
    """A measured target: the server, the request it gets, and one result per round."""

    name: str
    server: Server
    target: Target
    results: list[Figures]


# The measured requests, by name: (method, path template, body template, answer that counts).
# {post} is a post made at setup, {account} a sandbox account connected at setup.
ENDPOINTS: dict[str, tuple[str, str, str, int]] = {
    "post": ("GET", "/api/v1/posts/{post}", "", 200),
    "schedules": ("GET", "/api/v1/schedules", "", 200),
    "accounts": ("GET", "/api/v1/accounts", "", 200),
    "create": (
        "POST",
        "/api/v1/posts",
        '{"post": {"accountId": "{account}", "content": {"text": "A bench post"}},'
        ' "scheduledTime": "2035-01-01T09:00:00Z"}',
        201,
    ),
    "profile": ("GET", "/api/v1/profile", "", 200),
}
# Derived from a fixed phrase: it protects nothing but a bench's scratch database.
SCRATCH_KEYS = base64.urlsafe_b64encode(hashlib.sha256(b"lowtato bench").digest()).decode()
SCHEDULED_AT_SETUP = 20  # scheduled posts the schedules list returns (its first page)


def start_lowtato(
    name: str,
    workdir: Path,
    cleanup: contextlib.ExitStack,
    endpoints: list[str],
    database_url: str = "",
) -> list[Bench]:
    data_dir = workdir / f"{name}-data"
    extra = {
        "LOWTATO_DATA_DIR": str(data_dir),
        # Far above what the bench can send, so every request takes the full rate-limit
        # path yet none is refused with 429.
        "LOWTATO_RATE_LIMIT_READ": "10000000",
        "LOWTATO_RATE_LIMIT_WRITE": "10000000",
        "LOWTATO_BOOTSTRAP_DEMO": "false",
    }
    if database_url:
        # One key ring for every run: the scratch database keeps the secrets of earlier runs,
        # and a server refuses to start on secrets it cannot decrypt.
        extra["LOWTATO_DATABASE_URL"] = database_url
        extra["LOWTATO_ENCRYPTION_KEYS"] = SCRATCH_KEYS
    env = clean_env(**extra)
    # A shared PostgreSQL keeps rows from earlier runs, so the owner's email must be new.
    email = f"bench-{os.urandom(4).hex()}@example.com" if database_url else "bench@example.com"
    key = prepare_lowtato(env, email, test=True)  # sandbox accounts connect without OAuth
    server = Server(name, [], env, workdir)
    # The command an operator runs (API only): its request log line at the default level
    # included, written to the server's log file as JSON, as under a process supervisor.
    server.argv = [sys.executable, "-m", "lowtato.cli.main", "serve", "--no-worker",
                   "--host", HOST, "--port", str(server.port)]  # fmt: skip
    cleanup.callback(server.stop)  # registered before start: a failed check still reaps it
    server.start()
    server.wait_ready(Target(HOST, server.port, "/api/health?live"))
    auth = (("Authorization", f"Bearer {key}"),)
    try:
        check_profile(Target(HOST, server.port, "/api/v1/profile", auth), email)
        fill = setup_rows(Target(HOST, server.port, "/", auth))
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n--- {name} server log ---\n{server.log_tail()}") from exc
    benches = []
    for endpoint in endpoints:
        method, path, body, ok = ENDPOINTS[endpoint]
        target = Target(
            HOST, server.port, path.format(**fill), auth, method,
            body.replace("{account}", fill["account"]).encode(), ok,
        )  # fmt: skip
        status, answer = fetch_once(target)
        if status != ok:
            raise RuntimeError(f"{endpoint} sanity check: {status} {answer[:300]!r}")
        suffix = name.removeprefix("lowtato")
        benches.append(Bench(f"{endpoint}{suffix}", server, target, []))
    return benches


def call(base: Target, method: str, path: str, body: dict[str, object] | None = None) -> dict:
    target = Target(
        base.host, base.port, path, base.headers, method,
        json.dumps(body).encode() if body is not None else b"",
    )  # fmt: skip
    status, answer = fetch_once(target)
    if status not in (200, 201):
        raise RuntimeError(f"{method} {path} answered {status}: {answer[:300]!r}")
    return dict(json.loads(answer))


def setup_rows(base: Target) -> dict[str, str]:
    """What the measured requests read: a connected sandbox account (test keys publish to
    the sandbox network) and some scheduled posts, one of which the GET reads."""
    account = call(base, "POST", "/api/v1/accounts/connect", {
        "platform": "bluesky", "access_token": "bench-app-password",
        "platform_user_id": "did:plc:bench", "platform_username": "bench.bsky.social",
    })["id"]  # fmt: skip
    post = ""
    for n in range(SCHEDULED_AT_SETUP):
        made = call(base, "POST", "/api/v1/posts", {
            "post": {"accountId": account, "content": {"text": f"Scheduled bench post {n}"}},
            "scheduledTime": f"2034-06-{n + 1:02d}T09:00:00Z",
        })  # fmt: skip
        post = str(made.get("post_id") or made.get("id") or made["post"]["id"])
    return {"account": account, "post": post}


def check_profile(target: Target, email: str) -> None:
    """Before timing anything, prove the requests are the real ones: 200 with the owner's
    profile, and 401 without the key (so auth is on the measured path)."""
    status, body = fetch_once(target)
    if status != 200 or json.loads(body).get("email") != email:
        raise RuntimeError(f"profile sanity check failed: {status} {body[:300]!r}")
    status, _ = fetch_once(Target(target.host, target.port, target.path))
    if status != 401:
        raise RuntimeError(f"profile without a key answered {status}, expected 401")


def start_hello(workdir: Path, cleanup: contextlib.ExitStack) -> Bench:
    server = Server("hello", ["--app-dir", str(BENCH), "_hello_app:app"], clean_env(), workdir)
    cleanup.callback(server.stop)
    server.start()
    target = Target(HOST, server.port, "/hello")
    server.wait_ready(target)
    return Bench("hello", server, target, [])


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (``/proc/stat``); NaN off Linux."""
    try:
        first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return math.nan
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def measure(bench: Bench, args: argparse.Namespace) -> Figures:
    bench.server.check_alive()
    samples: list[tuple[float, float]] = []  # (server CPU, whole-machine busy) at start, stop

    def sample() -> None:
        samples.append((bench.server.cpu_seconds(), machine_busy_seconds()))

    result = run_in_process(
        bench.target,
        connections=args.connections,
        warmup=args.warmup,
        seconds=args.seconds,
        on_start=sample,
        on_stop=sample,
    )
    # A server that died mid-round shows up as errors; name the cause rather than go on.
    bench.server.check_alive()
    other = math.nan
    if len(samples) == 2:
        result.server_cpu_s = samples[1][0] - samples[0][0]
        # Whatever the machine did besides our server and client: the noise indicator.
        busy = (samples[1][1] - samples[0][1]) / args.seconds
        other = max(0.0, busy - result.server_cpu_s / args.seconds - result.client_cpu)
    return Figures.of(result, other)


# --- reporting ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """The printed figures of one round, or their per-figure median over rounds."""

    rps: float
    p50_ms: float
    p99_ms: float
    cpu_per_req_ms: float
    client_cpu: float
    other_cores: float  # CPU used by everything else on the machine meanwhile, in cores
    errors: Counter[str]  # "HTTP 429" / exception name → count; summed, never medianed

    @classmethod
    def of(cls, r: LoadResult, other_cores: float) -> Figures:
        errors: Counter[str] = Counter({f"HTTP {s}": n for s, n in r.statuses.items()})
        errors.update(r.io_errors)
        return cls(r.rps, r.p50_ms, r.p99_ms, r.cpu_per_req_ms, r.client_cpu, other_cores, errors)

    @classmethod
    def median(cls, rounds: list[Figures]) -> Figures:
        # Each figure's own median: robust to one disturbed round, though the combination
        # need not match any single round.
        errors: Counter[str] = Counter()
        for f in rounds:
            errors.update(f.errors)
        return cls(
            rps=statistics.median(f.rps for f in rounds),
            p50_ms=statistics.median(f.p50_ms for f in rounds),
            p99_ms=statistics.median(f.p99_ms for f in rounds),
            cpu_per_req_ms=statistics.median(f.cpu_per_req_ms for f in rounds),
            client_cpu=statistics.median(f.client_cpu for f in rounds),
            other_cores=statistics.median(f.other_cores for f in rounds),
            errors=errors,
        )

    def line(self, name: str) -> str:
        count = sum(self.errors.values())
        detail = ", ".join(f"{k}×{n}" for k, n in sorted(self.errors.items()))
        return (
            f"{name:<12} rps {self.rps:>8,.0f}  p50 {fmt_ms(self.p50_ms):>8}"
            f"  p99 {fmt_ms(self.p99_ms):>8}  cpu/req {fmt_ms(self.cpu_per_req_ms):>8}"
            f"  client {self.client_cpu:4.0%}  others {self.other_cores:3.1f}  errors {count}"
            + (f" ({detail})" if count else "")
        )


def fmt_ms(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    digits = 2 if value < 10 else 1 if value < 100 else 0  # ~3 significant figures
    return f"{value:.{digits}f} ms"


def ratio(a: float, b: float) -> str:
    return "n/a" if math.isnan(a) or math.isnan(b) or b == 0 else f"{a / b:.2f}x"


def report(benches: list[Bench]) -> int:
    summary = {b.name: Figures.median(b.results) for b in benches}
    print(f"\nmedian of {len(benches[0].results)} round(s) per target")
    for name, f in summary.items():
        print(f.line(name))
    base = summary["hello"]
    for name, f in summary.items():
        if name != "hello":
            print(
                f"ratio {name}/hello: rps {ratio(f.rps, base.rps)}, "
                f"p50 {ratio(f.p50_ms, base.p50_ms)}, p99 {ratio(f.p99_ms, base.p99_ms)}, "
                f"cpu/req {ratio(f.cpu_per_req_ms, base.cpu_per_req_ms)}"
            )
    if any(f.client_cpu > 0.9 for b in benches for f in b.results):
        print("note: the load generator used >90% of a core in some round; rps there is a "
              "lower bound of what the server can do")  # fmt: skip
    busiest = max(f.other_cores for b in benches for f in b.results)
    if busiest > 0.25:
        print(f"note: other processes used up to {busiest:.1f} cores during measuring; "
              "expect more spread than usual (more --rounds help)")  # fmt: skip
    failed = [name for name, f in summary.items() if f.errors]
    if failed:
        print(f"FAILED: requests errored on {', '.join(failed)} (see the errors column)")
        return 1
    return 0


# --- main ----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--connections", type=int, default=32, help="keep-alive connections")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured phase per round")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured lead-in per round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds per target (alternated)")
    parser.add_argument("--postgres", metavar="URL", default="",
                        help="also measure the endpoints on this PostgreSQL (postgresql+asyncpg://…);"
                             " migrates it and adds one owner per run")  # fmt: skip
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS),
                        help=f"comma list of: {', '.join(ENDPOINTS)}")  # fmt: skip
    args = parser.parse_args()
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = sorted(set(args.endpoints) - set(ENDPOINTS))
    if unknown or not args.endpoints:
        parser.error(f"--endpoints: unknown {', '.join(unknown) or '(none given)'}")
    for flag in ("connections", "rounds"):
        if not 1 <= getattr(args, flag) <= 1000:
            parser.error(f"--{flag} must be between 1 and 1000")
    if not 0 < args.seconds <= 600 or not 0 <= args.warmup <= 600:
        parser.error("--seconds must be in (0, 600] and --warmup in [0, 600]")
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


def main() -> int:
    args = parse_args()
    signal.signal(signal.SIGTERM, _terminate)
    benches: list[Bench] = []
    # Exit order: servers stop (callbacks registered as each starts), then the temp dir goes.
    with contextlib.ExitStack() as cleanup:
        workdir = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="lowtato-bench-")))
        benches.append(start_hello(workdir, cleanup))
        benches += start_lowtato("lowtato", workdir, cleanup, args.endpoints)
        if args.postgres:
            benches += start_lowtato("lowtato-pg", workdir, cleanup, args.endpoints, args.postgres)
        per_round = (args.warmup + args.seconds) * len(benches)
        print(
            f"{args.connections} connections, {args.warmup:g} s warm-up + {args.seconds:g} s "
            f"measured, {args.rounds} round(s) × {len(benches)} targets "
            f"(~{per_round * args.rounds:.0f} s)"
        )
        for n in range(1, args.rounds + 1):
            for bench in benches:
                figures = measure(bench, args)
                bench.results.append(figures)
                print(f"round {n}/{args.rounds} " + figures.line(bench.name), flush=True)
        return report(benches)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    except (RuntimeError, TimeoutError, subprocess.SubprocessError) as exc:
        print(f"error: {exc}", file=sys.stderr)  # setup broke: exit 2, distinct from 1
        sys.exit(2)
