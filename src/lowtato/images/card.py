"""The built-in image: a branded text card, rendered with Pillow and the bundled DejaVu fonts.

It is honest about what it is — the prompt set as large as it fits on the brand colour, the
brand name and website in a footer — not a picture. Pure and synchronous (run it in a thread);
the same input gives the same bytes. Characters the font has no glyph for (most emoji, CJK)
are left out rather than drawn as boxes; nothing in the text can make it fail.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from lowtato.images.sizes import Size
from lowtato.kit.lazy import lazy_module

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont
else:
    Image = lazy_module("PIL.Image")
    ImageDraw = lazy_module("PIL.ImageDraw")
    ImageFont = lazy_module("PIL.ImageFont")

FONTS = Path(__file__).parent / "fonts"
REGULAR = "DejaVuSans.ttf"
BOLD = "DejaVuSans-Bold.ttf"
DEFAULT_BACKGROUND = "#1E293B"  # a neutral slate when the brand kit has no colour
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
ELLIPSIS = "…"
MISSING = "\U0010fffd"  # a private-use code point no font covers: its glyph is .notdef

RGB = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Card:
    text: str
    background: str | None = None  # "#RRGGBB"
    brand_name: str | None = None
    website: str | None = None


def hex_rgb(value: str) -> RGB:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def relative_luminance(rgb: RGB) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0 black … 1 white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGB, b: RGB) -> float:
    """WCAG contrast ratio, 1 … 21; text wants at least 4.5."""
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(background: RGB) -> RGB:
    """White or black, whichever contrasts more. One of them always reaches at least 4.58:1
    (the two ratios multiply to 21), so any brand colour gives readable text."""
    white, black = contrast_ratio(WHITE, background), contrast_ratio(BLACK, background)
    return WHITE if white >= black else BLACK


def _blend(a: RGB, b: RGB, amount: float) -> RGB:
    r, g, bl = (round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))
    return r, g, bl


@cache
def _font_bytes(name: str) -> bytes:
    return (FONTS / name).read_bytes()


class Fonts:
    """Font objects for one render (FreeType faces are not shared between threads)."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}
        self._glyphs: dict[str, bool] = {}
        self._notdef = self._glyph(MISSING)

    def get(self, name: str, size: int) -> ImageFont.FreeTypeFont:
        key = (name, size)
        if key not in self._made:
            self._made[key] = ImageFont.truetype(io.BytesIO(_font_bytes(name)), size)
        return self._made[key]

    def _glyph(self, char: str) -> bytes:
        font = self.get(BOLD, 32)
        left, top, right, bottom = (round(v) for v in font.getbbox(char))
        image = Image.new("L", (max(1, right - left), max(1, bottom - top)))
        ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255)
        return f"{image.size}".encode() + image.tobytes()

    def drawable(self, char: str) -> bool:
        """Whether the fonts have a glyph for ``char`` (Regular and Bold cover the same)."""
        if char not in self._glyphs:
            self._glyphs[char] = self._glyph(char) != self._notdef
        return self._glyphs[char]

    def clean(self, text: str) -> str:
        """``text`` on one line, with only what the fonts can draw."""
        text = unicodedata.normalize("NFC", text)
        kept = "".join(
            " " if c.isspace() else c
            for c in text
            if c.isspace() or (unicodedata.category(c)[0] != "C" and self.drawable(c))
        )
        return " ".join(kept.split())


def _width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


def _line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return round((ascent + descent) * 1.12)


def wrap(words: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap; a word wider than a line is broken between characters."""
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if _width(font, candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for char in word:
            if line and _width(font, line + char) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def _with_ellipsis(line: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    """``line`` cut at a word boundary so that it and an ellipsis fit ``width``."""
    words = line.split(" ")
    while len(words) > 1 and _width(font, " ".join(words) + ELLIPSIS) > width:
        words.pop()
    text = " ".join(words)
    while text and _width(font, text + ELLIPSIS) > width:  # one word wider than the line
        text = text[:-1]
    return text + ELLIPSIS


def fit_text(
    text: str, fonts: Fonts, name: str, box: Size, sizes: tuple[int, int]
) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font size in ``sizes`` (min, max) at which ``text`` wraps into ``box``;
    at the smallest size, the lines that fit with an ellipsis after the last whole word."""
    words = text.split()
    low, high = sizes
    best: tuple[ImageFont.FreeTypeFont, list[str]] | None = None
    while low <= high:  # taller text needs more lines, so "fits" flips once as size grows
        middle = (low + high) // 2
        font = fonts.get(name, middle)
        lines = wrap(words, font, box.width)
        if len(lines) * _line_height(font) <= box.height:
            best, low = (font, lines), middle + 1
        else:
            high = middle - 1
    if best is not None:
        return best
    font = fonts.get(name, sizes[0])
    lines = wrap(words, font, box.width)
    keep = max(1, box.height // _line_height(font))
    if len(lines) > keep:
        lines = [*lines[: keep - 1], _with_ellipsis(lines[keep - 1], font, box.width)]
    return font, lines


def _one_line(text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if _width(font, text) <= width:
        return text
    while text and _width(font, text + ELLIPSIS) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _display_url(url: str) -> str:
    return url.split("://", 1)[-1].removeprefix("www.").rstrip("/")


def render(card: Card, size: Size) -> bytes:
    """The card as PNG bytes, ``size`` pixels."""
    fonts = Fonts()
    width, height = size.width, size.height
    short = min(width, height)
    pad = round(short * 0.08)
    background = hex_rgb(card.background or DEFAULT_BACKGROUND)
    ink = text_colour(background)
    image = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(image)

    bar = max(4, round(height * 0.012))  # a subtle accent along the top edge
    draw.rectangle((0, 0, width - 1, bar - 1), fill=_blend(background, ink, 0.3))

    inner = width - 2 * pad
    footer: list[tuple[str, ImageFont.FreeTypeFont]] = []
    footer_size = max(14, round(short * 0.032))
    for text, name in ((card.brand_name, BOLD), (card.website, REGULAR)):
        cleaned = fonts.clean(_display_url(text) if name == REGULAR and text else text or "")
        if cleaned:
            font = fonts.get(name, footer_size)
            footer.append((_one_line(cleaned, font, inner), font))
    footer_height = sum(_line_height(font) for _, font in footer)
    y = height - pad - footer_height
    for text, font in footer:
        draw.text((pad, y), text, font=font, fill=ink)
        y += _line_height(font)

    top = bar + pad
    bottom = height - pad - (footer_height + pad // 2 if footer else 0)
    box = Size(inner, max(1, bottom - top))
    sizes = (max(16, round(short * 0.03)), max(16, round(short * 0.095)))
    font, lines = fit_text(fonts.clean(card.text), fonts, BOLD, box, sizes)
    line_height = _line_height(font)
    y = top + (box.height - len(lines) * line_height) // 2  # centred vertically
    for line in lines:
        draw.text((pad, y), line, font=font, fill=ink)
        y += line_height

    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
