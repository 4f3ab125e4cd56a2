"""The abuse harness: a real server (``lowtato serve`` in a subprocess, on loopback) shared by
an attacker and another owner, as in production, where every owner shares one event loop and
one database.

``under_abuse`` runs attackers in a loop against the server and, meanwhile, the other owner's
ordinary traffic (create a draft, list posts, read one): the latency of each of those requests
is recorded, and the result gives its p99. That p99 is the one latency bound the test suite
asserts (generous: ``P99_BOUND`` seconds); the point is that an attack stalls nobody but the
attacker, which a stalled server (seconds per request) would fail by far.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from tests.conftest import ENC_KEYS, REDIS_URL, SECRET, Owner

P99_BOUND = 2.0  # seconds
Attack = Callable[[httpx.AsyncClient], Awaitable[object]]


@dataclass
class Server:
    base: str
    pid: int

    def peak_rss_bytes(self) -> int:
        """The server process's peak resident memory so far (VmHWM)."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        msg = "no VmHWM in /proc status"
        raise RuntimeError(msg)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(database_url: str, data_dir: Path, **settings: str) -> Iterator[Server]:
    """``lowtato serve`` on the test database (owners made by the test's fixtures are its
    owners), without the worker, with rate limits out of the way."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTATO_")}
    env.update({
        "LOWTATO_DATA_DIR": str(data_dir), "LOWTATO_DATABASE_URL": database_url,
        "LOWTATO_REDIS_URL": REDIS_URL, "LOWTATO_SECRET_KEY": SECRET,
        "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS, "LOWTATO_BOOTSTRAP_DEMO": "false",
        "LOWTATO_RATE_LIMIT_READ": "1000000", "LOWTATO_RATE_LIMIT_WRITE": "1000000",
        "LOWTATO_RATE_LIMIT_UPLOAD": "1000000", "PYTHONUNBUFFERED": "1",
        **{f"LOWTATO_{k.upper()}": v for k, v in settings.items()},
    })  # fmt: skip
    port = _free_port()
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "lowtato.cli.main", "serve", "--port", str(port),
             "--no-worker", "--log-level", "warning"],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # wait for it to listen (or to have died)
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/api/health?live").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield Server(base, process.pid)
    finally:
        # Requests the attackers left behind may still be running; they are not waited for.
        process.kill()
        process.wait(timeout=30)


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    started: int = 0
    attacks: int = 0
    attack_statuses: dict[str, int] = field(default_factory=dict)

    @property
    def p99(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]

    def report(self, name: str) -> str:
        return (
            f"\n[abuse] {name}: other owner p99 {self.p99:.3f}s max {max(self.latencies):.3f}s "
            f"over {len(self.latencies)} requests; {self.started} attacks sent, "
            f"{self.attacks} answered "
            f"{self.attack_statuses}"
        )


async def _victim_round(
    client: httpx.AsyncClient, owner: Owner, account_id: str
) -> list[tuple[float, int]]:
    out = []
    body = {"post": {"accountId": account_id, "content": {"text": "an ordinary post"}}}
    for method, path, json in (
        ("POST", "/api/v1/posts", body),
        ("GET", "/api/v1/posts?limit=5", None),
        ("GET", "/api/v1/accounts", None),
    ):
        started = time.perf_counter()
        try:
            response = await client.request(method, path, headers=owner.headers, json=json)
            status = response.status_code
        except httpx.TransportError:
            status = 0
        out.append((time.perf_counter() - started, status))
    return out


async def under_abuse(
    server: Server,
    victim: Owner,
    victim_account: str,
    attack: Attack,
    *,
    attackers: int = 4,
    seconds: float = 6.0,
) -> Outcome:
    """Run ``attackers`` loops of ``attack`` and, while they run, the other owner's traffic for
    ``seconds``; the other owner's latencies are what the outcome holds."""
    outcome = Outcome()
    stop = asyncio.Event()
    timeout = httpx.Timeout(60.0)

    async def attacker() -> None:
        async with httpx.AsyncClient(base_url=server.base, timeout=timeout) as client:
            while not stop.is_set():
                outcome.started += 1
                try:
                    result = await attack(client)
                    key = str(getattr(result, "status_code", "done"))
                except httpx.HTTPError as exc:  # a refused body may end in a reset
                    key = type(exc).__name__
                outcome.attacks += 1
                outcome.attack_statuses[key] = outcome.attack_statuses.get(key, 0) + 1

    tasks = [asyncio.create_task(attacker()) for _ in range(attackers)]
    try:
        await asyncio.sleep(0.5)  # let the attack get going
        async with httpx.AsyncClient(base_url=server.base, timeout=timeout) as client:
            ends = time.perf_counter() + seconds
            while time.perf_counter() < ends:
                for latency, status in await _victim_round(client, victim, victim_account):
                    outcome.latencies.append(latency)
                    outcome.statuses.append(status)
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return outcome


async def connect(server: Server, owner: Owner, platform: str = "twitter") -> str:
    async with httpx.AsyncClient(base_url=server.base) as client:
        response = await client.post(
            "/api/v1/accounts/connect",
            headers=owner.headers,
            json={"platform": platform, "access_token": f"tok-{owner.user_id}",
                  "platform_user_id": owner.user_id, "platform_username": "someone"},
        )  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
