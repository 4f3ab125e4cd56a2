"""The one error tree of the API. Every error leaves as ``{"error": {code, message, details?}}``.

    LowtatoError (status, code)
    ├── BadRequest 400 ─────────── ValidationFailed "validation_error", InvalidJSON "invalid_json",
    │                             PlatformUnavailable "platform_unavailable"
    ├── Unauthorized 401 "unauthorized"
    ├── PaymentRequired 402 "payment_required"
    │     ├── ApiAccessNotInPlan "api_access_not_in_plan"
    │     └── InsufficientCredits "insufficient_credits"
    ├── Forbidden 403 "forbidden" ─ MissingScope "missing_scope"
    ├── NotFound 404 "not_found"
    ├── MethodNotAllowed 405 "method_not_allowed"
    ├── Conflict 409 "conflict" ─── IdempotencyKeyInUse "idempotency_key_in_use"
    ├── IdempotencyKeyReused 422 "idempotency_key_reused"
    ├── PayloadTooLarge 413 "payload_too_large"
    ├── UnsupportedMediaType 415 "unsupported_media_type"
    ├── RateLimited 429 "rate_limited"
    ├── UpstreamFailed 502 "ai_provider_error" (credits the call took are refunded)
    ├── ServiceUnavailable 503 "service_unavailable"
    └── InternalError 500 "internal_error" (a bug; never carries a stack trace)

Another owner's object is always ``NotFound``, never ``Forbidden``.
"""

from __future__ import annotations

from typing import Any, ClassVar


class LowtatoError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    default_message: ClassVar[str] = "Something went wrong on our side."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            error["details"] = self.details
        return {"error": error}


class BadRequest(LowtatoError):
    status = 400
    code = "validation_error"
    default_message = "The request is not valid."


class ValidationFailed(BadRequest):
    """``details`` is a list of ``{"field": path, "message": why}``."""

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls(message, details=[{"field": field, "message": message}])

    @classmethod
    def fields(cls, problems: list[dict[str, str]], summary: str | None = None) -> ValidationFailed:
        message = summary or "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return cls(message, details=problems)


class InvalidJSON(BadRequest):
    code = "invalid_json"
    default_message = "The request body is not valid JSON."


class PlatformUnavailable(BadRequest):
    """A live key asked for a platform this build has no live adapter for. ``details`` names
    the platform and the platforms that do work live."""

    code = "platform_unavailable"

    def __init__(self, platform: str, live_platforms: list[str]) -> None:
        working = ", ".join(live_platforms) or "none"
        super().__init__(
            f"{platform} is not available with a live key in this Lowtato build: it cannot "
            f"publish to {platform} yet. Live keys work with: {working}. Use a test-mode key "
            f"(lt_test_…) to try {platform} on the sandbox network.",
            details={"platform": platform, "live_platforms": live_platforms},
        )


class Unauthorized(LowtatoError):
    status = 401
    code = "unauthorized"
    default_message = (
        "Missing or invalid API key. Send it as 'x-api-key: lt_live_…' or "
        "'Authorization: Bearer lt_live_…'; create one with 'lowtato keys create'."
    )


class PaymentRequired(LowtatoError):
    status = 402
    code = "payment_required"
    default_message = "This needs a higher plan."


class ApiAccessNotInPlan(PaymentRequired):
    code = "api_access_not_in_plan"
    default_message = "API access requires a paid plan (Starter or higher). Upgrade to use the API."


class InsufficientCredits(PaymentRequired):
    code = "insufficient_credits"
    default_message = "Not enough credits for this operation."


class Forbidden(LowtatoError):
    status = 403
    code = "forbidden"
    default_message = "This key may not do that."


class MissingScope(Forbidden):
    code = "missing_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(
            f"This API key lacks the '{scope}' scope. Create a key with that scope "
            "or one with no scopes (full access).",
            details={"required_scope": scope},
        )


class NotFound(LowtatoError):
    status = 404
    code = "not_found"
    default_message = "Not found."

    @classmethod
    def of(cls, kind: str, ident: str) -> NotFound:
        return cls(f"No {kind} with id '{ident}' exists for this API key.")


class MethodNotAllowed(LowtatoError):
    status = 405
    code = "method_not_allowed"
    default_message = "This method is not allowed on this path."


class Conflict(LowtatoError):
    status = 409
    code = "conflict"
    default_message = "The request conflicts with the current state of the resource."


class IdempotencyKeyInUse(Conflict):
    code = "idempotency_key_in_use"
    default_message = (
        "A request with this Idempotency-Key is still being processed. Retry after it finishes."
    )


class IdempotencyKeyReused(LowtatoError):
    status = 422
    code = "idempotency_key_reused"
    default_message = (
        "This Idempotency-Key was already used with a different request body. "
        "Use a new key for a different request."
    )


class PayloadTooLarge(LowtatoError):
    status = 413
    code = "payload_too_large"
    default_message = "The request body is too large."


class UnsupportedMediaType(LowtatoError):
    status = 415
    code = "unsupported_media_type"
    default_message = "Unsupported media type."


class RateLimited(LowtatoError):
    status = 429
    code = "rate_limited"

    def __init__(self, retry_after: int, headers: dict[str, str]) -> None:
        super().__init__(
            f"Rate limit exceeded. Retry after {retry_after} seconds.",
            details={"retry_after": retry_after},
            headers={**headers, "Retry-After": str(retry_after)},
        )
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        # The contract's second error form reads a top-level retryAfter; carry both.
        return {**super().body(), "retryAfter": self.retry_after}


class UpstreamFailed(LowtatoError):
    """An AI provider (or another service we call on the caller's behalf) gave no usable
    answer; any credits the call took are refunded."""

    status = 502
    code = "ai_provider_error"
    default_message = "The AI provider did not answer usefully; no credits were spent."


class ServiceUnavailable(LowtatoError):
    status = 503
    code = "service_unavailable"
    default_message = "A dependency is unavailable; retry shortly."


class InternalError(LowtatoError):
    pass
