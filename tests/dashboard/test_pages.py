"""The dashboard's pages and forms over plain HTTP: what a signed-in owner sees and changes,
checked through the API (the same services answer both)."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
from fastapi import FastAPI
from PIL import Image
from tests.cli.test_cli import run
from tests.conftest import ENC_KEYS, SECRET, AppFactory, Owner, client_for
from tests.dashboard.helpers import (
    PASSWORD,
    csrf_of,
    give_password,
    sandbox_account,
    sign_in,
)

from lowtato.cli.demo import bootstrap_demo
from lowtato.kit import clock


def _cli_env(database_url: str, data_dir: object) -> dict[str, str]:
    return {"LOWTATO_DATABASE_URL": database_url, "LOWTATO_SECRET_KEY": SECRET,
            "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS, "LOWTATO_DATA_DIR": str(data_dir),
            "LOWTATO_PUBLIC_URL": "http://testserver"}  # fmt: skip


def _notice(answer: httpx.Response) -> dict[str, list[str]]:
    assert answer.status_code == 303, answer.text
    return parse_qs(urlsplit(answer.headers["location"]).query)


async def test_the_cli_sets_a_password_and_prints_a_one_time_link(
    app: FastAPI, database_url: str, tmp_path: object
) -> None:
    env = _cli_env(database_url, tmp_path)
    code, out = await asyncio.to_thread(
        run, env, "users", "create", "--email", "Cli@Example.com", "--password"
    )
    assert code == 1  # --password prompts; CliRunner gave no input
    code, out = await asyncio.to_thread(run, env, "users", "create", "--email", "cli@example.com")
    assert code == 0, out
    code, out = await asyncio.to_thread(
        run, env, "users", "sign-in-link", "--email", "cli@example.com"
    )
    assert code == 0, out
    link = re.search(r"http://testserver(/signin/link\?token=\S+)", out)
    assert link, out
    async with client_for(app) as client:
        # No password yet: the password form refuses, the link works once.
        form = await client.get("/signin")
        refused = await client.post(
            "/signin",
            data={"email": "cli@example.com", "password": PASSWORD, "csrf": csrf_of(form.text)},
        )
        assert refused.status_code == 401
        page = await client.get(link.group(1))
        token = re.search(r'name="token" value="([^"]+)"', page.text)
        assert page.status_code == 200 and token
        data = {"token": token.group(1), "csrf": csrf_of(page.text)}
        used = await client.post("/signin/link", data=data)
        assert used.status_code == 303 and used.headers["location"] == "/posts"
        assert "cli@example.com" in (await client.get("/settings")).text
        again = await client.post(
            "/signin/link", data={**data, "csrf": csrf_of((await client.get(link.group(1))).text)}
        )
        assert again.status_code == 400 and "used or has expired" in again.text


async def test_set_password_from_stdin_ends_open_sessions(
    app: FastAPI, owner: Owner, database_url: str, tmp_path: object
) -> None:
    env = _cli_env(database_url, tmp_path)
    await give_password(app, owner.email)
    async with client_for(app) as client:
        await sign_in(client, owner.email)

        def set_it(password: str) -> tuple[int, str]:
            from typer.testing import CliRunner  # noqa: PLC0415 - input needs the runner

            from lowtato.cli.main import app as cli  # noqa: PLC0415

            result = CliRunner().invoke(
                cli, ["users", "set-password", "--email", owner.email, "--password-stdin"],
                input=password + "\n", env=env,
            )  # fmt: skip
            return result.exit_code, result.output

        code, out = await asyncio.to_thread(set_it, "short")
        assert code == 1 and "at least 10 characters" in out
        assert (await client.get("/settings")).status_code == 200  # unchanged
        code, out = await asyncio.to_thread(set_it, "a brand new password")
        assert code == 0, out
        assert (await client.get("/settings")).status_code == 303  # signed out everywhere
        await sign_in(client, owner.email, "a brand new password")


async def test_self_sign_up_only_when_the_operator_enabled_it(app_factory: AppFactory) -> None:
    for enabled in (False, True):
        served = await app_factory(dashboard_signup=enabled)
        async with client_for(served) as client:
            form = await client.get("/signin")
            assert ('action="/signup"' in form.text) is enabled
            answer = await client.post(
                "/signup",
                data={"email": "new@example.com", "password": PASSWORD, "csrf": csrf_of(form.text)},
            )
            if not enabled:
                assert answer.status_code == 403
                continue
            assert answer.status_code == 303
            settings = await client.get("/settings")
            assert "Plan: <strong>free</strong>" in settings.text


async def test_test_mode_says_so_on_every_page_and_the_switch_changes_what_is_shown(
    app: FastAPI, owner: Owner, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    client, csrf = signed_in
    test_account = await sandbox_account(app, owner.user_id, "bluesky")
    for page in ("/posts", "/posts/new", "/accounts", "/slots", "/webhooks", "/settings"):
        shown = await client.get(page)
        assert shown.status_code == 200, page
        assert "Test mode: you see test data" in shown.text, page
    assert test_account in (await client.get("/accounts")).text
    switched = await client.post("/mode", data={"csrf": csrf, "mode": "live", "back": "/accounts"})
    assert switched.headers["location"].startswith("/accounts?")
    live = await client.get("/accounts")
    assert "Live mode: posts go to the real networks." in live.text
    assert test_account not in live.text
    evil = await client.post("/mode", data={"csrf": csrf, "mode": "test", "back": "//evil.example"})
    assert evil.headers["location"].startswith("/posts?")


async def test_profile_brand_and_keys_change_through_the_forms(
    signed_in: tuple[httpx.AsyncClient, str], owner: Owner
) -> None:
    client, csrf = signed_in
    saved = await client.post(
        "/settings/profile",
        data={"csrf": csrf, "display_name": "Ada", "timezone": "Europe/Paris",
              "notify": ["email_post_failed"]},
    )  # fmt: skip
    assert _notice(saved)["notice"] == ["Profile saved."]
    profile = (await client.get("/api/v1/profile", headers=owner.headers)).json()
    assert profile["display_name"] == "Ada" and profile["timezone"] == "Europe/Paris"
    bad = await client.post("/settings/profile", data={"csrf": csrf, "timezone": "Mars/Base"})
    assert "error" in _notice(bad)
    assert (await client.get("/api/v1/profile", headers=owner.headers)).json()[
        "timezone"
    ] == "Europe/Paris"

    brand = await client.post(
        "/settings/brand",
        data={"csrf": csrf, "brand_name": "Acme", "brand_color": "#123456", "topics": "a, b"},
    )
    assert _notice(brand)["notice"] == ["Brand kit saved."]
    kit = (await client.get("/api/v1/brand-kit", headers=owner.headers)).json()
    assert kit["brand_name"] == "Acme" and kit["topics"] == ["a", "b"]

    made = await client.post(
        "/settings/keys",
        data={"csrf": csrf, "name": "reader", "mode": "test", "scopes": ["posts:read"]},
    )
    key = re.search(r'id="new-key" readonly value="([^"]+)"', made.text)
    assert key
    reader = {"x-api-key": key.group(1)}
    assert (await client.get("/api/v1/posts", headers=reader)).status_code == 200
    assert (await client.get("/api/v1/accounts", headers=reader)).status_code == 403
    listed = (await client.get("/settings")).text
    assert key.group(1) not in listed  # shown once only
    assert key.group(1)[:17] in listed and "posts:read" in listed


async def test_upload_with_the_session_then_compose_and_reschedule_and_cancel(
    app: FastAPI, owner: Owner, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    client, csrf = signed_in
    account = await sandbox_account(app, owner.user_id, "bluesky")
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(picture, "PNG")
    uploaded = await client.post(
        "/api/upload",
        files={"file": ("red.png", picture.getvalue(), "image/png")},
        headers={"X-CSRF-Token": csrf},
    )
    assert uploaded.status_code == 201, uploaded.text
    media_url = uploaded.json()["url"]
    assert (await client.get(media_url)).status_code == 200

    later = (clock.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    too_long = await client.post(
        "/posts",
        data={"csrf": csrf, "account_id": account, "text": "x" * 400, "when": "time",
              "scheduled_time": later},
    )  # fmt: skip
    assert too_long.status_code == 400 and "300" in too_long.text
    assert "x" * 400 in too_long.text  # the text is kept for fixing
    made = await client.post(
        "/posts",
        data={"csrf": csrf, "account_id": account, "text": "hello", "media_urls": media_url,
              "when": "time", "scheduled_time": later},
    )  # fmt: skip
    post_id = _notice(made)["notice"][0].split()[1]
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["status"] == "scheduled" and post["media_urls"] == [media_url]
    listing = await client.get("/posts")
    assert f'id="post-{post_id}"' in listing.text

    moved_to = (clock.now() + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M")
    moved = await client.post(
        f"/posts/{post_id}/reschedule", data={"csrf": csrf, "scheduled_time": moved_to}
    )
    assert "notice" in _notice(moved)
    post = (await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)).json()
    assert post["scheduled_time"].startswith(moved_to)

    cancelled = await client.post(f"/posts/{post_id}/cancel", data={"csrf": csrf})
    assert "notice" in _notice(cancelled)
    gone = await client.get(f"/api/v1/posts/{post_id}", headers=owner.headers)
    assert gone.status_code == 404


async def test_slots_and_webhooks_pages(
    app: FastAPI, owner: Owner, signed_in: tuple[httpx.AsyncClient, str]
) -> None:
    client, csrf = signed_in
    added = await client.post(
        "/slots", data={"csrf": csrf, "day": "2", "hour": "9", "minute": "30"}
    )
    assert _notice(added)["notice"] == ["Slot added: Tuesday 09:30."]
    slots = (await client.get("/api/v1/schedule/slots", headers=owner.headers)).json()["slots"]
    assert [(s["day"], s["hour"], s["minute"]) for s in slots] == [(2, 9, 30)]
    removed = await client.post(f"/slots/{slots[0]['id']}/remove", data={"csrf": csrf})
    assert _notice(removed)["notice"] == ["Slot removed."]
    auto = await client.post(
        "/slots/auto", data={"csrf": csrf, "platforms": ["linkedin"], "posts_per_day": "2"}
    )
    assert "slots set up" in _notice(auto)["notice"][0]
    assert (await client.get("/api/v1/schedule/slots", headers=owner.headers)).json()["slots"]

    async def public_dns(host: str) -> list[str]:
        return ["93.184.216.34"]

    app.state.url_resolver = public_dns
    hook = await client.post(
        "/webhooks",
        data={"csrf": csrf, "url": "https://hooks.example.com/in", "events": ["post.published"]},
    )
    assert hook.status_code == 200 and 'id="new-secret"' in hook.text
    hooks = (await client.get("/api/v1/webhooks", headers=owner.headers)).json()["webhooks"]
    assert [h["url"] for h in hooks] == ["https://hooks.example.com/in"]
    first = re.search(r'id="new-secret" readonly value="([^"]+)"', hook.text)
    rotated = await client.post(f"/webhooks/{hooks[0]['id']}/rotate", data={"csrf": csrf})
    second = re.search(r'id="new-secret" readonly value="([^"]+)"', rotated.text)
    assert first and second and first.group(1) != second.group(1)
    refused = await client.post(
        "/webhooks",
        data={"csrf": csrf, "url": "https://hooks.example.com/x", "events": ["no.such.event"]},
    )
    assert "error" in _notice(refused)


async def test_the_first_starts_link_signs_the_demo_owner_in(app: FastAPI) -> None:
    made = await bootstrap_demo(app.state.db, SECRET.encode(), app.state.keyring)
    assert made is not None
    async with client_for(app) as client:
        page = await client.get(f"/signin/link?token={made.sign_in_token}")
        data = {"token": made.sign_in_token, "csrf": csrf_of(page.text)}
        assert (await client.post("/signin/link", data=data)).status_code == 303
        accounts = await client.get("/accounts")
    for account_id in made.accounts.values():
        assert f'id="account-{account_id}"' in accounts.text
