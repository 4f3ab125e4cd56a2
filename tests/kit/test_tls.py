"""Outbound clients share one trust store (kit/tls.py): loading certifi's bundle costs about
25 ms of CPU, and a guarded client is made for every fetch of a user's URL."""

from __future__ import annotations

import ssl

import httpx
import pytest

from lowtato.kit import tls
from lowtato.kit.guarded_http import guarded_client, guarded_httpx_client


async def test_many_guarded_clients_load_the_trust_store_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[ssl.SSLContext] = []
    create = httpx.create_ssl_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = create(*args, **kwargs)  # type: ignore[arg-type]
        built.append(context)
        return context

    monkeypatch.setattr(httpx, "create_ssl_context", counting)
    tls.trust_store.cache_clear()
    try:
        for _ in range(3):
            async with guarded_client(allow_private=True):
                pass
            await guarded_httpx_client(allow_private=True).aclose()
    finally:
        tls.trust_store.cache_clear()  # later tests build the real one again
    assert len(built) == 1
