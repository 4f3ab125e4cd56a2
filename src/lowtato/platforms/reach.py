"""Whether a platform that downloads media itself (Instagram's crawler) can reach a URL.

Only what is certain without a DNS lookup is judged: a loopback, private, link-local or
otherwise non-global IP literal, ``localhost``, a single-label name, or a name under a
suffix reserved for local networks (RFC 6761/6762, ``.internal``). Anything else may be
public. ``LOWTATO_ALLOW_PRIVATE_URLS`` (local testing, with the platform's fake on this
machine) lifts the check.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".test")


def private_host(url: str) -> str | None:
    """The URL's host when the public internet cannot reach it, else None."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return url
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES):
            return host
        return None
    return None if address.is_global else host


def unreachable_advice(platform: str, url: str, host: str) -> str:
    return (
        f"{platform} downloads each media file from its URL, and {url} is on {host}, which "
        f"{platform} cannot reach from the internet. Use public media URLs; for files uploaded "
        "here, set LOWTATO_PUBLIC_URL to this server's public https address."
    )
