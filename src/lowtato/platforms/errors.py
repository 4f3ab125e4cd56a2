"""The platform error taxonomy. Adapters raise only these; the publish flow maps each to a
post state. The split that matters is whether the platform may have created the post.

    PlatformError
    ├── Retryable(after)        the request did not take effect; safe to send again later
    │     └── RateLimited(after) … because of a rate limit (after = the platform's reset)
    │     └── RefreshRefused    the token endpoint refused a refresh without saying the
    │                           grant is dead (an unknown 4xx): retried a bounded number of
    │                           times (accounts/tokens.py), then the account is disconnected
    ├── AuthExpired(kind)       token expired or revoked (dead auth); the account must be
    │                           reconnected. kind: "revoked" | "expired"
    ├── Rejected(code)          the platform refused this content; sending again won't help
    └── UnknownOutcome          sent, but the answer was lost; the post may exist — reconcile
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal


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


class RefreshRefused(Retryable):
    code = "token_refresh_failed"


AuthKind = Literal["revoked", "expired"]


class AuthExpired(PlatformError):
    """Dead auth: the platform says the grant is revoked or invalid (``invalid_grant``, a 401
    with its revoked/expired code, Meta error 190, a refused app password). ``kind`` is
    ``expired`` when the platform says it ran out, else ``revoked``."""

    code = "token_expired"

    def __init__(self, reason: str, *, kind: AuthKind = "revoked") -> None:
        super().__init__(reason)
        self.kind: AuthKind = kind


class Rejected(PlatformError):
    def __init__(self, reason: str, *, code: str = "rejected") -> None:
        super().__init__(reason)
        self.code = code


class UnknownOutcome(PlatformError):
    code = "unknown_outcome"


# RFC 6749 §5.2: the refresh token (or code) is invalid, expired or revoked.
DEAD_GRANT_ERRORS = frozenset({"invalid_grant"})


def token_endpoint_error(
    who: str,
    status: int,
    error: str,
    description: str,
    *,
    refreshing: bool,
    dead: Collection[str] = DEAD_GRANT_ERRORS,
    after: float | None = None,
) -> PlatformError:
    """The one classification of an OAuth token endpoint's refusal, for every adapter.

    429 → RateLimited; 408 and 5xx → Retryable (never a disconnect). When exchanging a code,
    any other refusal ends this connect attempt (Rejected ``oauth_failed``). When refreshing,
    an error the platform uses for a dead grant (``dead``: ``invalid_grant`` plus the
    platform's own, as data in its adapter) is AuthExpired; ``invalid_client`` is the
    operator's app registration (Rejected ``oauth_client``: reconnecting would not help);
    anything else is RefreshRefused — retried a bounded number of times, then disconnected.
    """
    said = error or f"HTTP {status}"
    what = "refresh the access token" if refreshing else "exchange the authorization code"
    reason = f"{who} refused to {what}: {said}" + (f" ({description})" if description else "")
    if status == 429:
        return RateLimited(reason, after=after)
    if status >= 500 or status == 408:
        return Retryable(f"{who} is unavailable (HTTP {status}); {reason}")
    if error == "invalid_client":
        return Rejected(
            f"{reason}. The operator should check this server's {who} client id and secret.",
            code="oauth_client",
        )
    if not refreshing:
        return Rejected(reason + "; start the connection again", code="oauth_failed")
    if error in dead:
        expired = "expired" in description.lower() and "revoked" not in description.lower()
        return AuthExpired(reason, kind="expired" if expired else "revoked")
    return RefreshRefused(f"{reason} (HTTP {status})")
