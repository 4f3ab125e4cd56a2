"""``AsyncLowtato``: the API over ``httpx.AsyncClient``, with retries and idempotency keys.

``_sync_client.py`` is generated from this file by ``python -m lowtato.client._codegen``;
edit this one.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from lowtato.client import _shared
from lowtato.client._async_resources import (
    AsyncAccounts,
    AsyncAi,
    AsyncAnalytics,
    AsyncBilling,
    AsyncBrandKit,
    AsyncCredits,
    AsyncMarketplace,
    AsyncMedia,
    AsyncOnboarding,
    AsyncPlatforms,
    AsyncPosts,
    AsyncProfile,
    AsyncSchedules,
    AsyncSlots,
    AsyncSources,
    AsyncWebhooks,
)
from lowtato.client._errors import APIConnectionError, error_from_response
from lowtato.client._models import Health

M = TypeVar("M", bound=BaseModel)


class AsyncLowtato:
    """The Lowtato API. ``api_key`` defaults to ``$LOWTATO_API_KEY``, ``base_url`` to
    ``$LOWTATO_BASE_URL`` or http://127.0.0.1:8000. Pass ``http_client`` (or ``transport``)
    to bring your own ``httpx`` client, e.g. ``httpx.ASGITransport(app)`` in tests.

    Failed calls raise a ``LowtatoError`` subclass named after the API's error code. A 429 is
    retried after its ``Retry-After``; a 5xx or a lost answer is retried with exponential
    backoff only when sending again is safe (GET/PUT/DELETE, or a create carrying an
    ``Idempotency-Key`` — every create gets one, reused on each retry). ``max_retries=0``
    turns retries off.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = _shared.DEFAULT_TIMEOUT,
        max_retries: int = _shared.DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.api_key = _shared.resolve_api_key(api_key)
        self.base_url = _shared.resolve_base_url(base_url)
        self.max_retries = max(0, max_retries)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout, transport=transport)
        self._headers = _shared.default_headers(self.api_key)
        self.accounts = AsyncAccounts(self)
        self.posts = AsyncPosts(self)
        self.schedules = AsyncSchedules(self)
        self.slots = AsyncSlots(self)
        self.media = AsyncMedia(self)
        self.webhooks = AsyncWebhooks(self)
        self.profile = AsyncProfile(self)
        self.brand_kit = AsyncBrandKit(self)
        self.onboarding = AsyncOnboarding(self)
        self.credits = AsyncCredits(self)
        self.analytics = AsyncAnalytics(self)
        self.marketplace = AsyncMarketplace(self)
        self.billing = AsyncBilling(self)
        self.ai = AsyncAi(self)
        self.sources = AsyncSources(self)
        self.platforms = AsyncPlatforms(self)

    async def health(self) -> Health:
        """``GET /api/health`` (no key needed); a 503 (database down) raises
        ``ServiceUnavailableError``."""
        return await self.call(Health, "health")

    async def call(
        self,
        model: type[M],
        operation: str,
        *,
        path: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        idempotency_key: str | None = None,
    ) -> M:
        """Send one operation of ``_routes.ROUTES`` and parse its answer into ``model``."""
        request = _shared.prepare(
            self.base_url,
            operation,
            path=path,
            params=params,
            json=json,
            files=files,
            idempotency_key=idempotency_key,
        )
        response = await self._send(request)
        return model.model_validate(response.json())

    async def _send(self, request: _shared.Prepared) -> httpx.Response:
        attempt = 0
        while True:
            kwargs = request.send_kwargs()
            kwargs["headers"] = {**self._headers, **request.headers}
            try:
                response = await self._http.request(request.method, request.url, **kwargs)
            except httpx.TransportError as exc:
                delay = _shared.retry_delay(attempt, self.max_retries, request, None)
                if delay is None:
                    message = f"No answer from {request.method} {request.url}: {exc!r}"
                    raise APIConnectionError(message) from exc
            else:
                if response.is_success:
                    return response
                delay = _shared.retry_delay(attempt, self.max_retries, request, response)
                if delay is None:
                    raise error_from_response(response)
            attempt += 1
            await asyncio.sleep(delay)

    async def close(self) -> None:
        """Close the HTTP client (only one this client made itself)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncLowtato:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
