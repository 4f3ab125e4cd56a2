"""The ``lowtato`` command line, run the way an operator runs it."""

from __future__ import annotations

import json
import uuid

import pytest
from tests.conftest import ENC_KEYS, SECRET
from typer.testing import CliRunner

from lowtato.cli.main import app


@pytest.fixture
def cli_env(database_url: str, tmp_path: object) -> dict[str, str]:
    return {
        "LOWTATO_DATABASE_URL": database_url,
        "LOWTATO_SECRET_KEY": SECRET,
        "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS,
        "LOWTATO_DATA_DIR": str(tmp_path),
    }


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def test_users_and_keys_lifecycle(cli_env: dict[str, str]) -> None:
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    code, out = run(cli_env, "users", "create", "--email", email, "--plan", "creator", "--json")
    assert code == 0, out
    user = json.loads(out)
    assert user["id"].startswith("usr_") and user["plan"] == "creator"

    code, out = run(cli_env, "users", "create", "--email", email)
    assert code == 1 and "already exists" in out

    code, out = run(
        cli_env, "keys", "create", "--email", email, "--scopes", "posts:read", "--test", "--json"
    )
    assert code == 0, out
    key = json.loads(out)
    assert key["key"].startswith("lt_test_") and key["scopes"] == ["posts:read"]

    code, out = run(cli_env, "keys", "create", "--email", email, "--scopes", "posts:bogus")
    assert code != 0 and "unknown scope" in out

    code, out = run(cli_env, "keys", "list", "--email", email, "--json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [key["id"]]
    assert key["key"] not in out  # only the display prefix is listed

    code, out = run(cli_env, "keys", "revoke", key["id"])
    assert code == 0
    rows = json.loads(run(cli_env, "keys", "list", "--email", email, "--json")[1])
    assert rows[0]["revoked_at"] is not None

    code, out = run(cli_env, "keys", "revoke", "key_doesnotexist")
    assert code == 1 and "No API key" in out


def test_plain_output_prints_just_the_id(cli_env: dict[str, str]) -> None:
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    code, out = run(cli_env, "users", "create", "--email", email)
    assert code == 0
    assert out.strip().startswith("usr_") and len(out.split()) == 1
