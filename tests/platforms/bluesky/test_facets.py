"""Facet detection and byte offsets, and image sizes read from file headers (pure functions)."""

from __future__ import annotations

import struct

from tests.fakes.media_files import FILES

from lowtato.platforms.bluesky import facets
from lowtato.platforms.bluesky.media import image_size


def _shown(text: str) -> list[tuple[str, str, str]]:
    data = text.encode("utf-8")
    return [
        (s.kind, data[s.byte_start : s.byte_end].decode("utf-8"), s.value)
        for s in facets.detect(text)
    ]


def test_offsets_are_utf8_bytes_after_emoji_and_accents() -> None:
    text = "Olá 👨‍👩‍👧 café — https://example.com/a?b=1. @bob.example.com #Tag"
    spans = facets.detect(text)
    # "Olá " is 5 bytes, the family emoji 18, " café — " 11: the link starts at byte 34, not
    # at its str index 17.
    assert spans[0].byte_start == 34 == len("Olá 👨‍👩‍👧 café — ".encode())
    assert _shown(text) == [
        ("link", "https://example.com/a?b=1", "https://example.com/a?b=1"),
        ("mention", "@bob.example.com", "bob.example.com"),
        ("tag", "#Tag", "Tag"),
    ]


def test_detection_rules_of_the_official_client() -> None:
    text = (
        "see (example.org/x) and word,x.com/y, mail e@mail.com, #123 #日本語! #️⃣ "
        "@Carol.Example.COM. @nodot @bob_x ＃full"
    )
    assert _shown(text) == [
        ("link", "example.org/x", "https://example.org/x"),
        ("tag", "#日本語", "日本語"),
        ("mention", "@Carol.Example.COM", "carol.example.com"),
        ("tag", "＃full", "full"),
    ]


def test_no_facet_cuts_a_grapheme_and_overlaps_are_dropped() -> None:
    # A combining accent right after the handle would make the facet end mid-character.
    assert facets.detect("@bob.example.com\u0301 hi") == []
    # The "#frag" inside a URL is part of the link, not a hashtag.
    assert [s.kind for s in facets.detect("https://a.example/#frag")] == ["link"]


def test_unresolved_mentions_are_left_out_of_the_record() -> None:
    spans = facets.detect("hi @bob.example.com and @eve.example.com https://x.com")
    built = facets.to_facets(spans, {"bob.example.com": "did:plc:bob"})
    assert [f["features"][0] for f in built] == [
        {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"},
        {"$type": "app.bsky.richtext.facet#link", "uri": "https://x.com"},
    ]
    assert all(f["$type"] == "app.bsky.richtext.facet" for f in built)
    assert facets.first_link(spans) == "https://x.com"


def test_long_tags_are_not_tags() -> None:
    assert facets.detect("#" + "a" * 65) == []
    assert [s.value for s in facets.detect("#" + "a" * 64)] == ["a" * 64]


def test_image_sizes_from_headers() -> None:
    assert image_size(FILES["cat.png"][1], "image/png") == (4, 3)
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 480, 640, 3) + b"\x00" * 3
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00" + b"\x00" * 9
    assert image_size(b"\xff\xd8" + app0 + frame + b"\xff\xd9", "image/jpeg") == (640, 480)
    assert image_size(b"GIF89a\x02\x00\x05\x00", "image/gif") == (2, 5)
    # No frame header before the end of the image: size unknown, no aspectRatio sent.
    assert image_size(b"\xff\xd8" + app0 + b"\xff\xd9", "image/jpeg") is None
    assert image_size(b"RIFF....WEBP", "image/webp") is None
