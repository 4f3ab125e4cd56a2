"""One trust store per process for every outbound HTTPS client.

``httpx`` builds a fresh ``ssl.SSLContext`` for each client it makes, loading certifi's CA
bundle each time: about 25 ms of CPU. The guarded client is made per fetch (a post's media
URL, a webhook delivery), and every started app makes two, so that cost was paid over and
over (docs/performance.md). An ``SSLContext`` is meant to be shared: connections only read it
(httpcore sets the same ALPN list, HTTP/1.1, on each connect).
"""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def trust_store() -> ssl.SSLContext:
    """httpx's default context (certifi's bundle, hostname checks), built once."""
    return httpx.create_ssl_context()
