"""What the publish and reconcile flows count for ``/metrics`` (see ``lowtato.kit.metrics``)."""

from __future__ import annotations

import logging

from lowtato.kit import metrics
from lowtato.platforms.base import Published
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected, Retryable, UnknownOutcome

log = logging.getLogger(__name__)


def publish_outcome(platform: str, outcome: Published | PlatformError) -> None:
    if isinstance(outcome, Published):
        name, code = "published", ""
    elif isinstance(outcome, UnknownOutcome):
        name, code = "unconfirmed", outcome.code
    elif isinstance(outcome, AuthExpired):
        name, code = "auth_expired", outcome.code
    elif isinstance(outcome, Retryable):
        name, code = "retryable", outcome.code
    elif isinstance(outcome, Rejected):
        name, code = "rejected", outcome.code
    else:
        name, code = "error", "platform_error"
    metrics.PUBLISH.labels(platform, name, code).inc()
    # One line per attempt's outcome; the job, post and platform are on it (lowtato.kit.logs).
    log.info("publish attempt: %s %s", name, code)


def reconcile_outcome(platform: str, *, found: bool, error: bool, settled: bool) -> None:
    if found:
        name = "found"
    elif error:
        name = "error"
    else:
        name = "absent" if settled else "not_indexed_yet"
    metrics.RECONCILE.labels(platform, name).inc()
