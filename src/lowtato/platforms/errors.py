"""The platform error taxonomy. Adapters raise only these; the publish flow maps each to a
post state. The split that matters is whether the platform may have created the post.

    PlatformError
    ├── Retryable(after)        the request did not take effect; safe to send again later
    │     └── RateLimited(after) … because of a rate limit (after = the platform's reset)
    ├── AuthExpired             token expired or revoked; the account must be reconnected
    ├── Rejected(code)          the platform refused this content; sending again won't help
    └── UnknownOutcome          sent, but the answer was lost; the post may exist — reconcile
"""

from __future__ import annotations


class PlatformError(Exception):
    code = "platform_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Retryable(PlatformError):
    code = "platform_temporary_error"

    def __init__(self, reason: str, *, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after


class RateLimited(Retryable):
    code = "rate_limited"


class AuthExpired(PlatformError):
    code = "token_expired"


class Rejected(PlatformError):
    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason)
        self.code = code


class UnknownOutcome(PlatformError):
    code = "unknown_outcome"
