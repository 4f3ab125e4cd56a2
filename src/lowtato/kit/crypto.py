"""Secrets at rest: AES-256-GCM under a key ring, bound to the row they belong to.

Layout of a ciphertext (url-safe base64 text): ``v1.<key id>.<nonce+ciphertext>``. The key id
is the first 8 hex chars of SHA-256(key) so decryption picks the right key without trying all.
The associated data names the row (e.g. ``social_accounts.access_token:acc_…``), so a
ciphertext copied into another row fails to decrypt instead of impersonating it.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class DecryptionError(Exception):
    """Wrong key ring, tampered ciphertext, or a ciphertext moved to another row."""


def _key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


class KeyRing:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            msg = "a key ring needs at least one key"
            raise ValueError(msg)
        self._primary = keys[0]
        self._by_id = {_key_id(k): AESGCM(k) for k in keys}
        self.primary_id = _key_id(keys[0])
        # Every key's id, first (encrypting) key first: safe to show, it is in ciphertexts.
        self.key_ids = list(self._by_id)

    def encrypt(self, plaintext: str, *, aad: str) -> str:
        nonce = os.urandom(12)
        sealed = self._by_id[self.primary_id].encrypt(nonce, plaintext.encode(), aad.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"v1.{self.primary_id}.{body}"

    def decrypt(self, token: str, *, aad: str) -> str:
        try:
            version, key_id, body = token.split(".", 2)
            if version != "v1":
                raise DecryptionError("unknown ciphertext version")
            aead = self._by_id[key_id]
            raw = base64.urlsafe_b64decode(body)
            return aead.decrypt(raw[:12], raw[12:], aad.encode()).decode()
        except (ValueError, KeyError, InvalidTag) as exc:
            raise DecryptionError(str(exc) or type(exc).__name__) from exc

    def needs_rotation(self, token: str) -> bool:
        return not token.startswith(f"v1.{self.primary_id}.")

    def rotate(self, token: str, *, aad: str) -> str:
        """Re-encrypt under the primary key (no-op result if already primary)."""
        if not self.needs_rotation(token):
            return token
        return self.encrypt(self.decrypt(token, aad=aad), aad=aad)
