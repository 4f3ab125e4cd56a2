"""Prometheus metrics: what the domains count, and the exposition ``/metrics`` serves.

Off unless ``LOWTATO_METRICS_TOKEN`` is set (then the request middleware records requests and
``/metrics`` answers with that bearer token). Several processes (API replicas, workers) each
write their own samples when ``PROMETHEUS_MULTIPROC_DIR`` names a shared, emptied-at-deploy
directory, and any one of them serves the sum. The job-queue gauges are not kept here: they
are read from the jobs table at scrape time (``exposition(extra=…)``), so every replica shows
the same truth.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = CONTENT_TYPE_LATEST
# No `*_created` series beside every counter: Prometheus needs none of them.
disable_created_metrics()  # type: ignore[no-untyped-call]

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # The library names each process's sample files by pid; containers sharing the directory
    # (an API and a worker container on one host) are all pid 1, so the host name joins it.
    values.ValueClass = values.MultiProcessValue(  # type: ignore[no-untyped-call]
        lambda: f"{socket.gethostname()}-{os.getpid()}"
    )

REQUESTS = Counter(
    "lowtato_http_requests_total", "HTTP requests by route template and status.",
    ["method", "route", "status"],
)  # fmt: skip
LATENCY = Histogram(
    "lowtato_http_request_duration_seconds", "HTTP request latency by route template and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)  # fmt: skip
RATE_LIMITED = Counter(
    "lowtato_rate_limit_rejections_total", "Requests answered 429 by the rate limiter.", ["route"]
)
PUBLISH = Counter(
    "lowtato_publish_outcomes_total", "Publish attempts by platform, outcome and error code.",
    ["platform", "outcome", "code"],
)  # fmt: skip
RECONCILE = Counter(
    "lowtato_reconcile_outcomes_total", "Reconciliation looks at unconfirmed posts.",
    ["platform", "outcome"],
)  # fmt: skip
WEBHOOK_DELIVERIES = Counter(
    "lowtato_webhook_deliveries_total", "Webhook delivery attempts by outcome.", ["outcome"]
)
WEBHOOK_LATENCY = Histogram(
    "lowtato_webhook_delivery_seconds", "Time a receiver took to answer a delivery.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)  # fmt: skip
TOKEN_REFRESH_FAILURES = Counter(
    "lowtato_token_refresh_failures_total", "Token refreshes a platform refused or that failed.",
    ["platform", "kind"],
)  # fmt: skip


@dataclass(frozen=True)
class QueueStat:
    kind: str
    status: str
    count: int
    oldest_age_seconds: float


class _Queue:
    """The job-queue gauges, from rows read at scrape time."""

    def __init__(self, stats: Iterable[QueueStat]) -> None:
        self.stats = list(stats)

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "lowtato_jobs",
            "Jobs by kind and status (pending and running).",
            labels=["kind", "status"],
        )
        age = GaugeMetricFamily(
            "lowtato_jobs_oldest_age_seconds",
            "Age of the oldest due pending job of each kind (how far the queue is behind).",
            labels=["kind"],
        )
        for stat in self.stats:
            depth.add_metric([stat.kind, stat.status], stat.count)
            if stat.status == "pending":
                age.add_metric([stat.kind], stat.oldest_age_seconds)
        yield depth
        yield age


def exposition(queue: Iterable[QueueStat] = ()) -> bytes:
    """The text format: this process's (or, multi-process, every process's) samples and the
    queue gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    extra = CollectorRegistry()
    extra.register(_Queue(queue))
    return body + generate_latest(extra)
