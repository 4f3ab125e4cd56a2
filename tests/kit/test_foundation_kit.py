"""ids, clock and the encryption key ring."""

from __future__ import annotations

from datetime import UTC, datetime
from unittest.mock import patch

import pytest

from lowtato.config import new_key_material
from lowtato.kit import clock
from lowtato.kit.crypto import DecryptionError, KeyRing
from lowtato.kit.ids import new_id, new_request_id


def test_ids_are_prefixed_unique_and_time_sortable() -> None:
    ids = [new_id("post", at_ms=1_700_000_000_000 + i) for i in range(1000)]
    assert all(i.startswith("post_") and len(i) == 31 for i in ids)
    assert ids == sorted(ids)
    assert len({new_id("acc") for _ in range(10_000)}) == 10_000
    with pytest.raises(ValueError, match="unknown id prefix"):
        new_id("nope")


def _crockford(value: int, digits: int) -> str:
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    return "".join(alphabet[(value >> 5 * i) & 31] for i in reversed(range(digits)))


@pytest.mark.parametrize(
    ("ms", "rand"),
    [(0, 0), (1_700_000_000_000, 1), (2**48 - 1, 2**80 - 1), (1_733_500_000_123, 0x5A5A5A << 50)],
)
def test_ids_are_milliseconds_then_random_bits_in_crockford_base32(ms: int, rand: int) -> None:
    made = new_id("post", at_ms=ms)
    assert made[5:15] == _crockford(ms, 10)  # the ULID layout: 10 digits of time, 16 random
    with patch("secrets.randbits", return_value=rand):
        assert new_id("post", at_ms=ms) == f"post_{_crockford(ms, 10)}{_crockford(rand, 16)}"
    with (
        patch("random.getrandbits", return_value=rand),
        patch("time.time_ns", return_value=ms * 10**6),
    ):
        assert new_request_id() == f"req_{_crockford(ms, 10)}{_crockford(rand, 16)}"


def test_frozen_clock() -> None:
    frozen = clock.FrozenClock(datetime(2026, 3, 8, 6, 59, tzinfo=UTC))
    with clock.use_clock(frozen):
        assert clock.now() == datetime(2026, 3, 8, 6, 59, tzinfo=UTC)
        frozen.advance(60)
        assert clock.iso(clock.now()) == "2026-03-08T07:00:00Z"
    assert clock.now() != frozen.now()


def test_keyring_binds_ciphertext_to_its_row() -> None:
    ring = KeyRing([bytes(32)])
    token = ring.encrypt("oauth-secret", aad="social_accounts.access_token:acc_1")
    assert "oauth-secret" not in token
    assert ring.decrypt(token, aad="social_accounts.access_token:acc_1") == "oauth-secret"
    with pytest.raises(DecryptionError):
        ring.decrypt(token, aad="social_accounts.access_token:acc_2")
    tampered = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    with pytest.raises(DecryptionError):
        ring.decrypt(tampered, aad="social_accounts.access_token:acc_1")


def test_keyring_rotation() -> None:
    import base64  # noqa: PLC0415

    old, new = (base64.urlsafe_b64decode(new_key_material() + "=") for _ in range(2))
    token = KeyRing([old]).encrypt("t", aad="a")
    ring = KeyRing([new, old])
    assert ring.needs_rotation(token)
    rotated = ring.rotate(token, aad="a")
    assert not ring.needs_rotation(rotated)
    assert KeyRing([new]).decrypt(rotated, aad="a") == "t"
    with pytest.raises(DecryptionError):
        KeyRing([old]).decrypt(rotated, aad="a")


def test_ids_from_one_process_are_strictly_increasing() -> None:
    ids = [new_id("evt") for _ in range(5000)]
    assert ids == sorted(ids) and len(set(ids)) == 5000
