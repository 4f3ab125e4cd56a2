"""Abuse suite: each denial-of-service request found against the API, sent over and over by
one owner against a real server while another owner goes about ordinary reads and writes. The
attacker must get refused (or served) without stalling anyone else: the other owner's p99
latency during the attack stays under ``P99_BOUND`` (printed with ``-s``), and every one of
their requests succeeds.

Media-by-URL abuse (drip-fed downloads, compression bombs) is not part of this suite yet."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from tests.abuse.harness import P99_BOUND, Outcome, Server, connect, serving, under_abuse
from tests.conftest import Owner, OwnerFactory

MIB = 1024 * 1024


def _check(outcome: Outcome, name: str) -> None:
    print(outcome.report(name))
    assert outcome.started > 0
    assert set(outcome.statuses) <= {200, 201}, outcome.statuses
    assert outcome.p99 < P99_BOUND, outcome.report(name)


async def _owners(make_owner: OwnerFactory) -> tuple[Owner, Owner]:
    return await make_owner(email="attacker@example.com"), await make_owner(
        email="other@example.com"
    )


async def test_bulk_with_huge_platform_lists(
    make_owner: OwnerFactory, database_url: str, tmp_path: Path
) -> None:
    attacker, other = await _owners(make_owner)
    with serving(database_url, tmp_path) as server:
        await connect(server, attacker)
        other_account = await connect(server, other)
        # ~66 KB: one item naming twitter 6,000 times (6,000 posts before the cap).
        body = {"posts": [{"content": "spam", "platforms": ["twitter"] * 6000}]}

        async def attack(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post("/api/v1/posts/bulk", headers=attacker.headers, json=body)

        outcome = await under_abuse(server, other, other_account, attack)
    _check(outcome, "bulk platforms x 6000")
    assert set(outcome.attack_statuses) == {"400"}


async def test_huge_json_bodies(
    make_owner: OwnerFactory, database_url: str, tmp_path: Path
) -> None:
    attacker, other = await _owners(make_owner)
    with serving(database_url, tmp_path) as server:
        account = await connect(server, attacker)
        other_account = await connect(server, other)
        huge = json.dumps(
            {"post": {"accountId": account, "content": {"text": "x" * (30 * MIB)}}}
        ).encode()

        async def attack(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post(
                "/api/v1/posts",
                headers={**attacker.headers, "content-type": "application/json"},
                content=huge,
            )

        outcome = await under_abuse(server, other, other_account, attack, attackers=2)
    _check(outcome, "30 MB post text")
    assert set(outcome.attack_statuses) <= {"413", "WriteError", "RemoteProtocolError", "ReadError"}


async def test_texts_costly_to_count_within_the_body_limit(
    make_owner: OwnerFactory, database_url: str, tmp_path: Path
) -> None:
    attacker, other = await _owners(make_owner)
    with serving(database_url, tmp_path) as server:
        account = await connect(server, attacker)
        other_account = await connect(server, other)
        # Just under 1 MiB: 200,000 short URLs, each one a match for X's URL counting.
        body = {"post": {"accountId": account, "content": {"text": "a.co " * 200_000}}}
        assert len(json.dumps(body)) < MIB

        async def attack(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post("/api/v1/posts", headers=attacker.headers, json=body)

        outcome = await under_abuse(server, other, other_account, attack, attackers=2)
    _check(outcome, "1 MB of URLs to count")
    assert set(outcome.attack_statuses) == {"400"}


@pytest.mark.parametrize("route", ["create", "edit"])
async def test_longest_texts_under_the_cap_in_parallel(
    make_owner: OwnerFactory, database_url: str, tmp_path: Path, route: str
) -> None:
    # Just under the 100,000-character cap: costly for X's weighted count, and refused only
    # once counted. The count must not hold the database's write lock meanwhile.
    attacker, other = await _owners(make_owner)
    text = "a.co " * 19_999
    with serving(database_url, tmp_path) as server:
        account = await connect(server, attacker)
        other_account = await connect(server, other)
        body = {"post": {"accountId": account, "content": {"text": text}}}
        async with httpx.AsyncClient(base_url=server.base) as client:
            draft = await client.post(
                "/api/v1/posts",
                headers=attacker.headers,
                json={"post": {"accountId": account, "content": {"text": "a draft"}}},
            )
        draft_path = f"/api/v1/schedules/{draft.json()['id']}"

        async def attack(client: httpx.AsyncClient) -> httpx.Response:
            if route == "edit":
                edit = {"content_text": text}
                return await client.patch(draft_path, headers=attacker.headers, json=edit)
            return await client.post("/api/v1/posts", headers=attacker.headers, json=body)

        outcome = await under_abuse(server, other, other_account, attack)
    _check(outcome, f"100,000-character texts to count ({route})")
    assert set(outcome.attack_statuses) <= {"400"}


@pytest.mark.parametrize("urls", [4_000, 800])
async def test_bulk_of_texts_costly_to_count(
    make_owner: OwnerFactory, database_url: str, tmp_path: Path, urls: int
) -> None:
    # 50 posts in one request: one short valid post (a write), then 49 texts of 20,000 (or
    # 4,000) characters of short URLs (under 1 MiB in all), each refused only once counted.
    attacker, other = await _owners(make_owner)
    with serving(database_url, tmp_path) as server:
        await connect(server, attacker)
        other_account = await connect(server, other)
        items = [{"content": "fine", "platforms": ["twitter"]}]
        items += [{"content": "a.co " * urls, "platforms": ["twitter"]}] * 49
        body = {"posts": items}
        assert len(json.dumps(body)) < MIB

        async def attack(client: httpx.AsyncClient) -> httpx.Response:
            return await client.post("/api/v1/posts/bulk", headers=attacker.headers, json=body)

        outcome = await under_abuse(server, other, other_account, attack, attackers=2)
    _check(outcome, f"bulk of 49 costly texts of {urls * 5} characters")
    # Each takes seconds of the attacker's own time (49 counts), so few may be answered.
    assert set(outcome.attack_statuses) <= {"201"}


def _png_header_only(width: int, height: int) -> bytes:
    """An RGB PNG of ``width`` x ``height`` black pixels, compressed to almost nothing."""
    row = bytes(1 + 3 * width)  # filter byte + pixels
    squeeze = zlib.compressobj(9)
    data = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload)
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()


async def _upload_flood(server: Server, make_owner: OwnerFactory, png: bytes) -> Outcome:
    attacker, other = await _owners(make_owner)
    other_account = await connect(server, other)

    async def attack(client: httpx.AsyncClient) -> httpx.Response:
        files = {"file": ("huge.png", png, "image/png")}
        return await client.post("/api/v1/media/upload", headers=attacker.headers, files=files)

    return await under_abuse(server, other, other_account, attack, attackers=6)


async def test_parallel_uploads_of_images_that_decode_huge(
    make_owner: OwnerFactory, database_url: str, tmp_path: Path
) -> None:
    # 5,600 x 5,600 RGB: 31 megapixels, ~125 MB decoded (just within the decode budget), a
    # 100 KB upload. Six at a time would take 750 MB decoded at once.
    png = _png_header_only(5600, 5600)
    with serving(database_url, tmp_path) as server:
        before = server.peak_rss_bytes()
        outcome = await _upload_flood(server, make_owner, png)
        grown = server.peak_rss_bytes() - before
    _check(outcome, "parallel 31-megapixel PNG uploads")
    print(f"[abuse] server peak memory grew by {grown / MIB:.0f} MiB")
    assert "201" in outcome.attack_statuses
    # Two decodes at a time of at most 128 MiB each, plus the server's own working memory.
    assert grown < 400 * MIB


async def test_parallel_uploads_of_images_over_the_decode_budget(
    make_owner: OwnerFactory, database_url: str, tmp_path: Path
) -> None:
    # 88 megapixels (under the pixel guard): ~350 MB decoded, refused from the header.
    png = _png_header_only(9400, 9400)
    with serving(database_url, tmp_path) as server:
        before = server.peak_rss_bytes()
        outcome = await _upload_flood(server, make_owner, png)
        grown = server.peak_rss_bytes() - before
    _check(outcome, "parallel 88-megapixel PNG uploads")
    print(f"[abuse] server peak memory grew by {grown / MIB:.0f} MiB")
    assert set(outcome.attack_statuses) == {"400"}
    assert grown < 400 * MIB
