"""``GET /metrics``: off unless a token is configured, then only with that token, and after
real traffic the numbers say what happened (requests per route template and status, rate-limit
rejections, publish outcomes, webhook deliveries, the job queue)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from tests.api import connect, create_post, error, later
from tests.conftest import AppFactory, OwnerFactory, client_for, empty_database
from tests.webhooks.conftest import Receiver

from lowtato.jobs.worker import Worker
from lowtato.runtime import build_registry

TOKEN = "metrics-token-123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
async def metrics_app(app_factory: AppFactory) -> FastAPI:
    app = await app_factory(metrics_token=TOKEN, rate_limit_read=3)
    await empty_database(app.state.db)
    await app.state.limiter.reset()
    return app


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    started = await Receiver().start()
    yield started
    await started.close()


async def _scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_are_off_by_default(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics", headers=AUTH)
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


async def test_metrics_need_their_own_token(metrics_app: FastAPI, make_owner: OwnerFactory) -> None:
    owner = await make_owner()
    async with client_for(metrics_app) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, owner.headers,
                        {"Authorization": f"Bearer {owner.key}"}, {"Authorization": TOKEN}):  # fmt: skip
            response = await client.get("/metrics", headers=headers)
            assert response.status_code == 401, headers
            assert error(response)["code"] == "unauthorized"
        assert (await client.get("/metrics", headers=AUTH)).status_code == 200


async def test_metrics_count_what_happened(
    metrics_app: FastAPI, make_owner: OwnerFactory, receiver: Receiver
) -> None:
    owner = await make_owner()
    worker = Worker(metrics_app.state.db, build_registry(metrics_app.state.services))
    async with client_for(metrics_app) as client:
        before = await _scrape(client)
        account = await connect(client, owner)
        hook = await client.post(
            "/api/v1/webhooks",
            headers=owner.headers,
            json={"url": receiver.url, "events": ["post.published"]},
        )
        assert hook.status_code == 201, hook.text
        for text in ("first", "second"):
            created = await create_post(client, owner, account, text)
            assert created.status_code == 201, created.text
            published = await client.post(
                f"/api/v1/posts/{created.json()['id']}/publish", headers=owner.headers
            )
            assert published.status_code in (200, 202), published.text
        later_post = await create_post(client, owner, account, "later", scheduledTime=later())
        assert later_post.status_code == 201, later_post.text
        await worker.run_once()
        await worker.run_once()
        statuses = [
            (await client.get("/api/v1/posts", headers=owner.headers)).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        after = await _scrape(client)

    def delta(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    posts = {"method": "POST", "route": "/api/v1/posts", "status": "201"}
    assert delta("lowtato_http_requests_total", **posts) == 3
    assert delta("lowtato_http_request_duration_seconds_count", **posts) == 3
    listing = {"method": "GET", "route": "/api/v1/posts"}
    assert delta("lowtato_http_requests_total", **listing, status="200") == 3
    assert delta("lowtato_http_requests_total", **listing, status="429") == 1
    assert delta("lowtato_rate_limit_rejections_total", route="/api/v1/posts") == 1
    # The route template, never the raw path with an id in it.
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert "/api/v1/posts/{post_id}/publish" in routes
    assert not any(re.search(r"/(post|acc)_\w", route) for route in routes), routes
    published = {"platform": "twitter", "outcome": "published", "code": ""}
    assert delta("lowtato_publish_outcomes_total", **published) == 2
    assert delta("lowtato_webhook_deliveries_total", outcome="succeeded") == 2
    assert delta("lowtato_webhook_delivery_seconds_count") == 2
    assert len(receiver.received) == 2
    # The queue, read at scrape time: the scheduled post's job waits, nothing runs.
    assert _value(after, "lowtato_jobs", kind="posts.publish", status="pending") == 1
    assert _value(after, "lowtato_jobs", kind="posts.publish", status="running") == 0
    assert _value(after, "lowtato_jobs_oldest_age_seconds", kind="posts.publish") == 0


def test_several_processes_are_summed_when_they_share_a_directory(tmp_path: Path) -> None:
    """API replicas and workers each write their own samples; any one serves the total."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = (
        "from lowtato.kit import metrics; metrics.PUBLISH.labels('bluesky', 'published', '').inc()"
    )
    for _ in range(3):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)  # noqa: S603
    serve = "import sys; from lowtato.kit import metrics; sys.stdout.write(metrics.exposition().decode())"
    shown = subprocess.run(  # noqa: S603
        [sys.executable, "-c", serve], env=env, check=True, capture_output=True, text=True
    ).stdout
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(shown)
        for s in family.samples
    }
    labels = {"platform": "bluesky", "outcome": "published", "code": ""}
    assert _value(samples, "lowtato_publish_outcomes_total", **labels) == 3
