"""The image decode guard bounds memory, not just pixels: an upload's full decode costs its
pixel count times the bytes Pillow keeps per pixel (4 for RGB, 1 for a palette), and one over
LOWTATO_MEDIA_MAX_DECODE_BYTES is a 400 before any pixel is decoded. JPEGs are decoded at 1/8
scale, so they cost 1/64 of their pixels."""

from __future__ import annotations

import io

import httpx
from PIL import Image
from tests.api import error
from tests.conftest import AppFactory, Owner, client_for
from tests.media.files import bomb_png, upload_multipart

BUDGET = 1024 * 1024


def _png(mode: str, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG")
    return out.getvalue()


async def test_an_image_over_the_decode_budget_is_400(
    app_factory: AppFactory, owner: Owner
) -> None:
    app = await app_factory(media_max_decode_bytes=BUDGET)
    async with client_for(app) as client:
        # 600 x 600 RGB: 360,000 pixels x 4 bytes = 1,440,000 bytes decoded.
        over = await upload_multipart(client, owner, "big.png", _png("RGB", (600, 600)))
        assert over.status_code == 400, over.text
        body = error(over)
        assert body["details"][0]["field"] == "file"
        assert "1440000 bytes" in body["message"]
        assert "LOWTATO_MEDIA_MAX_DECODE_BYTES" in body["message"]
        # The same pixels as a palette image take one byte each: within the budget.
        palette = await upload_multipart(client, owner, "p.png", _png("P", (600, 600)))
        assert palette.status_code == 201, palette.text
        # 500 x 500 RGB = 1,000,000 bytes: within.
        fits = await upload_multipart(client, owner, "ok.png", _png("RGB", (500, 500)))
        assert fits.status_code == 201, fits.text
        assert (fits.json()["width"], fits.json()["height"]) == (500, 500)
        # A 2000 x 2000 JPEG is decoded at 250 x 250.
        jpeg = await upload_multipart(client, owner, "photo.jpg", _jpeg((2000, 2000)))
        assert jpeg.status_code == 201, jpeg.text
        assert jpeg.json()["width"] == 2000


async def test_the_default_budget_is_checked_from_the_header_before_decoding(
    client: httpx.AsyncClient, owner: Owner
) -> None:
    # The header claims 6000 x 6000 RGB (144,000,000 bytes decoded, over the default 128 MiB);
    # the pixel data is missing, so only a decode attempt would notice anything else.
    response = await upload_multipart(client, owner, "wide.png", bomb_png(6000, 6000))
    assert response.status_code == 400, response.text
    assert "144000000 bytes" in error(response)["message"]
