"""``Lowtato``: the API over ``httpx.Client``, with retries and idempotency keys.

Generated from ``_async_client.py`` by ``python -m lowtato.client._codegen``; do not
edit.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from lowtato.client import _shared
from lowtato.client._errors import APIConnectionError, error_from_response
from lowtato.client._models import Health
from lowtato.client._sync_resources import (
    Accounts,
    Ai,
    Analytics,
    Billing,
    BrandKit,
    Credits,
    Marketplace,
    Media,
    Onboarding,
    Platforms,
    Posts,
    Profile,
    Schedules,
    Slots,
    Sources,
    Webhooks,
)

M = TypeVar("M", bound=BaseModel)


class Lowtato:
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
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_key = _shared.resolve_api_key(api_key)
        self.base_url = _shared.resolve_base_url(base_url)
        self.max_retries = max(0, max_retries)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout, transport=transport)
        self._headers = _shared.default_headers(self.api_key)
        self.accounts = Accounts(self)
        self.posts = Posts(self)
        self.schedules = Schedules(self)
        self.slots = Slots(self)
        self.media = Media(self)
        self.webhooks = Webhooks(self)
        self.profile = Profile(self)
        self.brand_kit = BrandKit(self)
        self.onboarding = Onboarding(self)
        self.credits = Credits(self)
        self.analytics = Analytics(self)
        self.marketplace = Marketplace(self)
        self.billing = Billing(self)
        self.ai = Ai(self)
        self.sources = Sources(self)
        self.platforms = Platforms(self)

    def health(self) -> Health:
        """``GET /api/health`` (no key needed); a 503 (database down) raises
        ``ServiceUnavailableError``."""
        return self.call(Health, "health")

    def call(
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
        response = self._send(request)
        return model.model_validate(response.json())

    def _send(self, request: _shared.Prepared) -> httpx.Response:
        attempt = 0
        while True:
            kwargs = request.send_kwargs()
            kwargs["headers"] = {**self._headers, **request.headers}
            try:
                response = self._http.request(request.method, request.url, **kwargs)
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
            time.sleep(delay)

    def close(self) -> None:
        """Close the HTTP client (only one this client made itself)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Lowtato:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
