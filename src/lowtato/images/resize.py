"""A provider's image at the size the caller asked for: cropped to the aspect ratio around the
centre, then scaled. Pure and synchronous (run it in a thread)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from lowtato.images.sizes import Size
from lowtato.kit.lazy import lazy_module
from lowtato.llm.client import ProviderError

if TYPE_CHECKING:
    from PIL import Image, ImageOps
else:
    Image = lazy_module("PIL.Image")
    ImageOps = lazy_module("PIL.ImageOps")

# Provider images are 1-2.4 megapixels; anything far larger is not one and is not decoded.
MAX_PIXELS = 40_000_000


def fit(data: bytes, size: Size) -> tuple[bytes, str]:
    """``(bytes, mime_type)``: JPEG for an opaque image (a photo compresses far better), PNG
    when it has transparency. A body that is not an image raises ProviderError."""
    try:
        with Image.open(io.BytesIO(data)) as source:
            if source.width * source.height > MAX_PIXELS:
                raise ProviderError(
                    f"the AI provider's image is {source.width}x{source.height} pixels, "
                    "too large to be a generated image"
                )
            source.load()
            alpha = source.mode in {"RGBA", "LA", "PA"} or "transparency" in source.info
            image = source.convert("RGBA" if alpha else "RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ProviderError("the AI provider's image could not be decoded") from exc
    fitted = ImageOps.fit(image, (size.width, size.height), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if alpha:
        fitted.save(out, "PNG")
        return out.getvalue(), "image/png"
    fitted.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue(), "image/jpeg"
