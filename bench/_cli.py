"""Preparing a Lowtato data dir the way an operator does: through the `lowtato` CLI."""

from __future__ import annotations

import json
import subprocess
import sys

CLI_TIMEOUT = 120.0  # seconds for one `lowtato` CLI call (migrations on a slow disk)


def lowtato_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lowtato.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"lowtato {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def prepare_lowtato(env: dict[str, str], email: str, *, test: bool = False) -> str:
    """Migrate, create an owner and a key (live, or test-mode for the sandbox network)
    through the CLI, exactly as an operator would; returns the key. The server process reads
    the same data dir (same key pepper)."""
    lowtato_cli(env, "db", "upgrade")
    lowtato_cli(env, "users", "create", "--email", email, "--plan", "starter", "--json")
    mode = ["--test"] if test else []
    made = lowtato_cli(env, "keys", "create", "--email", email, *mode, "--json")
    return str(json.loads(made)["key"])
