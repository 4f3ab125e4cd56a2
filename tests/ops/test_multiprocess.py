"""Scale-out on real engines: two API processes (``lowtato serve --no-worker``) and two
worker processes (``lowtato worker``) on PostgreSQL, Redis and an S3 server (moto), all on
loopback. Posts with media created through both APIs are each published once, their webhooks
delivered once, the media served by either API, one rate-limit budget holds across both APIs,
and either API's /metrics shows what the workers did."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from fastapi import FastAPI
from moto.server import ThreadedMotoServer
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from tests.conftest import ENC_KEYS, PG_URL, REDIS_URL, SECRET, OwnerFactory
from tests.media.files import FILES
from tests.webhooks.conftest import Receiver

from lowtato.platforms.sandbox.models import SandboxPost
from lowtato.webhooks.models import WebhookDelivery

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not (PG_URL and REDIS_URL), reason="needs PostgreSQL and Redis"),
]

BUCKET = "lowtato-media"
WRITE_BUDGET = 12
METRICS_TOKEN = "mp-metrics-token"
POSTS_PER_API = 3


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    s3.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint
    finally:
        s3.close()
        server.stop()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    yield started
    await started.close()


def _free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(tmp_path: Path, s3_endpoint: str) -> dict[str, str]:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOWTATO_")}
    return {
        **env,
        "LOWTATO_DATABASE_URL": PG_URL, "LOWTATO_REDIS_URL": REDIS_URL,
        "LOWTATO_SECRET_KEY": SECRET, "LOWTATO_ENCRYPTION_KEYS": ENC_KEYS,
        "LOWTATO_DATA_DIR": str(tmp_path / "data"), "LOWTATO_BOOTSTRAP_DEMO": "false",
        "LOWTATO_ALLOW_PRIVATE_URLS": "true", "LOWTATO_PUBLISH_WAIT_SECONDS": "0",
        "LOWTATO_RATE_LIMIT_WRITE": str(WRITE_BUDGET), "LOWTATO_RATE_LIMIT_READ": "100000",
        "LOWTATO_RATE_LIMIT_UPLOAD": "100",
        "LOWTATO_STORAGE_BACKEND": "s3", "LOWTATO_STORAGE_S3_ENDPOINT": s3_endpoint,
        "LOWTATO_STORAGE_S3_BUCKET": BUCKET, "LOWTATO_STORAGE_S3_REGION": "us-east-1",
        "LOWTATO_STORAGE_S3_ACCESS_KEY_ID": "testing",
        "LOWTATO_STORAGE_S3_SECRET_ACCESS_KEY": "testing",
        "LOWTATO_METRICS_TOKEN": METRICS_TOKEN, "LOWTATO_LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir), "PYTHONUNBUFFERED": "1",
    }  # fmt: skip


class Cluster:
    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path, self.env = tmp_path, env
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.apis: list[str] = []

    def start(self, name: str, *args: str) -> None:
        with (self.tmp_path / f"{name}.log").open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - our own CLI
                [sys.executable, "-m", "lowtato.cli.main", *args],
                stdout=out, stderr=subprocess.STDOUT, env=self.env,
            )  # fmt: skip
        self.processes.append((name, process))

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            for base in self.apis:
                while True:
                    for name, process in self.processes:
                        assert process.poll() is None, f"{name} died:\n{self.log(name)}"
                    try:
                        if (await client.get(f"{base}/api/health")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, "the APIs did not come up"
                    await asyncio.sleep(0.2)

    async def stop(self) -> None:
        for _, process in self.processes:
            process.terminate()
        for _, process in self.processes:
            try:
                await asyncio.to_thread(process.wait, 45)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
async def cluster(app: FastAPI, tmp_path: Path, s3_endpoint: str) -> AsyncIterator[Cluster]:
    """The two APIs and two workers (``app`` has emptied the database and the limiter)."""
    running = Cluster(tmp_path, _env(tmp_path, s3_endpoint))
    async with AsyncExitStack() as stack:
        stack.push_async_callback(running.stop)
        for n in (1, 2):
            port = _free_port()
            running.apis.append(f"http://127.0.0.1:{port}")
            running.start(f"api{n}", "serve", "--no-worker", "--port", str(port))
            running.start(f"worker{n}", "worker", "--concurrency", "4")
        await running.wait_ready()
        yield running


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


async def _scrape(client: httpx.AsyncClient, base: str) -> dict[tuple[str, frozenset[Any]], float]:
    response = await client.get(
        f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


async def test_two_apis_and_two_workers_on_postgresql_redis_and_s3(
    app: FastAPI, cluster: Cluster, make_owner: OwnerFactory, receiver: Receiver
) -> None:
    started = time.monotonic()
    owner = await make_owner()
    headers = owner.headers
    api1, api2 = cluster.apis
    async with httpx.AsyncClient(timeout=30) as client:
        connected = await client.post(f"{api1}/api/v1/accounts/connect", headers=headers, json={
            "platform": "bluesky", "access_token": "tok-mp", "refresh_token": "refresh-mp",
            "platform_user_id": "did:plc:mp", "platform_username": "mp.test",
        })  # fmt: skip
        assert connected.status_code == 201, connected.text
        account = connected.json()["id"]
        hook = await client.post(f"{api2}/api/v1/webhooks", headers=headers,
                                 json={"url": receiver.url, "events": ["post.published"]})  # fmt: skip
        assert hook.status_code == 201, hook.text

        # Media uploaded through each API, posts (each with the other API's media) through both.
        media = {}
        for base, name in ((api1, "pic.png"), (api2, "photo.jpg")):
            mime, data = FILES[name]
            up = await client.post(f"{base}/api/v1/media/upload", headers=headers,
                                   files={"file": (name, data, mime)})  # fmt: skip
            assert up.status_code == 201, up.text
            media[base] = (up.json()["url"], data)
        when = _iso(datetime.now(UTC) + timedelta(seconds=2))
        post_ids = []
        for n in range(POSTS_PER_API):
            for base, other in ((api1, api2), (api2, api1)):
                created = await client.post(f"{base}/api/v1/posts", headers=headers, json={
                    "post": {"accountId": account,
                             "content": {"text": f"scale-out {n} via {base[-5:]}",
                                         "mediaUrls": [media[other][0]]}},
                    "scheduledTime": when,
                })  # fmt: skip
                assert created.status_code == 201, created.text
                post_ids.append(created.json()["id"])
        writes_used = 2 + len(post_ids)

        deadline = time.monotonic() + 40
        while True:
            statuses = [
                (
                    await client.get(f"{(api1, api2)[i % 2]}/api/v1/posts/{p}", headers=headers)
                ).json()["status"]
                for i, p in enumerate(post_ids)
            ]
            if set(statuses) == {"published"} and len(receiver.received) >= len(post_ids):
                break
            assert "failed" not in statuses, statuses
            assert time.monotonic() < deadline, (statuses, cluster.log("worker1"))
            await asyncio.sleep(0.25)
        await asyncio.sleep(1.0)  # a duplicate delivery would have arrived by now

        # Media served by either API: a redirect to the bucket, the same bytes.
        for url, data in media.values():
            path = httpx.URL(url).path
            for base in (api1, api2):
                served = await client.get(f"{base}{path}", follow_redirects=True)
                assert served.status_code == 200 and served.content == data, base

        # One budget across both APIs: the writes left, then 429 from whichever API.
        accepted, answers = 0, []
        for n in range(2 * WRITE_BUDGET):
            base = (api1, api2)[n % 2]
            draft = await client.post(f"{base}/api/v1/posts", headers=headers, json={
                "post": {"accountId": account, "content": {"text": f"draft {n}"}}})  # fmt: skip
            answers.append(draft.status_code)
            if draft.status_code == 429:
                break
            assert draft.status_code == 201, draft.text
            accepted += 1
        assert accepted == WRITE_BUDGET - writes_used and answers[-1] == 429, answers
        other_api = (api1, api2)[len(answers) % 2]
        refused = await client.post(f"{other_api}/api/v1/posts", headers=headers, json={
            "post": {"accountId": account, "content": {"text": "one more"}}})  # fmt: skip
        assert refused.status_code == 429

        scraped = await _scrape(client, api2)

    # Each post reached the platform once; each webhook event was delivered once.
    async with app.state.db.transaction(readonly=True) as session:
        creates = dict(
            (await session.execute(
                select(SandboxPost.request_post_id, func.count())
                .where(SandboxPost.request_post_id.in_(post_ids))
                .group_by(SandboxPost.request_post_id)
            )).all()
        )  # fmt: skip
        deliveries = (await session.execute(select(WebhookDelivery))).scalars().all()
    assert creates == dict.fromkeys(post_ids, 1)
    assert sorted(d.status for d in deliveries) == ["succeeded"] * len(post_ids)
    assert all(d.attempts == 1 for d in deliveries)
    event_ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(event_ids) == len(post_ids) == len(set(event_ids))
    published_ids = {r.json["data"]["id"] for r in receiver.received}
    assert published_ids == set(post_ids)

    # The workers' counts, served by an API process from the shared metrics directory.
    published = scraped.get(("lowtato_publish_outcomes_total", frozenset(
        {"platform": "bluesky", "outcome": "published", "code": ""}.items())), 0)  # fmt: skip
    assert published == len(post_ids)
    by_worker = {
        name: cluster.log(name).count('"job_kind": "posts.publish"')
        for name in ("worker1", "worker2")
    }
    print(f"\nmulti-process: {len(post_ids)} posts published once each by workers "
          f"(log lines per worker {by_worker}), {len(event_ids)} webhooks, "
          f"{accepted + writes_used} writes then 429 across 2 APIs, "
          f"{time.monotonic() - started:.1f}s")  # fmt: skip
    assert Counter(statuses) == {"published": len(post_ids)}
