"""How an extraction can fail. ``ExtractionFailed`` is final (the source becomes ``failed``
with the reason); ``TryAgain`` is a transient problem (a timeout, a 5xx, a refused
connection) that the job retries with backoff a few times before giving up with its reason."""

from __future__ import annotations


class ExtractionFailed(Exception):
    """This source cannot be extracted; ``reason`` tells the user what to do."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TryAgain(Exception):
    """A transient failure; ``reason`` is shown if the last attempt fails too."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
