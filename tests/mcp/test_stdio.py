"""``lowtato mcp`` over stdio: an MCP client starts the command, which calls the served API
over HTTP with the key from its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mcp import Client, StdioServerParameters
from tests.conftest import AppFactory, OwnerFactory
from tests.fakes.server import serve_app
from tests.mcp.helpers import check_errors, check_tools, create_publish_get, data

from lowtato.client import AsyncLowtato

SRC = Path(__file__).resolve().parents[2] / "src"


def command(url: str, key: str) -> StdioServerParameters:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(SRC),
        "LOWTATO_API_KEY": key,
        "LOWTATO_BASE_URL": url,
    }
    return StdioServerParameters(
        command=sys.executable, args=["-m", "lowtato.cli.main", "mcp"], env=env
    )


async def test_tools_over_stdio(app_factory: AppFactory, make_owner: OwnerFactory) -> None:
    owner = await make_owner()
    app = await app_factory(worker=True, publish_wait_seconds=10.0)
    async with serve_app(app) as url:
        async with AsyncLowtato(owner.key, base_url=url) as lt:
            account = await lt.accounts.connect("bluesky", "pw", platform_user_id="did:plc:s")
        async with Client(command(url, owner.key)) as client:
            await check_tools(client)
            post = await create_publish_get(client, account.id)
            assert post["status"] == "published" and post["social_account_id"] == account.id
            await check_errors(client)
            credits = data(await client.call_tool("get_credits", {}))
            assert credits["balance"] == 200.0


def test_refuses_to_start_without_a_key() -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "lowtato.cli.main", "mcp"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "LOWTATO_API_KEY" in done.stderr
    assert done.stdout == ""  # stdout is the MCP channel: nothing else may be written there
