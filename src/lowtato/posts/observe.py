"""What the publish and reconcile flows count for ``/metrics`` (see ``lowtato.kit.metrics``)."""

from __future__ import annotations

import logging

from lowtato.kit import metrics
from lowtato.platforms.base import Published
from lowtato.platforms.errors import AuthExpired, PlatformError, Rejected, Retryable, UnknownOutcome

log = logging.getLogger(__name__)


# Most specific first: an UnknownOutcome or AuthExpired is not counted as its base class.
_KINDS: tuple[tuple[type[PlatformError], str], ...] = (
    (UnknownOutcome, "unconfirmed"),
    (AuthExpired, "auth_expired"),
    (Retryable, "retryable"),
    (Rejected, "rejected"),
)


def publish_outcome(platform: str, outcome: Published | PlatformError) -> None:
    if isinstance(outcome, Published):
        kind, error = "published", ""
    else:
        kind = next((name for cls, name in _KINDS if isinstance(outcome, cls)), "error")
        error = outcome.code
    metrics.PUBLISH.labels(platform, kind, error).inc()
    # One line per attempt's outcome; the job, post and platform are on it (lowtato.kit.logs).
    log.info("publish attempt: %s %s", kind, error)


def reconcile_outcome(platform: str, *, found: bool, error: bool, settled: bool) -> None:
    if found:
        name = "found"
    elif error:
        name = "error"
    else:
        name = "absent" if settled else "not_indexed_yet"
    metrics.RECONCILE.labels(platform, name).inc()
