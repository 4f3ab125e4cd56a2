"""The SDK's exceptions, one per error code of the API's envelope
``{"error": {"code", "message", "details"?}}``.

LowtatoError
 ├── APIConnectionError            no answer (connection refused, reset, timed out)
 ├── AuthenticationError           401 unauthorized
 ├── PaymentRequiredError          402 payment_required
 │    ├── ApiAccessNotInPlanError  402 api_access_not_in_plan
 │    └── InsufficientCreditsError 402 insufficient_credits (.balance, .required)
 ├── ForbiddenError                403 forbidden
 │    └── MissingScopeError        403 missing_scope
 ├── NotFoundError                 404 not_found
 ├── ValidationError               400 validation_error, invalid_json, platform_unavailable
 ├── ConflictError                 409 conflict
 │    └── IdempotencyKeyInUseError 409 idempotency_key_in_use
 ├── IdempotencyKeyReusedError     422 idempotency_key_reused
 ├── PayloadTooLargeError          413 payload_too_large
 ├── UnsupportedMediaTypeError     415 unsupported_media_type
 ├── RateLimitError                429 rate_limited (.retry_after)
 ├── ProviderError                 502 ai_provider_error
 ├── ServiceUnavailableError       503 service_unavailable
 ├── InternalServerError           500 internal_error (and any other 5xx)
 └── PublishFailedError            publish answered 200 with status "failed" (opt-in)

An unknown code falls back to the class for its HTTP status, so a server newer than the SDK
still raises something a caller can catch.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx


class LowtatoError(Exception):
    """Any error from the API or from reaching it."""

    status_for: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        details: Any = None,
        request_id: str | None = None,
        headers: httpx.Headers | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.request_id = request_id
        self.headers = headers if headers is not None else httpx.Headers()


class APIConnectionError(LowtatoError):
    """The API gave no answer (after the retries the request allowed)."""


class AuthenticationError(LowtatoError):
    status_for = 401


class PaymentRequiredError(LowtatoError):
    status_for = 402


class ApiAccessNotInPlanError(PaymentRequiredError):
    pass


class InsufficientCreditsError(PaymentRequiredError):
    @property
    def balance(self) -> float | None:
        return _detail_number(self.details, "balance")

    @property
    def required(self) -> float | None:
        return _detail_number(self.details, "required")


class ForbiddenError(LowtatoError):
    status_for = 403


class MissingScopeError(ForbiddenError):
    pass


class NotFoundError(LowtatoError):
    status_for = 404


class ValidationError(LowtatoError):
    status_for = 400


class ConflictError(LowtatoError):
    status_for = 409


class IdempotencyKeyInUseError(ConflictError):
    pass


class IdempotencyKeyReusedError(LowtatoError):
    status_for = 422


class PayloadTooLargeError(LowtatoError):
    status_for = 413


class UnsupportedMediaTypeError(LowtatoError):
    status_for = 415


class RateLimitError(LowtatoError):
    status_for = 429

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers)


class ProviderError(LowtatoError):
    status_for = 502


class ServiceUnavailableError(LowtatoError):
    status_for = 503


class InternalServerError(LowtatoError):
    status_for = 500


class PublishFailedError(LowtatoError):
    """``posts.publish(..., raise_on_failure=True)`` found the post ``failed``; ``.post`` is
    the answer (``error_code`` says whether publishing again is safe)."""

    def __init__(self, post: Any) -> None:
        code = getattr(post, "error_code", None) or "publish_failed"
        message = getattr(post, "error_message", None) or "The platform did not publish the post."
        super().__init__(message, status=200, code=code)
        self.post = post


_BY_CODE: dict[str, type[LowtatoError]] = {
    "unauthorized": AuthenticationError,
    "payment_required": PaymentRequiredError,
    "api_access_not_in_plan": ApiAccessNotInPlanError,
    "insufficient_credits": InsufficientCreditsError,
    "forbidden": ForbiddenError,
    "missing_scope": MissingScopeError,
    "not_found": NotFoundError,
    "validation_error": ValidationError,
    "invalid_json": ValidationError,
    "platform_unavailable": ValidationError,
    "conflict": ConflictError,
    "idempotency_key_in_use": IdempotencyKeyInUseError,
    "idempotency_key_reused": IdempotencyKeyReusedError,
    "payload_too_large": PayloadTooLargeError,
    "unsupported_media_type": UnsupportedMediaTypeError,
    "rate_limited": RateLimitError,
    "ai_provider_error": ProviderError,
    "service_unavailable": ServiceUnavailableError,
    "internal_error": InternalServerError,
}

_BY_STATUS: dict[int, type[LowtatoError]] = {
    cls.status_for: cls
    for cls in (
        AuthenticationError,
        PaymentRequiredError,
        ForbiddenError,
        NotFoundError,
        ValidationError,
        ConflictError,
        IdempotencyKeyReusedError,
        PayloadTooLargeError,
        UnsupportedMediaTypeError,
        RateLimitError,
        ProviderError,
        ServiceUnavailableError,
        InternalServerError,
    )
    if cls.status_for is not None
}


def error_from_response(response: httpx.Response) -> LowtatoError:
    """The exception for an error answer: by its code, else by its status."""
    code: str | None = None
    message = response.reason_phrase or f"HTTP {response.status_code}"
    details: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or "") or None
        message = str(error.get("message") or message)
        details = error.get("details")
    elif isinstance(error, str):  # the contract's second form: {"error": "description"}
        message = error
    cls = _BY_CODE.get(code or "")
    if cls is None:
        status = response.status_code
        cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else LowtatoError)
    return cls(
        message,
        status=response.status_code,
        code=code,
        details=details,
        request_id=response.headers.get("x-request-id"),
        headers=response.headers,
    )


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """``Retry-After`` in seconds (the API sends seconds; an HTTP date is not used)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _detail_number(details: Any, name: str) -> float | None:
    value = details.get(name) if isinstance(details, dict) else None
    return float(value) if isinstance(value, int | float) else None
