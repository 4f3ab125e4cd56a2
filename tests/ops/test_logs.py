"""The log lines an operator reads: one JSON object per line with the request's fields on the
request line and the job's fields on every line a job writes, and none of the secrets a
realistic run created (API keys, platform tokens, webhook signing secrets)."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from tests.accounts.test_connection_health import KITS
from tests.conftest import OwnerFactory, client_for
from tests.fakes.fixtures import Fakes
from tests.security.test_secrets import _connect, _forms, _issued_by_fakes, _publish

from lowtato.jobs.worker import Worker
from lowtato.kit import logs


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What ``lowtato serve``/``lowtato worker`` would write to a non-terminal stderr."""
    out = io.StringIO()
    handler = logs.handler(out, "auto")  # a StringIO is no terminal: JSON
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


async def test_a_realistic_run_logs_its_requests_and_jobs_and_no_secret(
    live_app: FastAPI,
    live_worker: Worker,
    make_owner: OwnerFactory,
    fakes: Fakes,
    json_log: io.StringIO,
) -> None:
    live = await make_owner(email="ops-logs@example.com", livemode=True)
    test = await make_owner(email="ops-logs@example.com")
    created = {live.key, test.key, live.key[17:], test.key[17:], "twitter-client-secret"}
    async with client_for(live_app) as client:
        kit = KITS["twitter"](fakes)
        grant = kit.grant()
        account = await _connect(client, live, {
            "platform": "twitter", "access_token": grant.access_token,
            "refresh_token": grant.refresh_token, "expires_in": 120, **grant.extra,
        })  # fmt: skip
        token, refresh = secrets.token_urlsafe(20), secrets.token_urlsafe(20)
        created |= {token, refresh}
        await _connect(client, test, {
            "platform": "bluesky", "access_token": token, "refresh_token": refresh,
            "platform_user_id": "sbx-1", "platform_username": "sbx_1",
        })  # fmt: skip
        hook = await client.post(
            "/api/v1/webhooks",
            headers=live.headers,
            json={"url": f"{fakes.url}/hooks", "events": ["post.published"]},
        )
        assert hook.status_code == 201, hook.text
        created.add(hook.json()["secret"])
        kit.due()  # the token is refreshed before the publish: a new pair is issued and logged
        post_id = await _publish(client, live, account, "logs sweep")
        for _ in range(3):
            await live_worker.run_once()
        post = await client.get(f"/api/v1/posts/{post_id}", headers=live.headers)
        assert post.json()["status"] == "published", post.text

    lines = _lines(json_log)
    text = json_log.getvalue()
    created |= _issued_by_fakes(fakes)
    leaks = sorted(
        f"{value[:10]}… as {form[:12]}…"
        for value in created
        if len(value) >= 8
        for form in _forms(value)
        if form in text
    )
    assert len(lines) > 10
    assert leaks == []

    created_line = next(
        line
        for line in lines
        if line.get("route") == "/api/v1/posts" and line.get("method") == "POST"
    )
    assert created_line["status"] == 201
    assert created_line["owner_id"] == live.user_id
    assert created_line["request_id"].startswith("req_")
    assert isinstance(created_line["duration_ms"], float | int)
    assert created_line["logger"] == "lowtato.request"
    read_line = next(line for line in lines if line.get("route") == "/api/v1/posts/{post_id}")
    assert read_line["method"] == "GET" and read_line["status"] == 200

    # Every line the publish job wrote (the platform calls included) says which job, post
    # and platform it is about.
    publish_lines = [line for line in lines if line.get("job_kind") == "posts.publish"]
    assert publish_lines
    assert all(line["job_id"] for line in publish_lines)
    platform_calls = [line for line in publish_lines if line["logger"].startswith("httpx")]
    assert platform_calls
    assert {(line["post_id"], line["platform"]) for line in platform_calls} == {
        (post_id, "twitter")
    }


def test_secrets_in_messages_fields_and_tracebacks_are_redacted(json_log: io.StringIO) -> None:
    """What a platform's error body, a careless extra field or an exception could carry."""
    token, secret, password = "ya29.A0token-value-123", "whsec_c2VjcmV0LXZhbHVl", "hunter2-pass"
    log = logging.getLogger("lowtato.platforms.test")
    log.warning("refresh refused: %s", json.dumps({"access_token": token, "error": "bad"}))
    log.info("calling", extra={"refresh_token": token, "account_id": "acc_1"})
    log.info("header dump: Authorization: Bearer %s", token)
    log.info("webhook %s registered", secret)
    try:
        raise RuntimeError(f"login failed password={password}")
    except RuntimeError:
        log.exception("login")
    text = json_log.getvalue()
    assert token not in text and secret not in text and password not in text
    lines = _lines(json_log)
    assert len(lines) == 5
    assert lines[1]["refresh_token"] == "[redacted]" and lines[1]["account_id"] == "acc_1"
    assert "Traceback" in lines[4]["exc"] and "[redacted]" in lines[4]["exc"]
