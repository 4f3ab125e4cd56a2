"""The Python SDK for the Lowtato API.

    from lowtato.client import Lowtato

    with Lowtato(api_key="lt_test_…", base_url="http://127.0.0.1:8000") as lt:
        account = lt.accounts.list().accounts[0]
        post = lt.posts.create(account.id, "Hello from Lowtato")
        lt.posts.publish(post.id)

``AsyncLowtato`` is the same API for ``asyncio``. This package depends only on ``httpx``,
``pydantic`` and the standard library, never on the server's code (an import-linter
contract checks it).
"""

from lowtato.client._async_client import AsyncLowtato
from lowtato.client._errors import (
    ApiAccessNotInPlanError,
    APIConnectionError,
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    InsufficientCreditsError,
    InternalServerError,
    LowtatoError,
    MissingScopeError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    ProviderError,
    PublishFailedError,
    RateLimitError,
    ServiceUnavailableError,
    UnsupportedMediaTypeError,
    ValidationError,
)
from lowtato.client._sync_client import Lowtato

__all__ = [
    "APIConnectionError",
    "ApiAccessNotInPlanError",
    "AsyncLowtato",
    "AuthenticationError",
    "ConflictError",
    "ForbiddenError",
    "IdempotencyKeyInUseError",
    "IdempotencyKeyReusedError",
    "InsufficientCreditsError",
    "InternalServerError",
    "Lowtato",
    "LowtatoError",
    "MissingScopeError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "ProviderError",
    "PublishFailedError",
    "RateLimitError",
    "ServiceUnavailableError",
    "UnsupportedMediaTypeError",
    "ValidationError",
]
