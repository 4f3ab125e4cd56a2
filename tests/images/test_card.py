"""The built-in card renderer through the API: sizes, brand colour, readable text, the same
bytes for the same input, and prompts it cannot fully draw."""

from __future__ import annotations

import httpx
import pytest
from PIL import Image
from tests.conftest import Owner
from tests.images.helpers import dominant, fetch, make_image

from lowtato.images import card
from lowtato.images.sizes import Size

SIZES = {
    "instagram": (1080, 1350),
    "twitter": (1600, 900),
    "linkedin": (1200, 627),
    "facebook": (1200, 630),
    "pinterest": (1000, 1500),
    "tiktok": (1080, 1920),
    "youtube": (1280, 720),
    "threads": (1080, 1350),
    "bluesky": (1200, 675),
    None: (1080, 1080),
}


@pytest.mark.parametrize(("platform", "expected"), SIZES.items())
async def test_the_platform_decides_the_size(
    client: httpx.AsyncClient, owner: Owner, platform: str | None, expected: tuple[int, int]
) -> None:
    body = {"prompt": "Fresh bread at dawn"} | ({"platform": platform} if platform else {})
    response = await make_image(client, owner, **body)
    assert response.status_code == 201, response.text
    out = response.json()
    assert (out["width"], out["height"]) == expected
    assert out["kind"] == "card" and out["provider"] == "builtin"
    assert out["mime_type"] == "image/png" and out["credits_used"] == 2.0
    data, image = await fetch(client, out["url"])
    assert image.format == "PNG" and image.size == expected and out["size"] == len(data)


async def test_an_explicit_size_wins(client: httpx.AsyncClient, owner: Owner) -> None:
    response = await make_image(
        client, owner, prompt="Launch day", platform="instagram", size="1920x1080"
    )
    assert response.status_code == 201, response.text
    _, image = await fetch(client, response.json()["url"])
    assert image.size == (1920, 1080)


def _ink(image: Image.Image, background: tuple[int, int, int]) -> tuple[int, int, int]:
    """The text colour: of the colours covering a real area (glyph cores, not anti-aliased
    edges), the one furthest from the background."""
    colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    solid = [rgb for count, rgb in colours if count > 2000 and rgb != background]
    return max(solid, key=lambda rgb: card.contrast_ratio(rgb, background))


@pytest.mark.parametrize(
    ("colour", "background", "ink"),
    [
        ("#8FE000", (0x8F, 0xE0, 0x00), (0, 0, 0)),  # a light brand colour: black text
        ("#1A237E", (0x1A, 0x23, 0x7E), (255, 255, 255)),  # a dark one: white text
        ("#777777", (0x77, 0x77, 0x77), (0, 0, 0)),  # mid grey: still 4.5:1 or better
        (None, (0x1E, 0x29, 0x3B), (255, 255, 255)),  # no brand colour: a neutral slate
    ],
)
async def test_brand_colour_background_and_readable_text(
    client: httpx.AsyncClient,
    owner: Owner,
    colour: str | None,
    background: tuple[int, int, int],
    ink: tuple[int, int, int],
) -> None:
    kit = {"brand_color": colour, "brand_name": "Acme Bakery", "website": "https://acme.example"}
    put = await client.put("/api/v1/brand-kit", headers=owner.headers, json=kit)
    assert put.status_code == 200, put.text
    response = await make_image(client, owner, prompt="Sourdough every morning at seven")
    assert response.status_code == 201, response.text
    _, image = await fetch(client, response.json()["url"])
    assert dominant(image) == background
    assert _ink(image, background) == ink
    assert card.contrast_ratio(ink, background) >= 4.5


async def test_the_same_input_gives_the_same_bytes(client: httpx.AsyncClient, owner: Owner) -> None:
    first = (await make_image(client, owner, prompt="Open late on Fridays")).json()
    again = (await make_image(client, owner, prompt="Open late on Fridays")).json()
    other = (await make_image(client, owner, prompt="Open late on Saturdays")).json()
    assert first["id"] != again["id"]  # two media items ...
    first_bytes, _ = await fetch(client, first["url"])
    assert (await fetch(client, again["url"]))[0] == first_bytes  # ... with the same picture
    assert (await fetch(client, other["url"]))[0] != first_bytes


async def test_a_very_long_prompt_still_renders(client: httpx.AsyncClient, owner: Owner) -> None:
    prompt = ("An unusually verbose announcement about our seasonal menu " * 20)[:1000]
    response = await make_image(client, owner, prompt=prompt, platform="linkedin")
    assert response.status_code == 201, response.text
    _, image = await fetch(client, response.json()["url"])
    assert image.size == (1200, 627)


def test_text_that_cannot_fit_ends_with_an_ellipsis_after_a_whole_word() -> None:
    fonts = card.Fonts()
    words = " ".join(f"word{i}" for i in range(600))
    font, lines = card.fit_text(words, fonts, card.BOLD, Size(1000, 400), (20, 100))
    assert font.size == 20  # the smallest size, and it still overflows
    assert lines[-1].endswith("…")
    last_word = lines[-1].removesuffix("…").split(" ")[-1]
    assert last_word in words.split(" ")  # cut between words, not inside one
    assert len(lines) * 20 <= 400 and all(font.getlength(line) <= 1000 for line in lines)


def test_short_text_gets_the_largest_size_that_fits() -> None:
    fonts = card.Fonts()
    font, lines = card.fit_text("Hello", fonts, card.BOLD, Size(1000, 1000), (20, 100))
    assert font.size == 100 and lines == ["Hello"]
    font, lines = card.fit_text("Hello " * 40, fonts, card.BOLD, Size(1000, 1000), (20, 100))
    assert 20 < font.size < 100 and len(lines) > 1


@pytest.mark.parametrize(
    "prompt",
    [
        "新しいパンが焼けました 🍞🥐",
        "👨‍👩‍👧‍👦🏳️‍🌈",
        "Café — ¡nuevo menú! 😀 Ελληνικά Кириллица",
        "\u0301\u200d",
    ],
)
async def test_emoji_and_cjk_do_not_break_it(
    client: httpx.AsyncClient, owner: Owner, prompt: str
) -> None:
    put = await client.put(
        "/api/v1/brand-kit", headers=owner.headers, json={"brand_name": "東京ベーカリー"}
    )
    assert put.status_code == 200, put.text
    response = await make_image(client, owner, prompt=prompt, platform="bluesky")
    assert response.status_code == 201, response.text
    _, image = await fetch(client, response.json()["url"])
    assert image.size == (1200, 675)


def test_wcag_contrast_figures() -> None:
    assert card.contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert card.contrast_ratio((0x77, 0x77, 0x77), (255, 255, 255)) == pytest.approx(4.48, 0.01)
    for grey in range(256):  # the worst background still gets 4.5:1 from white or black
        rgb = (grey, grey, grey)
        assert card.contrast_ratio(card.text_colour(rgb), rgb) >= 4.5
