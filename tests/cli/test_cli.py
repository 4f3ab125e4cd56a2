"""The ``lowtato`` command line, run the way an operator runs it."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from tests.conftest import ENC_KEYS, SECRET, OwnerFactory
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


async def test_credits_grant_and_show(
    cli_env: dict[str, str], client: httpx.AsyncClient, make_owner: OwnerFactory
) -> None:
    """An operator grants credits with a reason; the owner sees them in GET /api/v1/credits,
    the ledger keeps the reason, bad input changes nothing."""
    owner = await make_owner(email="granted@example.com")
    code, out = await asyncio.to_thread(
        run, cli_env, "credits", "grant", "--email", "Granted@example.com",
        "--amount", "12.5", "--reason", "sorry  for the outage", "--json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out) == {"owner_id": owner.user_id, "granted": 12.5, "balance": 212.5}
    body = (await client.get("/api/v1/credits", headers=owner.headers)).json()
    assert body["balance"] == 212.5 and body["topup_balance"] == 12.5

    for bad in (["--amount", "0"], ["--amount", "-3"], ["--amount", "1.005"], ["--amount", "x"],
                ["--amount", "nan"], ["--amount", "5", "--reason", "  "],
                ["--amount", "5", "--reason", "r" * 51]):  # fmt: skip
        args = ["credits", "grant", "--email", owner.email, *bad]
        if "--reason" not in bad:
            args += ["--reason", "x"]
        code, out = await asyncio.to_thread(run, cli_env, *args)
        assert code == 2, (bad, out)
    code, out = await asyncio.to_thread(
        run, cli_env, "credits", "grant", "--email", "nobody@example.com", "--amount", "5",
        "--reason", "x",
    )  # fmt: skip
    assert code == 1 and "no user with email nobody@example.com" in out

    code, out = await asyncio.to_thread(
        run, cli_env, "credits", "show", "--email", owner.email, "--json"
    )
    assert code == 0, out
    shown = json.loads(out)
    assert shown["balance"] == 212.5 and shown["plan"] == "starter"
    assert [(e["amount"], e["reason"]) for e in shown["ledger"]] == [
        (12.5, "grant: sorry for the outage"),
        (200.0, "monthly_reset"),
    ]
    code, out = await asyncio.to_thread(run, cli_env, "credits", "show", "--email", owner.email)
    assert code == 0 and "balance 212.5 (top-up 12.5)" in out and "grant: sorry" in out
