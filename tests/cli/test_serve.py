"""``lowtato serve`` run as an operator runs it: the links it hands out point at the address it
listens on, unless LOWTATO_PUBLIC_URL says otherwise."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.conftest import ENC_KEYS, SECRET
from typer.testing import CliRunner

from lowtato.cli.main import app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTATO_")}
    # Its own SQLite file in its own data dir: `serve` migrates it and listens on it alone.
    return {**env, "LOWTATO_DATA_DIR": str(data_dir), "LOWTATO_SECRET_KEY": SECRET,
            "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS, "LOWTATO_BOOTSTRAP_DEMO": "false",
            "PYTHONUNBUFFERED": "1", **extra}  # fmt: skip


def _test_key(env: dict[str, str]) -> str:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    made = runner.invoke(app, ["users", "create", "--email", "ops@example.com"], env=env)
    assert made.exit_code == 0, made.output
    key = runner.invoke(app, ["keys", "create", "--email", "ops@example.com", "--test", "--json"],
                        env=env)  # fmt: skip
    assert key.exit_code == 0, key.output
    return str(json.loads(key.output)["key"])


@contextmanager
def _serving(
    env: dict[str, str], port: int, log: Path, log_level: str = "warning", *, worker: bool = False
) -> Iterator[str]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "lowtato.cli.main", "serve", "--port", str(port),
             *([] if worker else ["--no-worker"]), "--log-level", log_level],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # wait for it to listen (or to have died)
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/api/health?live").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def _sandbox_link(base: str, key: str) -> str:
    response = httpx.post(f"{base}/api/v1/accounts/connect-link", headers={"x-api-key": key},
                          json={"platform": "linkedin"})  # fmt: skip
    assert response.status_code == 201, response.text
    return str(response.json()["url"])


def test_links_point_at_the_port_serve_listens_on(tmp_path: Path) -> None:
    env = _env(tmp_path)
    key = _test_key(env)
    port = _free_port()
    with _serving(env, port, tmp_path / "serve.log") as base:
        link = _sandbox_link(base, key)
    assert link.startswith(f"http://127.0.0.1:{port}/sandbox/oauth/linkedin/authorize?"), link


def test_an_explicit_public_url_wins(tmp_path: Path) -> None:
    env = _env(tmp_path, LOWTATO_PUBLIC_URL="https://lowtato.example.com")
    key = _test_key(env)
    with _serving(env, _free_port(), tmp_path / "serve.log") as base:
        link = _sandbox_link(base, key)
    assert link.startswith("https://lowtato.example.com/sandbox/oauth/linkedin/authorize?"), link


def test_keys_and_codes_in_a_query_string_are_redacted_from_the_logs(tmp_path: Path) -> None:
    """Keys belong in headers (a query-string key is refused), but a client that puts one in
    the URL must not leave it in the access log for whoever reads the logs."""
    env = _env(tmp_path)
    key = _test_key(env)
    log = tmp_path / "serve.log"
    queries = [f"api_key={key}", f"limit=5&x-api-key={key}", f"q={key}", "token=tok-secret-1"]
    with _serving(env, _free_port(), log, log_level="info") as base:
        for query in queries:
            response = httpx.get(f"{base}/api/v1/accounts?{query}")
            assert response.status_code == 401
        httpx.get(f"{base}/oauth/linkedin/callback?code=oauth-code-secret-2&state=st")
    text = log.read_text()
    assert key not in text and key[17:] not in text
    assert "tok-secret-1" not in text and "oauth-code-secret-2" not in text
    # Each request is still logged: one JSON line with the route (never the query string).
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("route") == "/api/v1/accounts"]
    assert [(r["method"], r["status"]) for r in requests] == [("GET", 401)] * len(queries), text
    assert all(r["request_id"].startswith("req_") and r["duration_ms"] >= 0 for r in requests)
