"""Standard Webhooks signing (https://www.standardwebhooks.com, symmetric ``v1`` scheme).

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}`` over the exact body bytes
sent; the signature is ``v1,`` + base64(HMAC-SHA256(secret bytes, content)). Secrets are
``whsec_`` + base64 of 32 random bytes (the spec asks for 24-64). During a secret rotation the
``webhook-signature`` header carries one signature per secret, space-separated, so a receiver
holding either secret verifies.

Signing is a few lines of the standard library; the reference ``standardwebhooks`` package is
what the tests verify against, so it stays a test dependency instead of a runtime one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - the public prefix of every secret, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``body`` sent as ``msg_id`` at ``timestamp``."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret in ``secrets_``."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets_),
    }
