"""Shared state and failure injection of the contract fakes.

Each platform fake keeps its own data here (``state.data[platform]``), logs every request
(``state.calls``) and asks ``state.take(platform, endpoint)`` whether a failure was injected
for this call. Injected modes (docs/reference/platforms.md §12):

``rate_limit`` · ``auth_expired`` · ``auth_revoked`` · ``duplicate`` · ``policy`` ·
``server_error`` · ``timeout_after_commit`` (create, then hang past the client's timeout and
answer 504) · ``processing_failed`` · ``slow_processing`` (``count`` extra polls before ready).

Latency control: ``state.hold(platform, endpoint)`` returns a ``Gate``; the next calls of that
endpoint wait at it (``gate.reached`` is set when one arrives) until the test calls
``gate.open()``. It makes "the platform is slow right now" deterministic, with no sleeps.
"""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

MODES = frozenset({
    "rate_limit", "auth_expired", "auth_revoked", "duplicate", "policy", "server_error",
    "timeout_after_commit", "processing_failed", "slow_processing",
})  # fmt: skip
RAW_MODES = frozenset({"html_500", "echo_token"})


@dataclass
class Scenario:
    mode: str
    count: int = 1  # how many calls it applies to (slow_processing: extra polls)


@dataclass
class Gate:
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    opened: asyncio.Event = field(default_factory=asyncio.Event)
    dropped: bool = False

    def open(self) -> None:
        self.opened.set()

    def drop(self) -> None:
        """Let the held calls go without handling them: as if they never reached the platform
        (the caller, long timed out, sees nothing)."""
        self.dropped = True
        self.opened.set()


@dataclass
class FakeState:
    scenarios: dict[tuple[str, str], list[Scenario]] = field(
        default_factory=lambda: defaultdict(list)
    )
    calls: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, dict[str, Any]] = field(default_factory=lambda: defaultdict(dict))
    # Seconds a `timeout_after_commit` response hangs before its 504 (> the client timeout).
    hang_seconds: float = 2.0
    # Garbage answers (see ``inject_raw``): (platform, path suffix, mode), first match wins.
    raw_errors: list[tuple[str, str, str]] = field(default_factory=list)
    echoed: list[str] = field(default_factory=list)  # what ``echo_token`` answers quoted
    gates: dict[tuple[str, str], Gate] = field(default_factory=dict)
    # Random faults after the platform did the work (see ``chaos``): (platform, path suffix)
    # → (chance of hanging past the client's timeout, chance of a reset connection).
    faults: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    fault_rng: random.Random = field(default_factory=lambda: random.Random(7))
    faults_dealt: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def reset(self) -> None:
        for gate in self.gates.values():  # never leave a handler waiting for a finished test
            gate.open()
        self.gates.clear()
        self.faults.clear()
        self.faults_dealt.clear()
        self.scenarios.clear()
        self.raw_errors.clear()
        self.echoed.clear()
        self.calls.clear()
        self.data.clear()

    def inject(self, platform: str, endpoint: str, mode: str, count: int = 1) -> None:
        if mode not in MODES:
            msg = f"unknown fake mode {mode!r}; one of {sorted(MODES)}"
            raise ValueError(msg)
        self.scenarios[(platform, endpoint)].append(Scenario(mode, count))

    def inject_raw(self, platform: str, path_suffix: str, mode: str) -> None:
        """Answer the next request whose path ends with ``path_suffix`` with a body no
        platform documents but real ones send: ``html_500`` (a large HTML error page from a
        gateway) or ``echo_token`` (a 400 whose error message quotes the bearer token and the
        request body). Handled in front of the platform fake, in ``server.py``."""
        if mode not in RAW_MODES:
            msg = f"unknown raw mode {mode!r}; one of {sorted(RAW_MODES)}"
            raise ValueError(msg)
        self.raw_errors.append((platform, path_suffix, mode))

    def take_raw(self, platform: str, path: str) -> str | None:
        for index, (name, suffix, mode) in enumerate(self.raw_errors):
            if name == platform and path.endswith(suffix):
                del self.raw_errors[index]
                return mode
        return None

    def chaos(self, platform: str, path_suffix: str, *, hang: float, reset: float) -> None:
        """From now on, each POST to a path ending in ``path_suffix`` is handled by the platform
        and then, at random, answered too late (``hang``: after ``hang_seconds``) or cut off
        mid-answer (``reset``): the post exists, the client cannot know. Handled in front of
        the platform fake, in ``server.py``."""
        self.faults[(platform, path_suffix)] = (hang, reset)

    def pick_fault(self, platform: str, method: str, path: str) -> str | None:
        for (name, suffix), (hang, reset) in self.faults.items():
            if name == platform and method == "POST" and path.endswith(suffix):
                roll = self.fault_rng.random()
                fault = "hang" if roll < hang else "reset" if roll < hang + reset else None
                if fault:
                    self.faults_dealt[fault] += 1
                return fault
        return None

    def hold(self, platform: str, endpoint: str) -> Gate:
        """Make calls of ``endpoint`` wait until the returned gate is opened."""
        gate = self.gates[(platform, endpoint)] = Gate()
        return gate

    async def pass_gate(self, platform: str, endpoint: str) -> None:
        gate = self.gates.get((platform, endpoint))
        if gate is not None:
            gate.reached.set()
            await gate.opened.wait()
            if gate.dropped:
                msg = f"{platform} {endpoint}: the held call was dropped unhandled"
                raise ConnectionAbortedError(msg)

    def take(self, platform: str, endpoint: str) -> str | None:
        """The injected mode for this call of ``endpoint``, consuming one use of it."""
        queue = self.scenarios.get((platform, endpoint))
        if not queue:
            return None
        scenario = queue[0]
        scenario.count -= 1
        if scenario.count <= 0:
            queue.pop(0)
        return scenario.mode

    def peek(self, platform: str, endpoint: str) -> Scenario | None:
        queue = self.scenarios.get((platform, endpoint))
        return queue[0] if queue else None

    def record(
        self, platform: str, method: str, path: str, headers: dict[str, str], body: Any
    ) -> None:
        self.calls.append(
            {"platform": platform, "method": method, "path": path, "headers": headers, "body": body}
        )

    def calls_to(self, platform: str, method: str, path_suffix: str) -> list[dict[str, Any]]:
        return [
            c for c in self.calls
            if c["platform"] == platform and c["method"] == method and c["path"].endswith(path_suffix)
        ]  # fmt: skip
